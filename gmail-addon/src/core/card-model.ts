import type { CardAction } from './card-actions.js'

/**
 * Cards as plain data. Views build these from data and tests assert on them; only the host
 * renderer turns them into CardService objects.
 *
 * Two kinds of string travel here. *Formatted* strings (a text's `text`, a field's `label`,
 * `value` and `bottom`, a section's `header`) land in widgets that read a subset of HTML,
 * so the renderer escapes them: user data (names, subjects) can never be read as markup.
 * *Plain* strings (titles, button texts, input titles, values and hints, choice options)
 * land where CardService shows text as is, and pass unchanged: escaping them would put
 * `&amp;` on a button or into a prefilled input.
 */
export interface CardModel {
  /** A name for navigation (popToNamedCard); the root screens carry one. */
  name?: string
  /** Plain: CardHeader titles are not HTML-formatted. */
  title: string
  /** Plain. */
  subtitle?: string
  sections: SectionModel[]
  /** Buttons pinned under the card (CardService FixedFooter). */
  footer?: { primary: ButtonModel, secondary?: ButtonModel }
}

export interface SectionModel {
  /** Formatted. */
  header?: string
  /** Collapsed to its first `collapsedAfter` widgets, with a "more" toggle. */
  collapsedAfter?: number
  widgets: WidgetModel[]
}

/** How a text is set off; the renderer adds the markup, never the data. */
export type TextTone = 'plain' | 'muted' | 'error' | 'success' | 'bold'

export type WidgetModel =
  | { kind: 'text', text: string, tone?: TextTone }
  | { kind: 'field', label?: string, value: string, bottom?: string, wrap?: boolean, button?: ButtonModel }
  | { kind: 'buttons', buttons: ButtonModel[] }
  | { kind: 'button', text: string, action: CardAction, filled?: boolean }
  | { kind: 'link', text: string, url: string }
  | { kind: 'input', name: string, title: string, value?: string, hint?: string, multiline?: boolean }
  | { kind: 'choice', name: string, title: string, type: 'dropdown' | 'radio' | 'checkbox', options: ChoiceOption[] }
  | { kind: 'divider' }

export interface ChoiceOption {
  /** Plain. */
  text: string
  value: string
  selected?: boolean
}

/** A button: it runs a card action, or opens a link. Its text is plain. */
export type ButtonModel =
  | { text: string, action: CardAction, filled?: boolean }
  | { text: string, url: string }

/** One step of card navigation, applied in order. */
export type NavigationStep =
  | { op: 'push', card: CardModel }
  | { op: 'update', card: CardModel }
  | { op: 'pop' }
  | { op: 'popToRoot' }
  | { op: 'popTo', name: string }

/**
 * What a card action answers, as data: navigation and a notification (an ActionResponse),
 * or content for the open draft (an UpdateDraftActionResponse, compose actions only).
 */
export type ActionResult =
  | { kind: 'response', navigation?: NavigationStep[], notification?: string, stateChanged?: boolean }
  | { kind: 'draft', html: string }
