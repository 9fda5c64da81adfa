import { describe, expect, it } from 'vitest'
import type { AddonViewRequest, LogEmailRequest, LogEmailResult } from '../../../apps-script/src/core/api-types.js'
import { BackendError } from '../../../apps-script/src/core/backend-client.js'
import { addonContext, rootCard, runAction } from './addon.js'
import type { ParsedAction } from './card-actions.js'
import type { ActionResult, CardModel, WidgetModel } from './card-model.js'
import { FIELDS, INCLUDE_BODY_VALUE } from './cards.js'
import { encodeState, type ContactRef } from './card-state.js'
import { SECOND_CALL_MIN_MS, ADDON_LIMIT_MS } from './deadline.js'
import type { FormValues } from './form-inputs.js'
import type { Surface } from './ports.js'
import { contactView, fakeBackend, fakePorts, threadMessage, unknownUser, unreachable, view } from './test-fixtures.test-helpers.js'

const GRACE: ContactRef = { id: 'con_grace', name: 'Grace Hopper', email: 'grace@navy.example', phone: '+442079460958', company: 'US Navy', companyId: 'com_navy', optedOut: false }
const NO_NUMBER: ContactRef = { ...GRACE, phone: null }

const LOGGED: LogEmailResult = {
  alreadyLogged: false,
  log: { targetType: 'contact', targetId: 'con_grace', targetName: 'Grace Hopper', activityId: 'act_1', loggedBy: null, loggedAt: '2026-03-02T09:00:00.000Z', source: 'gmail' },
  activity: null,
}

function ctx (ports: ReturnType<typeof fakePorts>['ports'], surface: Surface = 'message', form: FormValues = {}): ReturnType<typeof addonContext> {
  return addonContext(ports, { surface, timeZoneOffsetMs: 0, startedAt: ports.now() }, form)
}

function texts (card: CardModel): string[] {
  return card.sections.flatMap((s) => s.widgets.flatMap((w: WidgetModel) => w.kind === 'text' ? [w.text] : w.kind === 'field' ? [w.value] : []))
}

function response (result: ActionResult): Extract<ActionResult, { kind: 'response' }> {
  if (result.kind !== 'response') throw new Error('expected an action response')
  return result
}

describe('root cards', () => {
  it('draws the message card from ONE view call: every participant but the user, with the headers', () => {
    let request: AddonViewRequest | undefined
    const { backend, calls } = fakeBackend({ view: (r) => { request = r; return view() } })
    const card = rootCard(ctx(fakePorts({ backend }).ports))
    expect(calls.map((c) => c.method)).toEqual(['view'])
    expect(request).toMatchObject({ emails: ['grace@navy.example'], message: { messageId: '<q1@navy.example>', from: 'grace@navy.example', to: ['me@acme.example'] } })
    expect(card.title).toBe('Grace Hopper')
  })

  it('makes no call when the message has nobody to look up, or no message is open', () => {
    const { backend, calls } = fakeBackend()
    rootCard(ctx(fakePorts({ backend, message: { ...fakePorts({ backend }).ports.mail.openMessage()!, from: 'me@acme.example', to: '' } }).ports))
    rootCard(ctx(fakePorts({ backend, message: null }).ports))
    expect(calls).toEqual([])
  })

  it.each([
    { description: 'backend unreachable', fail: unreachable, expected: /could not be reached/, retry: 'refreshMessage' },
    { description: 'unknown Google account', fail: unknownUser, expected: /not a Switchboard user/, retry: 'refreshMessage' },
  ])('answers a failure with a card and a Retry ($description)', ({ fail, expected, retry }) => {
    const { backend } = fakeBackend({ view: fail })
    const card = rootCard(ctx(fakePorts({ backend }).ports))
    expect(texts(card).join(' ')).toMatch(expected)
    const buttons = card.sections.flatMap((s) => s.widgets).flatMap((w) => w.kind === 'button' ? [w.action] : w.kind === 'buttons' ? w.buttons.flatMap((b) => 'action' in b ? [b.action] : []) : [])
    expect(buttons).toContainEqual({ name: retry })
  })

  it('looks up the draft\'s recipients once, for compose', () => {
    const { backend, calls } = fakeBackend({ view: () => view() })
    const card = rootCard(ctx(fakePorts({ backend, draft: ['Grace <grace@navy.example>', 'not an address'] }).ports, 'compose'))
    expect(calls).toEqual([{ method: 'view', args: [{ emails: ['grace@navy.example'] }] }])
    expect(card.sections[0]!.widgets[0]).toMatchObject({ kind: 'field', value: 'Grace Hopper', button: { action: { name: 'insertWhatsappLink', parameters: { digits: '442079460958' } } } })
  })
})

describe('logging', () => {
  const logAction: ParsedAction = { name: 'logEmail', parameters: {} }

  it('sends metadata only, and reads the body only when "include body" is ticked', () => {
    const requests: LogEmailRequest[] = []
    const { backend } = fakeBackend({ logEmail: (r) => { requests.push(r); return LOGGED }, view: () => view() })
    const plain = fakePorts({ backend })
    runAction(ctx(plain.ports, 'message', { [FIELDS.logTarget]: ['contact:con_grace'] }), logAction)
    expect(plain.contentReads()).toBe(0)
    expect(requests[0]!.email.body).toBeUndefined()

    const withBody = fakePorts({ backend, content: { body: 'Hi there', attachments: [{ name: 'a.pdf', size: 10, contentType: 'application/pdf' }] } })
    runAction(ctx(withBody.ports, 'message', { [FIELDS.logTarget]: ['deal:dea_1'], [FIELDS.includeBody]: [INCLUDE_BODY_VALUE] }), logAction)
    expect(withBody.contentReads()).toBe(1)
    expect(requests[1]).toMatchObject({ dealId: 'dea_1', client: 'gmail', email: { body: 'Hi there', attachments: [{ name: 'a.pdf', size: 10 }], threadId: 'th1' } })
  })

  it('says "already logged" and does not redraw', () => {
    const { backend, calls } = fakeBackend({ logEmail: () => ({ ...LOGGED, alreadyLogged: true }) })
    const result = response(runAction(ctx(fakePorts({ backend }).ports, 'message', { [FIELDS.logTarget]: ['contact:con_grace'] }), logAction))
    expect(result.notification).toMatch(/^Already logged to contact Grace Hopper/)
    expect(calls.map((c) => c.method)).toEqual(['logEmail'])
  })

  it('redraws the root after a change only while a second call fits in the 30 seconds', () => {
    let now = 0
    const { backend, calls } = fakeBackend({ logEmail: () => { now += ADDON_LIMIT_MS - SECOND_CALL_MIN_MS + 1; return LOGGED }, view: () => view() })
    const result = response(runAction(ctx(fakePorts({ backend, now: () => now }).ports, 'message', { [FIELDS.logTarget]: ['contact:con_grace'] }), logAction))
    expect(calls.map((c) => c.method)).toEqual(['logEmail'])
    expect(result.notification).toMatch(/answering slowly/)

    now = 0
    const quick = fakeBackend({ logEmail: () => LOGGED, view: () => view() })
    const redrawn = response(runAction(ctx(fakePorts({ backend: quick.backend, now: () => now }).ports, 'message', { [FIELDS.logTarget]: ['contact:con_grace'] }), logAction))
    expect(quick.calls.map((c) => c.method)).toEqual(['logEmail', 'view'])
    expect(redrawn.navigation?.map((n) => n.op)).toEqual(['popToRoot', 'update'])
  })

  it('asks for the missing choice instead of calling the backend', () => {
    const { backend, calls } = fakeBackend()
    expect(response(runAction(ctx(fakePorts({ backend }).ports), logAction)).notification).toBe('Fill in "Log to" first.')
    expect(calls).toEqual([])
  })
})

describe('failures of actions', () => {
  it('gives a read that met an outage a Retry card repeating the same action', () => {
    const { backend } = fakeBackend({ thread: unreachable })
    const action: ParsedAction = { name: 'openWhatsapp', parameters: { contact: encodeState(GRACE) } }
    const result = response(runAction(ctx(fakePorts({ backend }).ports), action))
    const card = result.navigation?.[0]
    expect(card?.op).toBe('push')
    const retry = card?.op === 'push' ? card.card.sections[0]!.widgets.find((w) => w.kind === 'button') : undefined
    expect(retry).toMatchObject({ text: 'Retry', action: { ...action, replaces: true } })
  })

  it('lets a successful Retry replace the error card instead of stacking on it', () => {
    const { backend } = fakeBackend({ thread: () => ({ items: [], window: { open: false, until: null } }) })
    const action: ParsedAction = { name: 'openWhatsapp', parameters: { contact: encodeState(GRACE) } }
    expect(response(runAction(ctx(fakePorts({ backend }).ports), action, true)).navigation?.map((n) => n.op)).toEqual(['update'])
    expect(response(runAction(ctx(fakePorts({ backend }).ports), action)).navigation?.map((n) => n.op)).toEqual(['push'])
  })

  it('answers a write that met an outage with a notification, so the filled form stays', () => {
    const { backend } = fakeBackend({ addNote: unreachable })
    const result = response(runAction(ctx(fakePorts({ backend }).ports, 'message', { [FIELDS.note]: ['x'], [FIELDS.noteTarget]: ['contact:con_grace'] }), { name: 'addNote', parameters: {} }))
    expect(result.navigation).toBeUndefined()
    expect(result.notification).toMatch(/could not be reached/)
  })

  it('reads a mangled button parameter as a stale card', () => {
    const { backend } = fakeBackend()
    const result = response(runAction(ctx(fakePorts({ backend }).ports), { name: 'openWhatsapp', parameters: { contact: '{"id":1}' } }))
    expect(result.notification).toMatch(/no longer works/)
  })
})

describe('WhatsApp', () => {
  it('refuses a template to a contact without a number before any call', () => {
    const { backend, calls } = fakeBackend()
    const result = response(runAction(ctx(fakePorts({ backend }).ports), { name: 'chooseTemplate', parameters: { contact: encodeState(NO_NUMBER) } }))
    expect(result.notification).toMatch(/no WhatsApp number/)
    expect(calls).toEqual([])
  })

  it('sends the typed values and shows the thread on top of the root', () => {
    const { backend, calls } = fakeBackend({ sendWhatsapp: () => threadMessage({ status: 'accepted' }), thread: () => ({ items: [threadMessage()], window: { open: false, until: null } }) })
    const template = encodeState({ name: 'welcome_offer', language: 'en_US', category: 'MARKETING', text: 'Hi', variables: [] })
    const result = response(runAction(ctx(fakePorts({ backend }).ports), { name: 'sendTemplate', parameters: { contact: encodeState(GRACE), template, values: encodeState({ 'body.first_name': 'Grace' }) } }))
    expect(calls[0]).toEqual({ method: 'sendWhatsapp', args: ['con_grace', { template: { name: 'welcome_offer', language: 'en_US', parameters: { 'body.first_name': 'Grace' } } }] })
    expect(result.navigation?.map((n) => n.op)).toEqual(['popToRoot', 'push'])
    expect(result.notification).toBe('Template welcome_offer sent to Grace Hopper.')
  })

  it('shows the backend\'s refusal (opted out) as the reason, and lets a programming error through', () => {
    const refusing = fakeBackend({ sendWhatsapp: () => { throw new BackendError('SB_WHATSAPP_OPTED_OUT', 'opted out', 409) } })
    const result = response(runAction(ctx(fakePorts({ backend: refusing.backend }).ports, 'message', { [FIELDS.reply]: ['hi'] }), { name: 'sendReply', parameters: { contact: encodeState(GRACE) } }))
    expect(result.notification).toMatch(/^Not sent: this contact opted out of marketing messages/)

    const broken = fakeBackend({ sendWhatsapp: () => { throw new TypeError('bug') } })
    expect(() => runAction(ctx(fakePorts({ backend: broken.backend }).ports, 'message', { [FIELDS.reply]: ['hi'] }), { name: 'sendReply', parameters: { contact: encodeState(GRACE) } })).toThrow(TypeError)
  })
})

describe('compose', () => {
  it('inserts an escaped click-to-chat link', () => {
    const { backend } = fakeBackend()
    expect(runAction(ctx(fakePorts({ backend }).ports, 'compose'), { name: 'insertWhatsappLink', parameters: { digits: '44 20', name: 'A <b>&' } }))
      .toEqual({ kind: 'draft', html: '<a href="https://wa.me/4420">Chat with A &lt;b&gt;&amp; on WhatsApp</a>' })
  })

  it('says so when the draft has no recipient yet', () => {
    const { backend, calls } = fakeBackend()
    expect(texts(rootCard(ctx(fakePorts({ backend }).ports, 'compose'))).join(' ')).toMatch(/Add a recipient/)
    expect(calls).toEqual([])
  })
})

describe('view helpers', () => {
  it('keeps every contact of the view, in order', () => {
    const { backend } = fakeBackend({ view: () => view({ contacts: [contactView(), contactView({ contact: { ...contactView().contact, id: 'con_2', name: 'Alan' } })] }) })
    const card = rootCard(ctx(fakePorts({ backend }).ports))
    expect(card.sections.filter((s) => s.header === 'Grace Hopper' || s.header === 'Alan').map((s) => s.header)).toEqual(['Grace Hopper', 'Alan'])
  })
})
