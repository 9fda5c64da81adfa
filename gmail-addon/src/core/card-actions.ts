import type { Surface } from './ports.js'

/**
 * Card buttons all call one global function, the dispatcher, with the action's name as a
 * parameter; a new action adds a name and its parameters here and a handler in the typed
 * map (core/addon.ts), never a global.
 */
export const DISPATCHER_FUNCTION = 'onCardAction'

/** The action parameter's key; other parameters travel beside it. */
export const ACTION_PARAMETER = 'action'

/**
 * Which root card (message, home, compose) a button was drawn under: the renderer adds it to
 * every button, so a change redraws the right root. Gmail's card-action events do not say
 * reliably whether a click came from the homepage or a compose window.
 */
export const SURFACE_PARAMETER = 'surface'

/** Set on a button whose card the action's pushed card replaces (see CardAction.replaces). */
export const REPLACE_PARAMETER = 'replace'

/** Whether the clicked button asked for its card to be replaced. */
export function replacesOf (parameters: Readonly<Record<string, string>> | undefined): boolean {
  return parameters?.[REPLACE_PARAMETER] === '1'
}

/** The surface a click came from; 'home' when unknown. */
export function surfaceOf (parameters: Readonly<Record<string, string>> | undefined): Surface {
  const value = parameters?.[SURFACE_PARAMETER]
  return value === 'message' || value === 'compose' ? value : 'home'
}

type None = Record<never, string>

/**
 * Each action's parameters. CardService carries only strings; records the next card needs
 * (a contact, a template) travel as JSON (see card-state.ts), so a click that only shows a
 * form needs no backend call.
 */
export interface CardActionParameters {
  openSettings: None
  checkConnection: None
  /** Loads the open message's card again (its Retry and Refresh buttons). */
  refreshMessage: None
  refreshHome: None
  refreshCompose: None
  search: None
  /** A contact from search, shown as the message card shows it (by one of its addresses). */
  openContact: { email: string }
  logEmail: None
  openCreateContact: { email: string, name: string, companyId: string, companyName: string }
  createContact: { companyId: string }
  openNewDeal: { contact: string, title: string }
  createDeal: { contact: string }
  openMoveStage: { deal: string }
  moveStage: { deal: string }
  openAddNote: { contact: string, deals: string }
  addNote: None
  openWhatsapp: { contact: string }
  refreshWhatsapp: { contact: string }
  sendReply: { contact: string }
  chooseTemplate: { contact: string }
  fillTemplate: { contact: string, template: string }
  previewTemplate: { contact: string, template: string }
  sendTemplate: { contact: string, template: string, values: string }
  insertWhatsappLink: { digits: string, name: string }
}

export type CardActionName = keyof CardActionParameters

// The required keys of every action, checked at runtime: parameters come back from Google as
// they were set, but a card rendered by an older deployment may lack a key added since.
const PARAMETER_KEYS: { readonly [K in CardActionName]: ReadonlyArray<keyof CardActionParameters[K]> } = {
  openSettings: [],
  checkConnection: [],
  refreshMessage: [],
  refreshHome: [],
  refreshCompose: [],
  search: [],
  openContact: ['email'],
  logEmail: [],
  openCreateContact: ['email', 'name', 'companyId', 'companyName'],
  createContact: ['companyId'],
  openNewDeal: ['contact', 'title'],
  createDeal: ['contact'],
  openMoveStage: ['deal'],
  moveStage: ['deal'],
  openAddNote: ['contact', 'deals'],
  addNote: [],
  openWhatsapp: ['contact'],
  refreshWhatsapp: ['contact'],
  sendReply: ['contact'],
  chooseTemplate: ['contact'],
  fillTemplate: ['contact', 'template'],
  previewTemplate: ['contact', 'template'],
  sendTemplate: ['contact', 'template', 'values'],
  insertWhatsappLink: ['digits', 'name'],
}

/** Every action name. */
export const CARD_ACTIONS = Object.keys(PARAMETER_KEYS) as CardActionName[]

/** A button's intent as the view-model states it; the host renders it as a CardService Action. */
export type CardAction = {
  [K in CardActionName]: (keyof CardActionParameters[K] extends never
    ? { name: K, parameters?: CardActionParameters[K] }
    : { name: K, parameters: CardActionParameters[K] }) & {
    /** The card the button sits on gives way to the card the action pushes (Retry on an error card). */
    replaces?: boolean
  }
}[CardActionName]

/** A clicked action with its checked parameters. */
export type ParsedAction = { [K in CardActionName]: { name: K, parameters: CardActionParameters[K] } }[CardActionName]

/** The action a card event asks for, or undefined when the parameter is missing or unknown. */
export function actionNameOf (parameters: Readonly<Record<string, string>> | undefined): CardActionName | undefined {
  const name = parameters?.[ACTION_PARAMETER]
  return name !== undefined && Object.prototype.hasOwnProperty.call(PARAMETER_KEYS, name) ? name as CardActionName : undefined
}

/** The action and its parameters, or undefined when the name is unknown or a parameter is missing. */
export function parseAction (parameters: Readonly<Record<string, string>> | undefined): ParsedAction | undefined {
  const name = actionNameOf(parameters)
  if (name === undefined || parameters === undefined) return undefined
  const keys = PARAMETER_KEYS[name] as readonly string[]
  if (keys.some((key) => typeof parameters[key] !== 'string')) return undefined
  const picked = Object.fromEntries(keys.map((key) => [key, parameters[key]!]))
  return { name, parameters: picked } as ParsedAction
}

/** The parameters a button sends: the action's own, then its name (so a parameter cannot override it), and the surface when given. */
export function actionParameters (action: CardAction, surface?: Surface): Record<string, string> {
  const parameters: Record<string, string> = { ...action.parameters as Record<string, string> | undefined, [ACTION_PARAMETER]: action.name }
  if (surface !== undefined) parameters[SURFACE_PARAMETER] = surface
  if (action.replaces === true) parameters[REPLACE_PARAMETER] = '1'
  return parameters
}
