import { describe, expect, it } from 'vitest'
import type { CardModel, WidgetModel } from './card-model.js'
import { fillTemplateCard, messageCard, moveStageCard, whatsappCard, whatsappLinkHtml, FIELDS } from './cards.js'
import { templateChoice, type ContactRef } from './card-state.js'
import { emailContext } from './email-context.js'
import { MESSAGE, PIPELINE, WELCOME, contactView, threadMessage, view } from './test-fixtures.test-helpers.js'

const GRACE: ContactRef = { id: 'con_grace', name: 'Grace Hopper', email: 'grace@navy.example', phone: '+442079460958', company: 'US Navy', companyId: 'com_navy', optedOut: false }
const widgets = (card: CardModel): WidgetModel[] => card.sections.flatMap((s) => s.widgets)
const choice = (card: CardModel, name: string): Extract<WidgetModel, { kind: 'choice' }> | undefined =>
  widgets(card).find((w): w is Extract<WidgetModel, { kind: 'choice' }> => w.kind === 'choice' && w.name === name)

describe('messageCard', () => {
  const context = emailContext(MESSAGE, 'me@acme.example')

  it('shows open deals with pipeline and stage, and a Move button carrying the deal', () => {
    const deal = widgets(messageCard(context, view(), 0)).find((w) => w.kind === 'field' && w.value === 'Cable order')
    expect(deal).toMatchObject({ label: 'Sales · Lead', bottom: '12,000 EUR', button: { text: 'Move', action: { name: 'openMoveStage' } } })
  })

  it('keeps logged targets in the list, marked, and selects the first one not logged', () => {
    const logged = view({ emailLogs: [{ targetType: 'contact', targetId: 'con_grace', targetName: 'Grace Hopper', activityId: 'a', loggedBy: { id: 'u', displayName: 'Ada' }, loggedAt: MESSAGE.date, source: 'gmail' }] })
    const options = choice(messageCard(context, logged, 0), FIELDS.logTarget)?.options
    expect(options).toEqual([
      { text: 'Grace Hopper (logged)', value: 'contact:con_grace' },
      { text: 'Deal: Cable order', value: 'deal:dea_1', selected: true },
    ])
  })

  it('offers "Create contact" for an unmatched sender, with the company its domain suggests', () => {
    const stranger = emailContext({ ...MESSAGE, from: 'Kat <kat@nasa.example>' }, 'me@acme.example')
    const card = messageCard(stranger, view({ contacts: [], unmatchedEmails: ['kat@nasa.example'], companiesByDomain: [{ domain: 'nasa.example', company: { id: 'com_nasa', name: 'NASA', domain: 'nasa.example', createdAt: MESSAGE.date, updatedAt: MESSAGE.date } }] }), 0)
    expect(widgets(card)[0]).toMatchObject({
      label: 'Sender, not in Switchboard', value: 'Kat',
      button: { text: 'Create contact', action: { name: 'openCreateContact', parameters: { email: 'kat@nasa.example', name: 'Kat', companyId: 'com_nasa', companyName: 'NASA' } } },
    })
  })

  it('warns when the contact opted out, and says the reply window is closed', () => {
    const optedOut = contactView({ contact: { ...contactView().contact, marketing: { status: 'opted_out', source: null, updatedAt: null } } })
    const texts = widgets(messageCard(context, view({ contacts: [optedOut] }), 0)).flatMap((w) => w.kind === 'text' ? [w.text] : [])
    expect(texts).toContain('Opted out of marketing messages.')
    expect(texts).toContain('Reply window closed: only templates can be sent.')
  })
})

describe('messageCard with many contacts', () => {
  it('stays under Google\'s 100 sections: five contacts in full, the rest one line each', () => {
    const many = Array.from({ length: 50 }, (_, i) => contactView({ contact: { ...contactView().contact, id: `con_${i}`, name: `Guest ${i}`, emails: [`g${i}@x.example`] } }))
    const card = messageCard(emailContext({ ...MESSAGE, to: many.map((c) => c.contact.emails[0]).join(', ') }, 'me@acme.example'), view({ contacts: many }), 0)
    expect(card.sections.length).toBeLessThanOrEqual(100)
    const also = card.sections.find((s) => s.header === 'Also in Switchboard')
    expect(also?.widgets).toHaveLength(45)
    expect(also?.widgets[0]).toMatchObject({ value: 'Guest 5', button: { action: { name: 'openContact', parameters: { email: 'g5@x.example' } } } })
  })
})

describe('whatsappCard', () => {
  it('offers a reply box only while the window is open, and lists messages oldest first', () => {
    const items = [threadMessage({ id: 'm2', direction: 'in', body: 'second', status: 'received' }), threadMessage({ id: 'm1', body: 'first' })]
    const open = whatsappCard(GRACE, { items, window: { open: true, until: '2026-03-03T09:00:00.000Z' } }, 0)
    expect(widgets(open).some((w) => w.kind === 'input' && w.name === FIELDS.reply)).toBe(true)
    expect(widgets(open).flatMap((w) => w.kind === 'field' ? [w.value] : [])).toEqual(['first', 'second'])
    const closed = whatsappCard(GRACE, { items, window: { open: false, until: null } }, 0)
    expect(widgets(closed).some((w) => w.kind === 'input')).toBe(false)
  })
})

describe('template cards', () => {
  it('prefills variables from the contact and leaves the rest empty', () => {
    const inputs = widgets(fillTemplateCard(GRACE, templateChoice(WELCOME))).filter((w) => w.kind === 'input')
    expect(inputs.map((w) => w.kind === 'input' ? [w.title, w.value] : [])).toEqual([['first_name', 'Grace'], ['discount', '']])
  })

  it('asks for a media header\'s link, and tells a header variable from the body\'s', () => {
    const template = { ...templateChoice(WELCOME), variables: [
      { key: 'header.media', name: 'media', kind: 'image' as const, example: 'https://x.example/a.jpg' },
      { key: 'header.first_name', name: 'first_name', kind: 'text' as const, example: null },
    ] }
    const titles = widgets(fillTemplateCard(GRACE, template)).flatMap((w) => w.kind === 'input' ? [w.title] : [])
    expect(titles).toEqual(['image link (header, https://)', 'first_name (header)'])
  })
})

describe('moveStageCard', () => {
  it('lists the pipeline\'s stages in order with the current one selected', () => {
    const options = choice(moveStageCard({ id: 'dea_1', title: 'Cable', pipelineId: 'pip_1', stageId: 'stg_prop' }, PIPELINE), FIELDS.stage)?.options
    expect(options).toEqual([
      { text: 'Lead', value: 'stg_lead', selected: false },
      { text: 'Proposal', value: 'stg_prop', selected: true },
      { text: 'Won (won)', value: 'stg_won', selected: false },
    ])
  })
})

describe('whatsappLinkHtml', () => {
  it('keeps only digits in the URL and escapes the name', () => {
    expect(whatsappLinkHtml('+44 (20) 79"46', '"Bob" <x>')).toBe('<a href="https://wa.me/44207946">Chat with &quot;Bob&quot; &lt;x&gt; on WhatsApp</a>')
  })
})
