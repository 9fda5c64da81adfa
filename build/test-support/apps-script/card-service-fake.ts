/**
 * CardService as builders that produce plain, inspectable data: a built card is a FakeCard
 * (sections, widgets, actions with their parameters), an action response says which
 * navigation steps, notification, link or draft change it asks for. Tests assert on these
 * objects, `card-html.ts` renders them, and `gmail-host.ts` plays them as Gmail would.
 *
 * The builders refuse what Google refuses (a card without sections, a section without
 * widgets, more than 100 of either, an input without a field name, a button without an
 * action, parameters that are not strings, an unknown enum value), with messages worded
 * like Apps Script's, so a mistake fails here rather than in front of a user. Method names
 * not in CardService are not there at all: calling one is a TypeError, as in Apps Script.
 */

/** Google's card limits (developers.google.com/workspace/add-ons/concepts/card-interfaces). */
export const CARD_LIMITS = { sectionsPerCard: 100, widgetsPerSection: 100 } as const

export interface FakeAction {
  kind: 'Action'
  functionName: string
  parameters: Record<string, string>
  loadIndicator: string | null
}

export interface FakeOpenLink {
  kind: 'OpenLink'
  url: string
  openAs: string | null
  onClose: string | null
}

/** What a click does: run a function, or open a link. */
export type FakeClick = { kind: 'action', action: FakeAction } | { kind: 'openLink', openLink: FakeOpenLink }

export interface FakeTextButton {
  kind: 'TextButton'
  text: string
  style: string | null
  disabled: boolean
  onClick: FakeClick
}

export interface FakeTextParagraph { kind: 'TextParagraph', text: string }

export interface FakeDecoratedText {
  kind: 'DecoratedText'
  topLabel: string | null
  text: string
  bottomLabel: string | null
  wrapText: boolean
  button: FakeTextButton | null
  onClick: FakeClick | null
}

export interface FakeTextInput {
  kind: 'TextInput'
  fieldName: string
  title: string | null
  hint: string | null
  value: string | null
  multiline: boolean
}

export interface FakeSelectionItem { text: string, value: string, selected: boolean }

export interface FakeSelectionInput {
  kind: 'SelectionInput'
  fieldName: string
  title: string | null
  type: string
  items: FakeSelectionItem[]
  onChange: FakeAction | null
}

export interface FakeButtonSet { kind: 'ButtonSet', buttons: FakeTextButton[] }

export interface FakeDivider { kind: 'Divider' }

export type FakeWidget = FakeTextParagraph | FakeDecoratedText | FakeTextInput | FakeSelectionInput | FakeButtonSet | FakeTextButton | FakeDivider

export interface FakeSection {
  kind: 'CardSection'
  header: string | null
  collapsible: boolean
  uncollapsibleWidgets: number | null
  widgets: FakeWidget[]
}

export interface FakeCardHeader { kind: 'CardHeader', title: string, subtitle: string | null, imageUrl: string | null }

export interface FakeCard {
  kind: 'Card'
  name: string | null
  header: FakeCardHeader | null
  sections: FakeSection[]
  fixedFooter: { primary: FakeTextButton, secondary: FakeTextButton | null } | null
}

export type FakeNavigationStep =
  | { op: 'push', card: FakeCard }
  | { op: 'update', card: FakeCard }
  | { op: 'pop' }
  | { op: 'popToRoot' }
  | { op: 'popToNamed', name: string }

export interface FakeActionResponse {
  kind: 'ActionResponse'
  navigation: FakeNavigationStep[] | null
  notification: string | null
  openLink: FakeOpenLink | null
  stateChanged: boolean
}

export interface FakeUniversalActionResponse {
  kind: 'UniversalActionResponse'
  cards: FakeCard[] | null
  openLink: FakeOpenLink | null
}

export interface FakeDraftContent { content: string, contentType: string }

export interface FakeUpdateDraftActionResponse {
  kind: 'UpdateDraftActionResponse'
  body: { updateType: string | null, contents: FakeDraftContent[] } | null
}

/** Anything a Workspace add-on function may return to the host. */
export type FakeAddOnResponse = FakeCard | FakeCard[] | FakeActionResponse | FakeUniversalActionResponse | FakeUpdateDraftActionResponse

const ENUMS = {
  SelectionInputType: ['CHECK_BOX', 'RADIO_BUTTON', 'DROPDOWN', 'SWITCH', 'MULTI_SELECT'],
  TextButtonStyle: ['OUTLINED', 'TEXT', 'FILLED', 'FILLED_TONAL', 'BORDERLESS'],
  OpenAs: ['FULL_SIZE', 'OVERLAY'],
  OnClose: ['NOTHING', 'RELOAD', 'RELOAD_ADD_ON'],
  LoadIndicator: ['SPINNER', 'NONE'],
  ContentType: ['UNSPECIFIED', 'TEXT', 'MUTABLE_HTML', 'IMMUTABLE_HTML'],
  UpdateDraftBodyType: ['IN_PLACE_INSERT', 'INSERT_AT_START', 'INSERT_AT_END'],
  ImageStyle: ['SQUARE', 'CIRCLE'],
  ComposedEmailType: ['REPLY_AS_DRAFT', 'STANDALONE_DRAFT'],
  DisplayStyle: ['PEEK', 'REPLACE'],
  HorizontalAlignment: ['START', 'CENTER', 'END'],
} as const

function invalid (name: string): Error {
  return new Error(`Exception: Invalid argument: ${name}`)
}

function text (value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalid(name)
  return value
}

function enumValue (enumName: keyof typeof ENUMS, value: unknown): string {
  if (typeof value !== 'string' || !(ENUMS[enumName] as readonly string[]).includes(value)) throw invalid(enumName)
  return value
}

// Built objects are handed back to the script; a builder passed where a built object is
// expected (or the reverse) is a mistake Apps Script also refuses.
const MODEL = Symbol('model')
interface Buildable<T> { [MODEL]: () => T }

function modelOf<T> (value: unknown, expected: string): T {
  if (typeof value === 'object' && value !== null && MODEL in value) return (value as Buildable<T>)[MODEL]()
  throw invalid(expected)
}

class ActionBuilder implements Buildable<FakeAction> {
  private functionName: string | null = null
  private parameters: Record<string, string> = {}
  private loadIndicator: string | null = null
  setFunctionName (name: unknown): this { this.functionName = text(name, 'functionName'); return this }
  setParameters (parameters: unknown): this {
    if (typeof parameters !== 'object' || parameters === null) throw invalid('parameters')
    // Apps Script keeps only string values; anything else is refused when the card is built.
    for (const [key, value] of Object.entries(parameters)) if (typeof value !== 'string') throw invalid(`parameters.${key}`)
    this.parameters = { ...parameters as Record<string, string> }
    return this
  }

  setLoadIndicator (indicator: unknown): this { this.loadIndicator = enumValue('LoadIndicator', indicator); return this }
  setPersistValues (): this { return this }
  [MODEL] (): FakeAction {
    if (this.functionName === null || this.functionName === '') throw new Error('Exception: An Action must have a function name set.')
    return { kind: 'Action', functionName: this.functionName, parameters: { ...this.parameters }, loadIndicator: this.loadIndicator }
  }
}

class OpenLinkBuilder implements Buildable<FakeOpenLink> {
  constructor (private readonly allowed: readonly string[] | null) {}
  private url: string | null = null
  private openAs: string | null = null
  private onClose: string | null = null
  setUrl (url: unknown): this { this.url = text(url, 'url'); return this }
  setOpenAs (openAs: unknown): this { this.openAs = enumValue('OpenAs', openAs); return this }
  setOnClose (onClose: unknown): this { this.onClose = enumValue('OnClose', onClose); return this }
  [MODEL] (): FakeOpenLink {
    if (this.url === null || !/^https?:\/\//.test(this.url)) throw new Error('Exception: An OpenLink must have a valid http(s) URL.')
    // Workspace add-on manifest, addOns.common.openLinkUrlPrefixes (https://developers.google.com/apps-script/manifest/addons#Common):
    // links the add-on opens must match a listed prefix, or Google blocks them. Gmail blocks at the click;
    // the runtime refuses when the link is built, the stricter and earlier failure.
    const url = this.url
    if (this.allowed !== null && !this.allowed.some((prefix) => url.startsWith(prefix))) {
      throw new Error(`Exception: ${url} is not allowed by the manifest's openLinkUrlPrefixes.`)
    }
    return { kind: 'OpenLink', url: this.url, openAs: this.openAs, onClose: this.onClose }
  }
}

class TextButtonBuilder implements Buildable<FakeTextButton> {
  private label: string | null = null
  private style: string | null = null
  private disabled = false
  private click: (() => FakeClick) | null = null
  setText (value: unknown): this { this.label = text(value, 'text'); return this }
  setTextButtonStyle (style: unknown): this { this.style = enumValue('TextButtonStyle', style); return this }
  setDisabled (disabled: unknown): this { this.disabled = disabled === true; return this }
  setBackgroundColor (): this { return this }
  setAltText (): this { return this }
  setOnClickAction (action: unknown): this {
    const model = modelOf<FakeAction>(action, 'action')
    this.click = () => ({ kind: 'action', action: model })
    return this
  }

  setOpenLink (link: unknown): this {
    const model = modelOf<FakeOpenLink>(link, 'openLink')
    this.click = () => ({ kind: 'openLink', openLink: model })
    return this
  }

  [MODEL] (): FakeTextButton {
    if (this.label === null || this.label === '') throw new Error('Exception: A TextButton must have text set.')
    if (this.click === null) throw new Error('Exception: A TextButton must have an action, a link or a compose action set.')
    return { kind: 'TextButton', text: this.label, style: this.style, disabled: this.disabled, onClick: this.click() }
  }
}

class TextParagraphBuilder implements Buildable<FakeTextParagraph> {
  private value: string | null = null
  setText (value: unknown): this { this.value = text(value, 'text'); return this }
  [MODEL] (): FakeTextParagraph {
    if (this.value === null) throw new Error('Exception: A TextParagraph must have text set.')
    return { kind: 'TextParagraph', text: this.value }
  }
}

class DecoratedTextBuilder implements Buildable<FakeDecoratedText> {
  private topLabel: string | null = null
  private value: string | null = null
  private bottomLabel: string | null = null
  private wrapText = false
  private button: FakeTextButton | null = null
  private click: FakeClick | null = null
  setTopLabel (value: unknown): this { this.topLabel = text(value, 'topLabel'); return this }
  setText (value: unknown): this { this.value = text(value, 'text'); return this }
  setBottomLabel (value: unknown): this { this.bottomLabel = text(value, 'bottomLabel'); return this }
  setWrapText (wrap: unknown): this { this.wrapText = wrap === true; return this }
  setButton (button: unknown): this { this.button = modelOf<FakeTextButton>(button, 'button'); return this }
  setOnClickAction (action: unknown): this { this.click = { kind: 'action', action: modelOf<FakeAction>(action, 'action') }; return this }
  setOpenLink (link: unknown): this { this.click = { kind: 'openLink', openLink: modelOf<FakeOpenLink>(link, 'openLink') }; return this }
  [MODEL] (): FakeDecoratedText {
    if (this.value === null) throw new Error('Exception: A DecoratedText must have text set.')
    return { kind: 'DecoratedText', topLabel: this.topLabel, text: this.value, bottomLabel: this.bottomLabel, wrapText: this.wrapText, button: this.button, onClick: this.click }
  }
}

class TextInputBuilder implements Buildable<FakeTextInput> {
  private fieldName: string | null = null
  private title: string | null = null
  private hint: string | null = null
  private value: string | null = null
  private multiline = false
  setFieldName (name: unknown): this { this.fieldName = text(name, 'fieldName'); return this }
  setTitle (value: unknown): this { this.title = text(value, 'title'); return this }
  setHint (value: unknown): this { this.hint = text(value, 'hint'); return this }
  setValue (value: unknown): this { this.value = text(value, 'value'); return this }
  setMultiline (multiline: unknown): this { this.multiline = multiline === true; return this }
  [MODEL] (): FakeTextInput {
    if (this.fieldName === null || this.fieldName === '') throw new Error('Exception: A TextInput must have a field name set.')
    return { kind: 'TextInput', fieldName: this.fieldName, title: this.title, hint: this.hint, value: this.value, multiline: this.multiline }
  }
}

class SelectionInputBuilder implements Buildable<FakeSelectionInput> {
  private fieldName: string | null = null
  private title: string | null = null
  private type = 'CHECK_BOX'
  private items: FakeSelectionItem[] = []
  private onChange: FakeAction | null = null
  setFieldName (name: unknown): this { this.fieldName = text(name, 'fieldName'); return this }
  setTitle (value: unknown): this { this.title = text(value, 'title'); return this }
  setType (type: unknown): this { this.type = enumValue('SelectionInputType', type); return this }
  addItem (label: unknown, value: unknown, selected: unknown): this {
    this.items.push({ text: String(label), value: String(value), selected: selected === true })
    return this
  }

  setOnChangeAction (action: unknown): this { this.onChange = modelOf<FakeAction>(action, 'action'); return this }
  [MODEL] (): FakeSelectionInput {
    if (this.fieldName === null || this.fieldName === '') throw new Error('Exception: A SelectionInput must have a field name set.')
    if (this.items.length === 0) throw new Error('Exception: A SelectionInput must have at least one item.')
    if (this.type === 'DROPDOWN' || this.type === 'RADIO_BUTTON') {
      if (this.items.filter((i) => i.selected).length > 1) throw new Error(`Exception: A ${this.type} SelectionInput can have at most one selected item.`)
    }
    return { kind: 'SelectionInput', fieldName: this.fieldName, title: this.title, type: this.type, items: this.items.map((i) => ({ ...i })), onChange: this.onChange }
  }
}

class ButtonSetBuilder implements Buildable<FakeButtonSet> {
  private buttons: Array<() => FakeTextButton> = []
  addButton (button: unknown): this {
    const model = modelOf<FakeTextButton>(button, 'button')
    this.buttons.push(() => model)
    return this
  }

  [MODEL] (): FakeButtonSet {
    if (this.buttons.length === 0) throw new Error('Exception: A ButtonSet must contain at least one button.')
    return { kind: 'ButtonSet', buttons: this.buttons.map((b) => b()) }
  }
}

class DividerBuilder implements Buildable<FakeDivider> {
  [MODEL] (): FakeDivider { return { kind: 'Divider' } }
}

class CardSectionBuilder implements Buildable<FakeSection> {
  private header: string | null = null
  private collapsible = false
  private uncollapsible: number | null = null
  private widgets: FakeWidget[] = []
  setHeader (value: unknown): this { this.header = text(value, 'header'); return this }
  setCollapsible (value: unknown): this { this.collapsible = value === true; return this }
  setNumUncollapsibleWidgets (value: unknown): this {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw invalid('numUncollapsibleWidgets')
    this.uncollapsible = value
    return this
  }

  addWidget (widget: unknown): this {
    if (this.widgets.length >= CARD_LIMITS.widgetsPerSection) throw new Error(`Exception: A card section can hold at most ${CARD_LIMITS.widgetsPerSection} widgets.`)
    this.widgets.push(modelOf<FakeWidget>(widget, 'widget'))
    return this
  }

  [MODEL] (): FakeSection {
    if (this.widgets.length === 0) throw new Error('Exception: A card section must contain at least one widget.')
    return { kind: 'CardSection', header: this.header, collapsible: this.collapsible, uncollapsibleWidgets: this.uncollapsible, widgets: [...this.widgets] }
  }
}

class CardHeaderBuilder implements Buildable<FakeCardHeader> {
  private title: string | null = null
  private subtitle: string | null = null
  private imageUrl: string | null = null
  setTitle (value: unknown): this { this.title = text(value, 'title'); return this }
  setSubtitle (value: unknown): this { this.subtitle = text(value, 'subtitle'); return this }
  setImageUrl (value: unknown): this { this.imageUrl = text(value, 'imageUrl'); return this }
  setImageStyle (value: unknown): this { enumValue('ImageStyle', value); return this }
  setImageAltText (): this { return this }
  [MODEL] (): FakeCardHeader {
    if (this.title === null || this.title === '') throw new Error('Exception: A CardHeader must have a title set.')
    return { kind: 'CardHeader', title: this.title, subtitle: this.subtitle, imageUrl: this.imageUrl }
  }
}

class FixedFooterBuilder implements Buildable<{ primary: FakeTextButton, secondary: FakeTextButton | null }> {
  private primary: FakeTextButton | null = null
  private secondary: FakeTextButton | null = null
  setPrimaryButton (button: unknown): this { this.primary = modelOf<FakeTextButton>(button, 'button'); return this }
  setSecondaryButton (button: unknown): this { this.secondary = modelOf<FakeTextButton>(button, 'button'); return this }
  [MODEL] (): { primary: FakeTextButton, secondary: FakeTextButton | null } {
    if (this.primary === null) throw new Error('Exception: A FixedFooter must have a primary button set.')
    return { primary: this.primary, secondary: this.secondary }
  }
}

class CardBuilder {
  private name: string | null = null
  private header: FakeCardHeader | null = null
  private sections: FakeSection[] = []
  private footer: FakeCard['fixedFooter'] = null
  setName (value: unknown): this { this.name = text(value, 'name'); return this }
  setHeader (header: unknown): this { this.header = modelOf<FakeCardHeader>(header, 'cardHeader'); return this }
  addSection (section: unknown): this {
    if (this.sections.length >= CARD_LIMITS.sectionsPerCard) throw new Error(`Exception: A card can hold at most ${CARD_LIMITS.sectionsPerCard} sections.`)
    this.sections.push(modelOf<FakeSection>(section, 'section'))
    return this
  }

  setFixedFooter (footer: unknown): this { this.footer = modelOf<FakeCard['fixedFooter']>(footer, 'fixedFooter'); return this }
  build (): FakeCard {
    if (this.sections.length === 0) throw new Error('Exception: A card must contain at least one section.')
    return { kind: 'Card', name: this.name, header: this.header, sections: [...this.sections], fixedFooter: this.footer }
  }
}

class NavigationBuilder implements Buildable<FakeNavigationStep[]> {
  private steps: FakeNavigationStep[] = []
  pushCard (card: unknown): this { this.steps.push({ op: 'push', card: builtCard(card) }); return this }
  updateCard (card: unknown): this { this.steps.push({ op: 'update', card: builtCard(card) }); return this }
  popCard (): this { this.steps.push({ op: 'pop' }); return this }
  popToRoot (): this { this.steps.push({ op: 'popToRoot' }); return this }
  popToNamedCard (name: unknown): this { this.steps.push({ op: 'popToNamed', name: text(name, 'cardName') }); return this }
  [MODEL] (): FakeNavigationStep[] { return [...this.steps] }
}

class NotificationBuilder implements Buildable<string> {
  private value: string | null = null
  setText (value: unknown): this { this.value = text(value, 'text'); return this }
  [MODEL] (): string {
    if (this.value === null || this.value === '') throw new Error('Exception: A Notification must have text set.')
    return this.value
  }
}

class ActionResponseBuilder {
  private navigation: FakeNavigationStep[] | null = null
  private notification: string | null = null
  private openLink: FakeOpenLink | null = null
  private stateChanged = false
  setNavigation (navigation: unknown): this { this.navigation = modelOf<FakeNavigationStep[]>(navigation, 'navigation'); return this }
  setNotification (notification: unknown): this { this.notification = modelOf<string>(notification, 'notification'); return this }
  setOpenLink (link: unknown): this { this.openLink = modelOf<FakeOpenLink>(link, 'openLink'); return this }
  setStateChanged (changed: unknown): this { this.stateChanged = changed === true; return this }
  build (): FakeActionResponse {
    return { kind: 'ActionResponse', navigation: this.navigation, notification: this.notification, openLink: this.openLink, stateChanged: this.stateChanged }
  }
}

class UniversalActionResponseBuilder {
  private cards: FakeCard[] | null = null
  private openLink: FakeOpenLink | null = null
  displayAddOnCards (cards: unknown): this {
    if (!Array.isArray(cards) || cards.length === 0) throw invalid('cardObjects')
    this.cards = cards.map(builtCard)
    return this
  }

  setOpenLink (link: unknown): this { this.openLink = modelOf<FakeOpenLink>(link, 'openLink'); return this }
  build (): FakeUniversalActionResponse {
    if (this.cards === null && this.openLink === null) throw new Error('Exception: A UniversalActionResponse must display cards or open a link.')
    return { kind: 'UniversalActionResponse', cards: this.cards, openLink: this.openLink }
  }
}

class UpdateDraftBodyActionBuilder implements Buildable<{ updateType: string | null, contents: FakeDraftContent[] }> {
  private updateType: string | null = null
  private contents: FakeDraftContent[] = []
  addUpdateContent (content: unknown, contentType: unknown): this {
    this.contents.push({ content: text(content, 'content'), contentType: enumValue('ContentType', contentType) })
    return this
  }

  setUpdateType (type: unknown): this { this.updateType = enumValue('UpdateDraftBodyType', type); return this }
  [MODEL] (): { updateType: string | null, contents: FakeDraftContent[] } {
    if (this.contents.length === 0) throw new Error('Exception: An UpdateDraftBodyAction must have content.')
    return { updateType: this.updateType, contents: [...this.contents] }
  }
}

class UpdateDraftActionResponseBuilder {
  private body: FakeUpdateDraftActionResponse['body'] = null
  setUpdateDraftBodyAction (action: unknown): this { this.body = modelOf<FakeUpdateDraftActionResponse['body']>(action, 'updateDraftBodyAction'); return this }
  build (): FakeUpdateDraftActionResponse {
    return { kind: 'UpdateDraftActionResponse', body: this.body }
  }
}

function builtCard (card: unknown): FakeCard {
  if (typeof card === 'object' && card !== null && (card as FakeCard).kind === 'Card') return card as FakeCard
  // Passing a CardBuilder instead of card.build() is a common slip; Apps Script refuses it too.
  throw invalid('card')
}

/** The CardService global of the local runtime. */
export function createCardService (options: { openLinkUrlPrefixes?: readonly string[] | undefined } = {}): object {
  const enums = Object.fromEntries(Object.entries(ENUMS).map(([name, values]) => [name, Object.freeze(Object.fromEntries(values.map((v) => [v, v])))]))
  return Object.freeze({
    ...enums,
    newCardBuilder: () => new CardBuilder(),
    newCardHeader: () => new CardHeaderBuilder(),
    newCardSection: () => new CardSectionBuilder(),
    newTextParagraph: () => new TextParagraphBuilder(),
    newDecoratedText: () => new DecoratedTextBuilder(),
    newTextInput: () => new TextInputBuilder(),
    newSelectionInput: () => new SelectionInputBuilder(),
    newTextButton: () => new TextButtonBuilder(),
    newButtonSet: () => new ButtonSetBuilder(),
    newDivider: () => new DividerBuilder(),
    newFixedFooter: () => new FixedFooterBuilder(),
    newAction: () => new ActionBuilder(),
    newOpenLink: () => new OpenLinkBuilder(options.openLinkUrlPrefixes ?? null),
    newNavigation: () => new NavigationBuilder(),
    newNotification: () => new NotificationBuilder(),
    newActionResponseBuilder: () => new ActionResponseBuilder(),
    newUniversalActionResponseBuilder: () => new UniversalActionResponseBuilder(),
    newUpdateDraftActionResponseBuilder: () => new UpdateDraftActionResponseBuilder(),
    newUpdateDraftBodyAction: () => new UpdateDraftBodyActionBuilder(),
  })
}

/** Every widget of a card, in reading order, including buttons inside button sets and decorated texts. */
export function cardWidgets (card: FakeCard): FakeWidget[] {
  const all: FakeWidget[] = []
  for (const section of card.sections) {
    for (const w of section.widgets) {
      all.push(w)
      if (w.kind === 'ButtonSet') all.push(...w.buttons)
      if (w.kind === 'DecoratedText' && w.button !== null) all.push(w.button)
    }
  }
  if (card.fixedFooter !== null) {
    all.push(card.fixedFooter.primary)
    if (card.fixedFooter.secondary !== null) all.push(card.fixedFooter.secondary)
  }
  return all
}

/** Every button of a card, in reading order. */
export function cardButtons (card: FakeCard): FakeTextButton[] {
  return cardWidgets(card).filter((w): w is FakeTextButton => w.kind === 'TextButton')
}
