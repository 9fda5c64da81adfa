import type { Activity, Health } from '../../../apps-script/src/core/api-types.js'
import type { BackendError } from '../../../apps-script/src/core/backend-client.js'
import type { CardAction } from './card-actions.js'
import { FIELDS, REFRESH, ROOT_CARD, settingsButton } from './card-fields.js'
import { activityField, stageIndex } from './message-cards.js'
import type { CardModel, WidgetModel } from './card-model.js'
import { encodeState } from './card-state.js'
import { formatMoney } from './format.js'
import type { SearchResult } from './gmail-client.js'
import { describeGmailError, type GmailError } from './gmail-errors.js'

// The homepage, search, settings, error and access cards.

export function homepageCard (activities: readonly Activity[], offsetMs: number): CardModel {
  const recent: WidgetModel[] = activities.length === 0
    ? [{ kind: 'text', text: 'Nothing yet. Emails you log, notes and WhatsApp messages show here.', tone: 'muted' }]
    : activities.map((a) => activityField(a, offsetMs))
  return {
    name: ROOT_CARD.home,
    title: 'Switchboard',
    subtitle: 'WhatsApp Business CRM',
    sections: [
      {
        widgets: [
          { kind: 'text', text: 'Open an email to see its sender in your WhatsApp Business CRM, or search contacts and deals.' },
          { kind: 'input', name: FIELDS.query, title: 'Search contacts and deals', hint: 'Name, email, phone or deal title' },
          { kind: 'buttons', buttons: [{ text: 'Search', action: { name: 'search' }, filled: true }, settingsButton] },
        ],
      },
      { header: 'Recent activity', collapsedAfter: 5, widgets: recent },
    ],
    footer: { primary: { text: 'Refresh', action: REFRESH.home } },
  }
}

/** What a search found. */
export function searchResultsCard (query: string, result: SearchResult): CardModel {
  const stageNames = stageIndex(result.pipelines)
  const contacts: WidgetModel[] = result.contacts.length === 0
    ? [{ kind: 'text', text: 'No contact matches.', tone: 'muted' }]
    : result.contacts.map((c) => {
      const email = c.emails[0]
      const field: WidgetModel = { kind: 'field', label: c.emails[0] ?? c.phones[0] ?? '', value: c.name }
      // The contact card is looked up by address; a contact without one can only be listed.
      return email === undefined ? field : { ...field, button: { text: 'Open', action: { name: 'openContact', parameters: { email } } } }
    })
  const deals: WidgetModel[] = result.deals.length === 0
    ? [{ kind: 'text', text: 'No deal matches.', tone: 'muted' }]
    : result.deals.map((d) => ({
      kind: 'field',
      label: stageNames.get(d.stageId) ?? d.status,
      value: d.title,
      bottom: formatMoney(d.amount, d.currency) ?? undefined,
      button: { text: 'Move', action: { name: 'openMoveStage', parameters: { deal: encodeState({ id: d.id, title: d.title, pipelineId: d.pipelineId, stageId: d.stageId }) } } },
    } satisfies WidgetModel))
  return {
    title: 'Search',
    subtitle: query,
    sections: [{ header: 'Contacts', widgets: contacts }, { header: 'Deals', widgets: deals }],
  }
}

/** Where the add-on points and a check that the server answers. */
export function settingsCard (backendUrl: string): CardModel {
  return {
    title: 'Settings',
    sections: [{
      widgets: [
        { kind: 'field', label: 'Switchboard server', value: backendUrl, wrap: true },
        { kind: 'text', text: 'You sign in with your Google account: Switchboard knows you by its email address.', tone: 'muted' },
        { kind: 'buttons', buttons: [{ text: 'Check connection', action: { name: 'checkConnection' } }, { text: 'Open Switchboard', url: `${backendUrl}/` }] },
      ],
    }],
  }
}

/** The result of GET /health, or why it failed. */
export type ConnectionCheck = { ok: true, health: Health } | { ok: false, error: BackendError }

/** The notification for a connection check. */
export function connectionCheckMessage (check: ConnectionCheck): string {
  if (!check.ok) return describeGmailError(check.error)
  return check.health.status === 'ok' ? 'Switchboard is reachable.' : 'Switchboard answers but is not ready (it may be starting or migrating). Try again shortly.'
}

// ---------------------------------------------------------------------------------------------
// The message card

/**
 * The card beside an open email, from one /addon/view answer: a section per matched
 * contact (company, numbers, tags, open deals, WhatsApp, recent activity, actions), where the
 * email is logged and a form to log it, and "Create contact" for unmatched participants.
 */
export function errorCard (error: GmailError, retry: CardAction): CardModel {
  return {
    title: 'Switchboard',
    subtitle: 'Something went wrong',
    sections: [{
      widgets: [
        { kind: 'text', text: describeGmailError(error), tone: 'error' },
        { kind: 'button', text: 'Retry', action: retry, filled: true },
      ],
    }],
  }
}

/** The signed-in Google account is not (or cannot be verified as) a Switchboard user: how to get access. */
export function accessCard (error: GmailError, userEmail: string, backendUrl: string, retry: CardAction): CardModel {
  const widgets: WidgetModel[] = [{ kind: 'text', text: describeGmailError(error) }]
  if (userEmail !== '') widgets.push({ kind: 'field', label: 'Your Google account', value: userEmail })
  widgets.push(
    { kind: 'text', text: 'How to get access: ask an owner or admin of your Switchboard workspace to add this exact address as a user (with the role agent or higher). Then press Retry.', tone: 'muted' },
    { kind: 'buttons', buttons: [{ text: 'Retry', action: retry, filled: true }, { text: 'Open Switchboard', url: `${backendUrl}/` }] },
  )
  return { title: 'Switchboard', subtitle: 'No access yet', sections: [{ widgets }] }
}
