import type { Pipeline } from '../../../apps-script/src/core/api-types.js'
import { FIELDS } from './card-fields.js'
import type { CardModel, ChoiceOption, WidgetModel } from './card-model.js'
import { encodeState, type ContactRef, type DealRef } from './card-state.js'
import { logTargetValue } from './email-context.js'

// Forms that change the CRM: new contact, new deal, stage move, note.

export function createContactCard (prefill: { email: string, name: string, companyId: string, companyName: string }): CardModel {
  const widgets: WidgetModel[] = [
    { kind: 'input', name: FIELDS.name, title: 'Name', value: prefill.name === '' ? prefill.email.slice(0, prefill.email.indexOf('@')) : prefill.name },
    { kind: 'input', name: FIELDS.email, title: 'Email', value: prefill.email },
    { kind: 'input', name: FIELDS.phone, title: 'Phone / WhatsApp (optional)', hint: 'With country code, like +44 20 7946 0958' },
  ]
  if (prefill.companyName !== '') widgets.push({ kind: 'field', label: 'Company', value: prefill.companyName, bottom: 'Matched by the email domain' })
  widgets.push({ kind: 'button', text: 'Create contact', action: { name: 'createContact', parameters: { companyId: prefill.companyId } }, filled: true })
  return { title: 'New contact', sections: [{ widgets }] }
}

/** A new deal for a contact; the title starts as the email's subject. */
export function newDealCard (contact: ContactRef, title: string): CardModel {
  return {
    title: 'New deal',
    subtitle: contact.name,
    sections: [{
      widgets: [
        { kind: 'input', name: FIELDS.title, title: 'Title', value: title },
        { kind: 'input', name: FIELDS.amount, title: 'Amount (optional)', hint: '12000 or 19.99' },
        { kind: 'input', name: FIELDS.currency, title: 'Currency', value: 'EUR', hint: 'ISO code: EUR, USD, GBP…' },
        { kind: 'text', text: 'The deal starts in the first stage of your first pipeline.', tone: 'muted' },
        { kind: 'button', text: 'Create deal', action: { name: 'createDeal', parameters: { contact: encodeState(contact) } }, filled: true },
      ],
    }],
  }
}

/** The stages of the deal's pipeline, the current one chosen. */
export function moveStageCard (deal: DealRef, pipeline: Pipeline | undefined): CardModel {
  if (pipeline === undefined || pipeline.stages.length === 0) {
    return { title: 'Move deal', subtitle: deal.title, sections: [{ widgets: [{ kind: 'text', text: 'This deal\'s pipeline no longer exists. Refresh the card.', tone: 'error' }] }] }
  }
  const options = [...pipeline.stages].sort((a, b) => a.position - b.position).map((s) => ({
    text: s.outcome === null ? s.name : `${s.name} (${s.outcome})`,
    value: s.id,
    selected: s.id === deal.stageId,
  }))
  return {
    title: 'Move deal',
    subtitle: deal.title,
    sections: [{
      header: pipeline.name,
      widgets: [
        { kind: 'choice', name: FIELDS.stage, title: 'Stage', type: 'dropdown', options },
        { kind: 'button', text: 'Move', action: { name: 'moveStage', parameters: { deal: encodeState(deal) } }, filled: true },
      ],
    }],
  }
}

/** A note on the contact or one of their open deals. */
export function addNoteCard (contact: ContactRef, deals: ReadonlyArray<Pick<DealRef, 'id' | 'title'>>): CardModel {
  const options: ChoiceOption[] = [
    { text: contact.name, value: logTargetValue({ type: 'contact', id: contact.id }), selected: true },
    ...deals.map((d) => ({ text: `Deal: ${d.title}`, value: logTargetValue({ type: 'deal', id: d.id }) })),
  ]
  return {
    title: 'Add note',
    subtitle: contact.name,
    sections: [{
      widgets: [
        { kind: 'input', name: FIELDS.note, title: 'Note', multiline: true },
        { kind: 'choice', name: FIELDS.noteTarget, title: 'On', type: 'dropdown', options },
        { kind: 'button', text: 'Save note', action: { name: 'addNote' }, filled: true },
      ],
    }],
  }
}

// ---------------------------------------------------------------------------------------------
// WhatsApp

/** The contact's WhatsApp thread, oldest of the page first, and a reply box while the window is open. */
