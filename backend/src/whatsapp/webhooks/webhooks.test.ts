import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { buildTestApp, createWorkspace, type TestApp, type TestWorkspace } from '../../../test/helper.js'
import type { WorkspaceId } from '../../ids.js'
import { createCloudApiClient, type CloudApiClient } from '../cloud-api/client.js'
import { asciiJson, signWebhookBody } from '../cloud-api/webhook-signature.js'
import type { Sandbox, SandboxOptions } from '../sandbox/sandbox.js'
import type { WebhookInbox } from './webhook-inbox.js'

/**
 * The webhook receiver and its processor over real HTTP: the app listens on a loopback
 * port, a Cloud API sandbox plays Meta and POSTs signed webhooks to it, and the store is
 * checked afterwards. The workspace, connection and number are seeded through the
 * repositories, as Embedded Signup would leave them.
 */

interface Harness {
  t: TestApp
  sandbox: Sandbox
  ws: TestWorkspace
  workspaceId: WorkspaceId
  webhookUrl: string
  inbox: WebhookInbox
  client: CloudApiClient
  appSecret: string
  /** Waits until the sandbox has delivered every webhook, then processes the inbox. */
  settle (): Promise<void>
  /** POSTs a body to the receiver, signed with the app secret unless `signature` is given (null: no header). */
  post (body: string, signature?: string | null): Promise<Response>
  /** An envelope of `changes` for the sandbox's WABA and number. */
  envelope (value: Record<string, unknown>, field?: string): Record<string, unknown>
  inboxRows (): Promise<Array<{ id: number, processed_at: string | null, attempts: number, last_error: string | null }>>
}

async function harness (options: SandboxOptions = {}): Promise<Harness> {
  const t = await buildTestApp({}, { sandbox: options })
  const sandbox = t.sandbox!
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = t.app.server.address() as AddressInfo
  const webhookUrl = `http://127.0.0.1:${port}/webhooks/whatsapp`
  const { runtime, connections, webhooks } = t.app.services.whatsapp
  // Meta's subscription handshake, against our GET route, before any POST is sent.
  await sandbox.setWebhookUrl(webhookUrl, { verifyToken: runtime.verifyToken! })

  const ws = await createWorkspace(t)
  const connection = await connections.ensure(ws.workspaceId, 'sandbox')
  await connections.update(ws.workspaceId, { waba_id: sandbox.wabaId, status: 'connected', signup_step: 'done' })
  await connections.upsertNumber(ws.workspaceId, connection.id, {
    id: sandbox.phoneNumberId, displayPhoneNumber: '+1 555-078-3881', verifiedName: 'Switchboard Sandbox', qualityRating: 'GREEN',
    messagingLimitTier: 'TIER_UNLIMITED', throughputLevel: 'STANDARD', throughputPerSecond: 80, registered: true,
  })
  const appSecret = runtime.appSecret!
  const h: Harness = {
    t,
    sandbox,
    ws,
    workspaceId: ws.workspaceId,
    webhookUrl,
    inbox: webhooks,
    client: createCloudApiClient({ baseUrl: sandbox.url, accessToken: sandbox.accessToken }),
    appSecret,
    async settle () {
      await sandbox.whenWebhooksIdle(10_000)
      await webhooks.processor.drain()
    },
    post (body, signature) {
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      const sig = signature === undefined ? signWebhookBody(appSecret, body) : signature
      if (sig !== null) headers['x-hub-signature-256'] = sig
      return fetch(webhookUrl, { method: 'POST', headers, body })
    },
    envelope (value, field = 'messages') {
      return {
        object: 'whatsapp_business_account',
        entry: [{ id: sandbox.wabaId, changes: [{ field, value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: sandbox.phoneNumberId }, ...value } }] }],
      }
    },
    inboxRows: () => t.store.db.selectFrom('webhook_inbox').select(['id', 'processed_at', 'attempts', 'last_error']).orderBy('id').execute(),
  }
  return h
}

/** Sends a template through the sandbox and records it as our outbound message, in the order a sender would. */
async function sendTemplate (h: Harness, to: string): Promise<{ id: string, wamid: string }> {
  const { messages } = h.t.app.services.whatsapp
  const id = await messages.createOutbound(h.workspaceId, { contactId: null, phoneNumberId: h.sandbox.phoneNumberId, waId: to.replace('+', ''), type: 'template', body: null, templateName: 'hello_world', templateLanguage: 'en_US', authorUserId: null, source: 'api' })
  const sent = await h.client.sendTemplate(h.sandbox.phoneNumberId, to, { name: 'hello_world', languageCode: 'en_US' })
  await messages.markAccepted(h.workspaceId, id, sent.wamid)
  return { id, wamid: sent.wamid }
}

async function contactsOf (h: Harness) {
  return h.t.store.db.selectFrom('contacts').selectAll().where('workspace_id', '=', h.workspaceId).orderBy('id').execute()
}

async function contactByWaId (h: Harness, waId: string) {
  return h.t.store.db.selectFrom('contacts').selectAll().where('workspace_id', '=', h.workspaceId).where('whatsapp_id', '=', waId).executeTakeFirstOrThrow()
}

async function waitUntil (check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('verification handshake (GET /webhooks/whatsapp)', () => {
  it('echoes hub.challenge as text for the right token, and refuses a wrong token, mode or missing challenge with 403', async () => {
    const h = await harness()
    const token = h.t.app.services.whatsapp.runtime.verifyToken!
    const url = (params: Record<string, string | undefined>) => `${h.webhookUrl}?${new URLSearchParams(params as Record<string, string>).toString()}`

    const good = await fetch(url({ 'hub.mode': 'subscribe', 'hub.challenge': '1158201444', 'hub.verify_token': token }))
    expect(good.status).toBe(200)
    expect(good.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(good.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await good.text()).toBe('1158201444')

    for (const params of [
      { 'hub.mode': 'subscribe', 'hub.challenge': '1', 'hub.verify_token': `${token}x` },
      { 'hub.mode': 'unsubscribe', 'hub.challenge': '1', 'hub.verify_token': token },
      { 'hub.mode': 'subscribe', 'hub.verify_token': token },
      { 'hub.mode': 'subscribe', 'hub.challenge': '1' },
    ]) {
      const refused = await fetch(url(params))
      expect(refused.status).toBe(403)
      expect(await refused.json()).toEqual({ code: 'SB_WEBHOOK_VERIFY_FAILED', message: expect.any(String) })
    }
    await expect(h.sandbox.setWebhookUrl(h.webhookUrl, { verifyToken: 'not-the-token' })).rejects.toThrow(/verification/)
  })
})

describe('signature (POST /webhooks/whatsapp)', () => {
  it('stores a correctly signed body as received and answers an empty 200; a bad, missing or re-serialised one gets 401 and stores nothing', async () => {
    const h = await harness()
    const envelope = h.envelope({
      contacts: [{ profile: { name: 'Zoë 🙂' }, wa_id: '16505551234' }],
      messages: [{ from: '16505551234', id: 'wamid.SIGNATURE1', timestamp: '1760000000', type: 'text', text: { body: 'Olá' } }],
    })
    const ascii = asciiJson(envelope)
    expect(ascii).toContain('Zo\\u00eb')
    const signature = signWebhookBody(h.appSecret, ascii)

    const reserialised = JSON.stringify(envelope)
    for (const [body, sig] of [
      [ascii, signWebhookBody('another-secret', ascii)],
      [ascii, null],
      [ascii, 'sha256=' + '0'.repeat(64)],
      [ascii, signature.replace('sha256=', 'sha1=')],
      [reserialised, signature],
    ] as Array<[string, string | null]>) {
      const refused = await h.post(body, sig)
      expect(refused.status).toBe(401)
      expect(((await refused.json()) as { code: string }).code).toBe('SB_WEBHOOK_SIGNATURE_INVALID')
    }
    expect(await h.inboxRows()).toEqual([])

    const stored = await h.post(ascii, signature)
    expect(stored.status).toBe(200)
    expect(await stored.text()).toBe('')
    const rows = await h.t.store.db.selectFrom('webhook_inbox').selectAll().execute()
    expect(rows).toHaveLength(1)
    expect(rows[0]!.body).toBe(ascii)
    await h.inbox.processor.drain()
    expect((await contactByWaId(h, '16505551234')).name).toBe('Zoë 🙂')
  })

  it('takes bodies up to 3 MB, refuses larger ones with 413, and leaves JSON parsing of the rest of the API alone', async () => {
    const h = await harness()
    const padding = 'x'.repeat(3 * 1024 * 1024 - 400)
    const big = asciiJson({ ...h.envelope({ statuses: [] }), padding })
    expect((await h.post(big)).status).toBe(200)
    const tooBig = asciiJson({ ...h.envelope({ statuses: [] }), padding: `${padding}${'y'.repeat(1000)}` })
    expect((await h.post(tooBig)).status).toBe(413)
    expect(await h.inboxRows()).toHaveLength(1)

    const login = await fetch(h.webhookUrl.replace('/webhooks/whatsapp', '/auth/login'), {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: h.ws.ownerEmail, password: h.ws.ownerPassword }),
    })
    expect(login.status).toBe(200)
  })
})

describe('statuses', () => {
  it('ends at the right status with one event row per (wamid, status) when Meta duplicates and reorders every webhook', async () => {
    const h = await harness({ webhooks: { duplicateRate: 1, reorderRate: 1, readRate: 1 } })
    const sent = []
    for (let i = 0; i < 6; i++) sent.push(await sendTemplate(h, `+1650555${String(1200 + i)}`))
    await h.settle()

    const stats = h.sandbox.webhookStats()
    expect(stats.duplicates).toBeGreaterThanOrEqual(18)
    // The sandbox swapped a pair of statuses for every message: at least one arrived as read before delivered.
    const emitted = sent.map((s) => h.sandbox.message(s.wamid)!.statuses.map((x) => x.status).join(','))
    expect(emitted.some((order) => order !== 'sent,delivered,read')).toBe(true)

    const { messages } = h.t.app.services.whatsapp
    for (const s of sent) {
      expect((await messages.get(h.workspaceId, s.id))?.status).toBe('read')
      const events = await h.t.store.db.selectFrom('wa_status_events').select(['status', 'applied']).where('wamid', '=', s.wamid).orderBy('status').execute()
      expect(events).toEqual([{ status: 'delivered', applied: 1 }, { status: 'read', applied: 1 }, { status: 'sent', applied: 1 }])
    }
    const rows = await h.inboxRows()
    expect(rows.length).toBe(stats.delivered)
    expect(rows.every((r) => r.processed_at !== null)).toBe(true)
  })

  it('keeps a status for a wamid it does not know yet and applies it once the send is recorded', async () => {
    const h = await harness({ webhooks: { readRate: 1 } })
    const sent = await h.client.sendTemplate(h.sandbox.phoneNumberId, '+16505551300', { name: 'hello_world', languageCode: 'en_US' })
    await h.settle()
    const waiting = await h.t.store.db.selectFrom('wa_status_events').select(['status', 'applied']).where('wamid', '=', sent.wamid).execute()
    expect(waiting).toHaveLength(3)
    expect(waiting.every((e) => e.applied === 0)).toBe(true)

    const { messages } = h.t.app.services.whatsapp
    const id = await messages.createOutbound(h.workspaceId, { contactId: null, phoneNumberId: h.sandbox.phoneNumberId, waId: sent.waId, type: 'template', body: null, templateName: 'hello_world', templateLanguage: 'en_US', authorUserId: null, source: 'api' })
    await messages.markAccepted(h.workspaceId, id, sent.wamid)
    expect((await messages.get(h.workspaceId, id))?.status).toBe('read')
  })

  it('records a failed status with Meta\'s error code and title, and announces each new status to listeners inside the transaction', async () => {
    const h = await harness({ webhooks: { readRate: 0 } })
    const seen: string[] = []
    h.inbox.onStatus(async (event, trx) => {
      seen.push(`${event.status}:${event.errorCode ?? ''}`)
      // A listener writes through the transaction it is given (as campaigns will).
      await trx.selectFrom('wa_messages').select('id').where('wamid', '=', event.wamid).execute()
    })
    h.sandbox.setRecipientFailure('16505551301', 131026)
    const failed = await sendTemplate(h, '+16505551301')
    await h.settle()
    const message = await h.t.app.services.whatsapp.messages.get(h.workspaceId, failed.id)
    expect(message).toMatchObject({ status: 'failed', errorCode: 131026, errorTitle: expect.any(String) })
    expect(seen).toEqual(['failed:131026'])
  })
})

describe('one envelope, many parts', () => {
  it('processes every entry, change, status and message of a batch, not just the first', async () => {
    const h = await harness()
    const { messages } = h.t.app.services.whatsapp
    const outbound: Array<{ id: string, wamid: string }> = []
    for (let i = 0; i < 8; i++) {
      const id = await messages.createOutbound(h.workspaceId, { contactId: null, phoneNumberId: h.sandbox.phoneNumberId, waId: `1650555140${i}`, type: 'template', body: null, authorUserId: null, source: 'api' })
      const wamid = `wamid.BATCH${i}`
      await messages.markAccepted(h.workspaceId, id, wamid)
      outbound.push({ id, wamid })
    }
    const metadata = { display_phone_number: '15550783881', phone_number_id: h.sandbox.phoneNumberId }
    const statuses = (from: number, to: number, status: string) => outbound.slice(from, to).map((o, i) => ({ id: o.wamid, status, timestamp: String(1760000100 + i), recipient_id: `1650555140${i}` }))
    const inbound = (n: number) => ({ from: `1415555017${n}`, id: `wamid.IN${n}`, timestamp: '1760000200', type: 'text', text: { body: `hello ${n}` } })
    const envelope = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: h.sandbox.wabaId,
          changes: [
            { field: 'messages', value: { messaging_product: 'whatsapp', metadata, statuses: [...statuses(0, 8, 'sent'), ...statuses(0, 4, 'delivered')] } },
            { field: 'messages', value: { messaging_product: 'whatsapp', metadata, contacts: [0, 1, 2].map((n) => ({ profile: { name: `User ${n}` }, wa_id: `1415555017${n}` })), messages: [inbound(0), inbound(1), inbound(2)] } },
          ],
        },
        {
          id: h.sandbox.wabaId,
          changes: [
            { field: 'messages', value: { messaging_product: 'whatsapp', metadata, statuses: statuses(4, 8, 'read') } },
            { field: 'user_preferences', value: { messaging_product: 'whatsapp', metadata, user_preferences: [{ wa_id: '14155550179', category: 'marketing_messages', value: 'stop', detail: 'x', timestamp: 1760000300 }] } },
          ],
        },
      ],
    }
    expect((await h.post(asciiJson(envelope))).status).toBe(200)
    await h.inbox.processor.drain()

    const final = await Promise.all(outbound.map(async (o) => (await messages.get(h.workspaceId, o.id))?.status))
    expect(final).toEqual(['delivered', 'delivered', 'delivered', 'delivered', 'read', 'read', 'read', 'read'])
    const inboundRows = await h.t.store.db.selectFrom('wa_messages').select(['wamid', 'body']).where('direction', '=', 'in').orderBy('wamid').execute()
    expect(inboundRows).toEqual([{ wamid: 'wamid.IN0', body: 'hello 0' }, { wamid: 'wamid.IN1', body: 'hello 1' }, { wamid: 'wamid.IN2', body: 'hello 2' }])
    const names = (await contactsOf(h)).map((c) => [c.name, c.marketing_status]).sort()
    expect(names).toEqual([['+14155550179', 'opted_out'], ['User 0', 'unknown'], ['User 1', 'unknown'], ['User 2', 'unknown']])
  })
})

describe('inbound messages', () => {
  it('creates a contact for a new number (profile name, E.164 phone, wa_id, source whatsapp) and opens the 24-hour window', async () => {
    const h = await harness()
    const { wamid } = h.sandbox.inboundText({ from: '+14155550123', text: 'Hi, is the offer still on?', name: 'Zoë Ångström' })
    await h.settle()
    const contact = await contactByWaId(h, '14155550123')
    expect(contact).toMatchObject({ name: 'Zoë Ångström', source: 'whatsapp', marketing_status: 'unknown' })
    expect(Date.now() - Date.parse(contact.last_inbound_at!)).toBeLessThan(60_000)
    const phones = await h.t.store.db.selectFrom('contact_phones').select('phone').where('contact_id', '=', contact.id).execute()
    expect(phones).toEqual([{ phone: '+14155550123' }])
    const message = await h.t.app.services.whatsapp.messages.getByWamid(h.workspaceId, wamid)
    expect(message).toMatchObject({ direction: 'in', type: 'text', body: 'Hi, is the offer still on?', status: 'received' })
    const thread = await h.t.app.services.whatsapp.messages.thread(h.workspaceId, contact.id, { limit: 10 })
    expect(thread.map((m) => m.wamid)).toEqual([wamid])
  })

  it('stores NUL characters and lone surrogates in inbound names and texts as U+FFFD, and keeps the raw body as received', async () => {
    const h = await harness()
    const metadata = { display_phone_number: '15550783881', phone_number_id: h.sandbox.phoneNumberId }
    const envelope = {
      object: 'whatsapp_business_account',
      entry: [{
        id: h.sandbox.wabaId,
        changes: [{ field: 'messages', value: {
          messaging_product: 'whatsapp', metadata,
          contacts: [{ profile: { name: 'Ada\u0000\uD800' }, wa_id: '14155550177' }],
          messages: [{ from: '14155550177', id: 'wamid.NUL1', timestamp: '1760000200', type: 'text', text: { body: 'Hi\u0000there \uDC00!' } }],
        } }],
      }],
    }
    // JSON.stringify writes both as \u escapes, as Meta would.
    const body = JSON.stringify(envelope)
    expect(body).toContain('\\u0000')
    expect((await h.post(body)).status).toBe(200)
    // A raw NUL byte is not JSON, but a signed body is still stored (never a 500 Meta retries for days).
    expect((await h.post('{"object":"whatsapp_business_account","x":"\u0000"}')).status).toBe(200)
    await h.settle()
    const contact = await contactByWaId(h, '14155550177')
    expect(contact.name).toBe('Ada\uFFFD\uFFFD')
    const message = await h.t.app.services.whatsapp.messages.getByWamid(h.workspaceId, 'wamid.NUL1')
    expect(message?.body).toBe('Hi\uFFFDthere \uFFFD!')
    const raw = await h.t.store.db.selectFrom('webhook_inbox').select('body').orderBy('id').execute()
    expect(raw[0]!.body).toBe(body)
    expect(raw[1]!.body).toBe('{"object":"whatsapp_business_account","x":"\\u0000"}')
  })

  it('attaches to the contact that already has the number or the WhatsApp id, and links the WhatsApp id', async () => {
    const h = await harness()
    const { contacts } = h.t.app.services.crm
    const byPhone = await contacts.create(h.workspaceId, { name: 'Ada Lovelace', phones: ['+1 415 555 0124'] }, { source: 'api' })
    const byWaId = await contacts.create(h.workspaceId, { name: 'Grace Hopper', whatsappId: '447700900123' }, { source: 'api' })
    h.sandbox.inboundText({ from: '+14155550124', text: 'hello', name: 'ada' })
    h.sandbox.inboundButtonReply({ from: '+447700900123', id: 'yes', title: 'Yes please', name: 'grace' })
    await h.settle()
    expect((await contactsOf(h)).map((c) => c.id).sort()).toEqual([byPhone.id, byWaId.id].sort())
    expect(await contacts.get(h.workspaceId, byPhone.id)).toMatchObject({ name: 'Ada Lovelace', whatsappId: '14155550124' })
    const thread = await h.t.app.services.whatsapp.messages.thread(h.workspaceId, byWaId.id, { limit: 10 })
    expect(thread).toMatchObject([{ type: 'interactive', body: 'Yes please' }])
  })

  it('stores a redelivered message once', async () => {
    const h = await harness({ webhooks: { duplicateRate: 1 } })
    const { wamid } = h.sandbox.inboundText({ from: '+14155550125', text: 'once' })
    await h.settle()
    const envelope = h.envelope({ messages: [{ from: '14155550125', id: wamid, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: 'once' } }] })
    expect((await h.post(asciiJson(envelope))).status).toBe(200)
    await h.inbox.processor.drain()
    expect(h.sandbox.webhookStats().duplicates).toBe(1)
    expect(await h.inboxRows()).toHaveLength(3)
    const stored = await h.t.store.db.selectFrom('wa_messages').select('id').where('wamid', '=', wamid).execute()
    expect(stored).toHaveLength(1)
    expect(await contactsOf(h)).toHaveLength(1)
  })

  it('keeps the latest last_inbound_at when an older message arrives late', async () => {
    const h = await harness()
    const at = (seconds: number) => ({ from: '14155550126', id: `wamid.LATE${seconds}`, timestamp: String(seconds), type: 'text', text: { body: 'x' } })
    await h.post(asciiJson(h.envelope({ messages: [at(1760000500)] })))
    await h.post(asciiJson(h.envelope({ messages: [at(1760000400)] })))
    await h.inbox.processor.drain()
    expect((await contactByWaId(h, '14155550126')).last_inbound_at).toBe(new Date(1760000500 * 1000).toISOString())
  })

  it('announces each stored inbound message to listeners, with the reply context', async () => {
    const h = await harness()
    const seen: Array<{ wamid: string, contextWamid: string | null, contactCreated: boolean }> = []
    h.inbox.onInbound((event) => { seen.push({ wamid: event.wamid, contextWamid: event.contextWamid, contactCreated: event.contactCreated }) })
    const first = h.sandbox.inboundButton({ from: '+14155550127', payload: 'MORE', text: 'Tell me more', contextWamid: 'wamid.CAMPAIGN1' })
    await h.settle()
    const second = h.sandbox.inboundText({ from: '+14155550127', text: 'thanks' })
    await h.settle()
    expect(seen).toEqual([
      { wamid: first.wamid, contextWamid: 'wamid.CAMPAIGN1', contactCreated: true },
      { wamid: second.wamid, contextWamid: null, contactCreated: false },
    ])
  })
})

describe('marketing opt-out', () => {
  it.each([
    { description: 'Stop', text: 'Stop', optedOut: true },
    { description: 'PARAR', text: '  PARAR ', optedOut: true },
    { description: 'stop.', text: 'stop.', optedOut: true },
    { description: 'arrêt', text: 'Arrêt', optedOut: true },
    { description: 'a sentence with stop', text: 'please do not stop', optedOut: false },
  ])('by keyword ($description)', async ({ text, optedOut }) => {
    const h = await harness()
    h.sandbox.inboundText({ from: '+14155550130', text })
    await h.settle()
    const contact = await contactByWaId(h, '14155550130')
    if (optedOut) {
      expect(contact).toMatchObject({ marketing_status: 'opted_out', marketing_status_source: 'whatsapp_keyword' })
      expect(contact.marketing_status_at).not.toBeNull()
    } else {
      expect(contact.marketing_status).toBe('unknown')
    }
  })

  it('by a quick-reply opt-out payload', async () => {
    const h = await harness()
    h.sandbox.inboundButton({ from: '+14155550131', payload: 'OPT_OUT', text: 'No more offers', contextWamid: 'wamid.X' })
    await h.settle()
    expect(await contactByWaId(h, '14155550131')).toMatchObject({ marketing_status: 'opted_out', marketing_status_source: 'whatsapp_keyword' })
  })

  it('by user_preferences stop, then resume', async () => {
    const h = await harness()
    const { contacts } = h.t.app.services.crm
    const known = await contacts.create(h.workspaceId, { name: 'Known', phones: ['+14155550132'], marketing: { status: 'opted_in' } }, { source: 'api' })
    h.sandbox.userPreference({ waId: '14155550132', value: 'stop' })
    await h.settle()
    expect(await contacts.get(h.workspaceId, known.id)).toMatchObject({ marketing: { status: 'opted_out', source: 'whatsapp_user_preferences' }, whatsappId: '14155550132' })
    // Within the same second too: equal times apply in arrival order.
    h.sandbox.userPreference({ waId: '14155550132', value: 'resume' })
    await h.settle()
    expect(await contacts.get(h.workspaceId, known.id)).toMatchObject({ marketing: { status: 'opted_in', source: 'whatsapp_user_preferences' } })
  })

  it('lets the user\'s stop beat a newer opt-in by the team, but not a team opt-out be undone by an older resume', async () => {
    const h = await harness()
    const { contacts } = h.t.app.services.crm
    const preference = (waId: string, value: string, timestamp: number) => h.envelope({ user_preferences: [{ wa_id: waId, category: 'marketing_messages', value, detail: 'x', timestamp }] }, 'user_preferences')
    const optedIn = await contacts.create(h.workspaceId, { name: 'In', phones: ['+14155550134'], marketing: { status: 'opted_in' } }, { source: 'api' })
    const optedOut = await contacts.create(h.workspaceId, { name: 'Out', phones: ['+14155550135'], marketing: { status: 'opted_out' } }, { source: 'api' })
    const anHourAgo = Math.floor(Date.now() / 1000) - 3600
    await h.post(asciiJson(preference('14155550134', 'stop', anHourAgo)))
    await h.post(asciiJson(preference('14155550135', 'resume', anHourAgo)))
    await h.inbox.processor.drain()
    expect((await contacts.get(h.workspaceId, optedIn.id))?.marketing).toMatchObject({ status: 'opted_out', source: 'whatsapp_user_preferences' })
    expect((await contacts.get(h.workspaceId, optedOut.id))?.marketing).toMatchObject({ status: 'opted_out', source: 'api' })
  })

  it('does not let a late stop undo a newer resume', async () => {
    const h = await harness()
    const preference = (value: string, timestamp: number) => h.envelope({ user_preferences: [{ wa_id: '14155550133', category: 'marketing_messages', value, detail: 'x', timestamp }] }, 'user_preferences')
    await h.post(asciiJson(preference('resume', 1760000600)))
    await h.post(asciiJson(preference('stop', 1760000500)))
    await h.inbox.processor.drain()
    expect(await contactByWaId(h, '14155550133')).toMatchObject({ marketing_status: 'opted_in', marketing_status_at: new Date(1760000600 * 1000).toISOString() })
  })
})

describe('template status updates', () => {
  it('updates the stored template\'s status and skips a template not synced yet', async () => {
    const h = await harness()
    const templates = await h.client.listAllTemplates(h.sandbox.wabaId)
    const hello = templates.find((t) => t.name === 'hello_world' && t.language === 'en_US')!
    await h.t.store.db.insertInto('whatsapp_templates').values({
      workspace_id: h.workspaceId, template_id: hello.id, name: hello.name, language: hello.language, status: 'APPROVED',
      category: 'UTILITY', parameter_format: 'POSITIONAL', components: '[]', updated_at: new Date().toISOString(),
    }).execute()
    h.sandbox.templateStatus({ name: 'hello_world', language: 'en_US', event: 'PAUSED' })
    h.sandbox.templateStatus({ name: 'appointment_reminder', event: 'REJECTED' })
    await h.settle()
    const rows = await h.t.store.db.selectFrom('whatsapp_templates').select(['name', 'status']).where('workspace_id', '=', h.workspaceId).execute()
    expect(rows).toEqual([{ name: 'hello_world', status: 'PAUSED' }])
    expect((await h.inboxRows()).every((r) => r.processed_at !== null)).toBe(true)

    h.sandbox.templateStatus({ name: 'hello_world', language: 'en_US', event: 'REINSTATED' })
    await h.settle()
    expect((await h.t.store.db.selectFrom('whatsapp_templates').select('status').executeTakeFirstOrThrow()).status).toBe('APPROVED')
  })
})

describe('robustness', () => {
  it('holds back a poison row with its attempts and error kind while the rows around it are processed, and gives up after the cap', async () => {
    const h = await harness()
    h.inbox.onStatus((event) => {
      if (event.wamid === 'wamid.POISON') throw new TypeError('listener bug')
    })
    const status = (id: string) => h.envelope({ statuses: [{ id, status: 'sent', timestamp: '1760000700', recipient_id: '16505551500' }] })
    for (const id of ['wamid.GOOD1', 'wamid.POISON', 'wamid.GOOD2']) expect((await h.post(asciiJson(status(id)))).status).toBe(200)
    const processor = h.inbox.createProcessor({ maxAttempts: 3 })
    await processor.drain()
    const rows = await h.inboxRows()
    expect(rows.map((r) => [r.processed_at !== null, r.attempts, r.last_error])).toEqual([[true, 0, null], [false, 3, 'TypeError'], [true, 0, null]])
    const recorded = await h.t.store.db.selectFrom('wa_status_events').select('wamid').orderBy('wamid').execute()
    expect(recorded.map((r) => r.wamid)).toEqual(['wamid.GOOD1', 'wamid.GOOD2'])
    expect(await h.inbox.backlog(3)).toEqual({ pending: 0, retrying: 0, gaveUp: 1 })

    // Later rows are not blocked by it.
    await h.post(asciiJson(status('wamid.GOOD3')))
    await processor.drain()
    expect((await h.inboxRows()).filter((r) => r.processed_at === null)).toHaveLength(1)
  })

  it('skips what is malformed inside a signed envelope and applies the rest', async () => {
    const h = await harness()
    const bodies = [
      'not json at all',
      asciiJson({ object: 'page', entry: [] }),
      asciiJson(h.envelope({
        statuses: [{ status: 'sent' }, 'nonsense', { id: 'wamid.OK1', status: 'sent', timestamp: 'yesterday', recipient_id: '1' }, { id: 'wamid.OK2', status: 'delivered', timestamp: '1760000800', recipient_id: '16505551501' }],
        messages: [{ from: '+not-digits', id: 'wamid.BAD', timestamp: '1760000800', type: 'text', text: { body: 'secret' } }, { from: '14155550999', id: 'wamid.BAD2', type: 'text', text: { body: 'secret' } }],
      })),
      asciiJson({ object: 'whatsapp_business_account', entry: [{ id: '999', changes: [{ field: 'messages', value: { metadata: { phone_number_id: '999999' }, statuses: [{ id: 'wamid.ELSEWHERE', status: 'sent', timestamp: '1760000800', recipient_id: '1' }], messages: [{ from: '14155550999', id: 'wamid.ELSEWHERE2', timestamp: '1760000800', type: 'text', text: { body: 'secret words' } }] } }] }] }),
    ]
    for (const body of bodies) expect((await h.post(body)).status).toBe(200)
    const logged: string[] = []
    const capture = (details: object, message: string): void => { logged.push(JSON.stringify({ ...details, message })) }
    await h.inbox.createProcessor({ logger: { debug: capture, info: capture, warn: capture, error: capture } }).drain()
    // Ids, positions and reasons only: no text and no sender's number.
    expect(logged.length).toBeGreaterThanOrEqual(6)
    for (const line of logged) expect(line).not.toMatch(/secret|14155550999|16505551501/)
    expect(logged.join('\n')).toContain('unknown number')
    expect((await h.inboxRows()).map((r) => [r.processed_at !== null, r.attempts])).toEqual(bodies.map(() => [true, 0]))
    const recorded = await h.t.store.db.selectFrom('wa_status_events').select('wamid').execute()
    expect(recorded).toEqual([{ wamid: 'wamid.OK2' }])
    expect(await contactsOf(h)).toEqual([])
  })

  it('processes rows stored while no processor ran, once one starts again (a crash between storing and processing)', async () => {
    const h = await harness({ webhooks: { readRate: 1 } })
    const first = h.inbox.createProcessor({ pollIntervalMs: 60_000 })
    first.start()
    await first.stop()
    const sent = await sendTemplate(h, '+16505551600')
    h.sandbox.inboundText({ from: '+14155550140', text: 'are you there?' })
    await h.sandbox.whenWebhooksIdle()
    expect((await h.inbox.backlog()).pending).toBe(4)

    const restarted = h.inbox.createProcessor({ pollIntervalMs: 60_000 })
    restarted.start()
    try {
      await waitUntil(async () => (await h.inbox.backlog()).pending === 0)
    } finally {
      await restarted.stop()
    }
    expect((await h.t.app.services.whatsapp.messages.get(h.workspaceId, sent.id))?.status).toBe('read')
    expect((await contactByWaId(h, '14155550140')).last_inbound_at).not.toBeNull()
  })

  it('deletes processed rows after the retention period, keeping recent and unprocessed ones', async () => {
    const h = await harness()
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString()
    await h.t.store.db.insertInto('webhook_inbox').values([
      { received_at: daysAgo(30), body: '{}', processed_at: daysAgo(30), attempts: 0, last_error: null },
      { received_at: daysAgo(8), body: '{}', processed_at: daysAgo(8), attempts: 0, last_error: null },
      { received_at: daysAgo(1), body: '{}', processed_at: daysAgo(1), attempts: 0, last_error: null },
      { received_at: daysAgo(30), body: '{}', processed_at: null, attempts: 10, last_error: 'TypeError' },
    ]).execute()
    const processor = h.inbox.createProcessor({ pollIntervalMs: 20, retentionDays: 7 })
    processor.start()
    try {
      await waitUntil(async () => (await h.inboxRows()).length === 2)
    } finally {
      await processor.stop()
    }
    expect((await h.inboxRows()).map((r) => r.attempts)).toEqual([0, 10])
  })

  it('stops the worker when the app closes, so the store can be closed after it', async () => {
    const h = await harness()
    h.inbox.processor.start()
    expect(h.inbox.processor.running).toBe(true)
    await h.t.app.close()
    expect(h.inbox.processor.running).toBe(false)
  })

  it('wakes up as soon as the receiver stores a row, without waiting for its poll', async () => {
    const h = await harness()
    const processor = h.inbox.createProcessor({ pollIntervalMs: 60_000 })
    processor.start({ logger: h.t.app.log })
    try {
      // Let the start-up pass finish, so only a wake-up from the receiver can process the next row.
      await new Promise((resolve) => setTimeout(resolve, 50))
      const startedAt = Date.now()
      h.sandbox.inboundText({ from: '+14155550141', text: 'quick' })
      await waitUntil(async () => (await h.inbox.backlog()).pending === 0 && (await h.inboxRows()).length === 1, 2000)
      expect(Date.now() - startedAt).toBeLessThan(2000)
      expect((await contactsOf(h))).toHaveLength(1)
    } finally {
      await processor.stop()
    }
  })
})
