import {
  cardWidgets, type FakeAction, type FakeActionResponse, type FakeCard, type FakeTextButton, type FakeUniversalActionResponse,
  type FakeUpdateDraftActionResponse, type FakeWidget,
} from './card-service-fake.js'

/**
 * Gmail's side of a Workspace add-on, played against the local runtime: it opens a message
 * (the contextual trigger, with that message's metadata token), the homepage or a draft,
 * keeps the card stack, and clicks buttons the way Gmail does: the event carries the
 * button's parameters, the current values of the card's inputs (prefilled values unless
 * typed over; empty inputs and unticked boxes left out) and, on a message, a token that
 * comes with the click. Navigation, notifications and draft insertions are applied and kept.
 */

/** What the host needs from the runtime. */
export interface GmailHostRuntime {
  run: (name: string, args?: unknown[]) => unknown
  /** The manifest names the functions Gmail calls. */
  manifest: { addOns?: unknown }
  gmail: { messages: Record<string, { accessToken: string, threadId?: string }>, actionToken: (messageId: string) => string }
}

/** Where the add-on is open. */
export type GmailSurface =
  | { kind: 'message', messageId: string }
  | { kind: 'home' }
  | { kind: 'compose', to?: string[], cc?: string[], bcc?: string[] }

export interface GmailHostOptions {
  /** commonEventObject.timeZone; default Europe/Madrid at +1 h. */
  timeZone?: { id: string, offset: number }
}

/** Values typed into a card before a click: a string for a text input, a list for checkboxes. */
export type TypedForm = Record<string, string | string[]>

export interface GmailHost {
  /** Runs the contextual trigger for a fixture message and shows its card. */
  openMessage: (messageId: string) => FakeCard
  openHomepage: () => FakeCard
  openCompose: (recipients: { to?: string[], cc?: string[], bcc?: string[] }) => FakeCard
  /** Runs a universal action (its cards replace the stack). */
  universal: (functionName: string) => FakeUniversalActionResponse
  /** The card on top. */
  top: () => FakeCard
  /** The cards from root to top. */
  stack: FakeCard[]
  /** Clicks the `nth` (default first) button whose text is `text` on the top card, after typing `form`. */
  click: (text: string, form?: TypedForm, nth?: number) => FakeActionResponse | FakeUpdateDraftActionResponse
  /** Every notification shown, in order. */
  notifications: string[]
  /** HTML inserted into the draft, in order. */
  draftInsertions: string[]
}

/** A Gmail host over a loaded Gmail add-on. */
export function createGmailHost (runtime: GmailHostRuntime, options: GmailHostOptions = {}): GmailHost {
  const timeZone = options.timeZone ?? { id: 'Europe/Madrid', offset: 3_600_000 }
  const triggers = manifestTriggers(runtime.manifest)
  let surface: GmailSurface = { kind: 'home' }
  const stack: FakeCard[] = []
  const notifications: string[] = []
  const draftInsertions: string[] = []

  const common = (parameters: Record<string, string> = {}, formInputs?: object): Record<string, unknown> => ({
    hostApp: 'GMAIL', platform: 'WEB', userLocale: 'en', timeZone, parameters, ...(formInputs === undefined ? {} : { formInputs }),
  })
  const gmailPart = (clicked: boolean): Record<string, unknown> => {
    if (surface.kind === 'message') {
      const message = runtime.gmail.messages[surface.messageId]
      if (message === undefined) throw new Error(`No fixture message ${surface.messageId}`)
      return { gmail: { messageId: surface.messageId, threadId: message.threadId ?? surface.messageId, accessToken: clicked ? runtime.gmail.actionToken(surface.messageId) : message.accessToken } }
    }
    if (surface.kind === 'compose') {
      return { gmail: { messageId: '', threadId: '', accessToken: 'compose-token', toRecipients: surface.to ?? [], ccRecipients: surface.cc ?? [], bccRecipients: surface.bcc ?? [] } }
    }
    return {}
  }
  // Apps Script passes events as plain JSON.
  const event = (value: object): unknown => JSON.parse(JSON.stringify(value))

  const showRoot = (trigger: string): FakeCard => {
    const result = runtime.run(trigger, [event({ commonEventObject: common(), ...gmailPart(false) })])
    const cards = (Array.isArray(result) ? result : [result]) as FakeCard[]
    if (cards.length !== 1 || cards[0]?.kind !== 'Card') throw new Error(`${trigger} returned ${JSON.stringify(result)?.slice(0, 200)}, not one card`)
    stack.splice(0, stack.length, cards[0])
    return cards[0]
  }

  const top = (): FakeCard => {
    const card = stack[stack.length - 1]
    if (card === undefined) throw new Error('No card is open')
    return card
  }

  const apply = (response: FakeActionResponse): void => {
    for (const step of response.navigation ?? []) {
      if (step.op === 'push') stack.push(step.card)
      else if (step.op === 'update') stack.splice(stack.length - 1, 1, step.card)
      else if (step.op === 'pop') { if (stack.length > 1) stack.pop() } else if (step.op === 'popToRoot') stack.splice(1)
      else {
        const at = stack.findIndex((c) => c.name === step.name)
        if (at === -1) throw new Error(`popToNamedCard: no card named ${step.name}`)
        stack.splice(at + 1)
      }
    }
    if (response.notification !== null) notifications.push(response.notification)
  }

  return {
    openMessage (messageId) {
      surface = { kind: 'message', messageId }
      return showRoot(triggers.message)
    },
    openHomepage () {
      surface = { kind: 'home' }
      return showRoot(triggers.home)
    },
    openCompose (recipients) {
      surface = { kind: 'compose', ...recipients }
      return showRoot(triggers.compose)
    },
    universal (functionName) {
      const response = runtime.run(functionName, [event({ commonEventObject: common(), ...gmailPart(false) })]) as FakeUniversalActionResponse
      if (response.kind !== 'UniversalActionResponse') throw new Error(`${functionName} returned ${response.kind}`)
      if (response.cards !== null) stack.splice(0, stack.length, ...response.cards)
      return response
    },
    top,
    stack,
    click (text, form = {}, nth = 0) {
      const card = top()
      const button = cardWidgets(card).filter((w): w is FakeTextButton => w.kind === 'TextButton' && w.text === text)[nth]
      if (button === undefined) throw new Error(`No button "${text}" on card "${card.header?.title ?? ''}": ${cardWidgets(card).filter((w) => w.kind === 'TextButton').map((w) => (w as FakeTextButton).text).join(', ')}`)
      if (button.onClick.kind !== 'action') throw new Error(`Button "${text}" opens a link`)
      const action: FakeAction = button.onClick.action
      const formInputs = currentForm(cardWidgets(card), form)
      const response = runtime.run(action.functionName, [event({ commonEventObject: common(action.parameters, formInputs), ...gmailPart(true) })]) as FakeActionResponse | FakeUpdateDraftActionResponse
      if (response.kind === 'UpdateDraftActionResponse') {
        for (const content of response.body?.contents ?? []) draftInsertions.push(content.content)
      } else if (response.kind === 'ActionResponse') {
        apply(response)
      } else {
        throw new Error(`${action.functionName} returned ${JSON.stringify(response)?.slice(0, 200)}`)
      }
      return response
    },
    notifications,
    draftInsertions,
  }
}

interface AddOnsManifest {
  common?: { homepageTrigger?: { runFunction?: string } }
  gmail?: { contextualTriggers?: Array<{ onTriggerFunction?: string }>, composeTrigger?: { selectActions?: Array<{ runFunction?: string }> } }
}

// The functions Gmail calls, as the manifest names them; a missing trigger fails when used.
function manifestTriggers (manifest: { addOns?: unknown }): { home: string, message: string, compose: string } {
  const addOns = (manifest.addOns ?? {}) as AddOnsManifest
  return {
    home: addOns.common?.homepageTrigger?.runFunction ?? '(no homepageTrigger in the manifest)',
    message: addOns.gmail?.contextualTriggers?.[0]?.onTriggerFunction ?? '(no contextualTriggers in the manifest)',
    compose: addOns.gmail?.composeTrigger?.selectActions?.[0]?.runFunction ?? '(no composeTrigger in the manifest)',
  }
}

// Gmail sends every input of the card, as typed: prefilled values count, empty ones are left out.
function currentForm (widgets: readonly FakeWidget[], typed: TypedForm): Record<string, { stringInputs: { value: string[] } }> {
  const values: Record<string, string[]> = {}
  for (const w of widgets) {
    if (w.kind === 'TextInput' && w.value !== null && w.value !== '') values[w.fieldName] = [w.value]
    if (w.kind === 'SelectionInput') {
      const selected = w.items.filter((i) => i.selected).map((i) => i.value)
      if (selected.length > 0) values[w.fieldName] = selected
    }
  }
  const names = new Set(widgets.flatMap((w) => w.kind === 'TextInput' || w.kind === 'SelectionInput' ? [w.fieldName] : []))
  for (const [name, value] of Object.entries(typed)) {
    if (!names.has(name)) throw new Error(`The card has no input "${name}"`)
    const list = Array.isArray(value) ? value : [value]
    if (list.length === 0 || (list.length === 1 && list[0] === '')) delete values[name]
    else values[name] = list
  }
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { stringInputs: { value } }]))
}

/** Every text a card shows: header, section headers, paragraphs, labels, values and button texts, in reading order. */
export function cardTexts (card: FakeCard): string[] {
  const texts: string[] = []
  if (card.header !== null) {
    texts.push(card.header.title)
    if (card.header.subtitle !== null) texts.push(card.header.subtitle)
  }
  for (const section of card.sections) {
    if (section.header !== null) texts.push(section.header)
    for (const w of cardWidgets({ ...card, header: null, sections: [section], fixedFooter: null })) {
      if (w.kind === 'TextParagraph') texts.push(w.text)
      else if (w.kind === 'DecoratedText') texts.push(...[w.topLabel, w.text, w.bottomLabel].filter((t): t is string => t !== null))
      else if (w.kind === 'TextButton') texts.push(w.text)
      else if (w.kind === 'TextInput' || w.kind === 'SelectionInput') texts.push(w.title ?? w.fieldName)
    }
  }
  if (card.fixedFooter !== null) texts.push(card.fixedFooter.primary.text)
  return texts
}
