import { describe, expect, it } from 'vitest'
import { buildTestApp, createWorkspace } from '../../test/helper.js'
import { createRetention } from '../privacy/retention.js'
import { api, manualClock, registerEndpoint, startReceiver, whatsappEnvelope } from './webhook-test-helpers.js'

const DAY = 86_400_000

describe('outbound webhook events: retention and erasure', () => {
  it('deletes settled events after their period (message texts after the message bodies\' period), never one still waiting to go', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    let up = true
    const receiver = await startReceiver(() => up ? 204 : 500)
    await registerEndpoint(t, ws, `${receiver.url}/in`, ['contact.created', 'contact.updated'])
    const delivered = await api(t, ws.token, 'POST', '/contacts', { name: 'Delivered' })
    await t.app.services.events.createWorker({ now: manualClock().now }).drain()
    up = false
    await api(t, ws.token, 'POST', '/contacts', { name: 'Still waiting' })
    await t.app.services.events.createWorker({ now: manualClock().now }).drain()
    const counts = async () => (await t.store.db.selectFrom('webhook_events').select('body').execute()).map((e) => JSON.parse(e.body).data.contact.name).sort()
    expect(await counts()).toEqual(['Delivered', 'Still waiting'])

    const sweepAt = (days: number) => createRetention({ db: t.store.db, audit: t.app.services.audit, now: () => new Date(Date.now() + days * DAY) }).sweep()
    await sweepAt(29)
    expect(await counts()).toEqual(['Delivered', 'Still waiting'])
    const report = await sweepAt(31)
    expect(report.workspaces[ws.workspaceId]).toMatchObject({ outbound_webhooks: 1 })
    // The waiting one stays (its retries would otherwise find nothing to send); its log stays with it.
    expect(await counts()).toEqual(['Still waiting'])
    expect(await t.store.db.selectFrom('webhook_deliveries').selectAll().execute()).toHaveLength(1)
    expect(await t.store.db.selectFrom('webhook_attempts').selectAll().execute()).toHaveLength(1)
    expect(delivered.status).toBe(201)
  })

  it('an admin\'s shorter message period takes inbound message texts out of the event log too', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const ws = await createWorkspace(t)
    const { whatsapp } = t.app.services
    await whatsapp.connection.connectSandbox(ws.workspaceId, { userId: ws.ownerId })
    const [number] = await whatsapp.connections.listNumbers(ws.workspaceId)
    const { waba_id: wabaId } = await t.store.db.selectFrom('whatsapp_connections').select('waba_id').executeTakeFirstOrThrow()
    const receiver = await startReceiver()
    await registerEndpoint(t, ws, `${receiver.url}/in`, ['message.received', 'contact.created'])
    await whatsapp.webhooks.append(whatsappEnvelope({ phoneNumberId: number!.id, wabaId: wabaId! }, {
      contacts: [{ profile: { name: 'Ada' }, wa_id: '442079460958' }],
      messages: [{ from: '442079460958', id: 'wamid.r1', timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: 'private words' } }],
    }))
    await whatsapp.webhooks.processor.drain()
    await t.app.services.events.createWorker({ now: manualClock().now }).drain()
    expect((await api(t, ws.token, 'PATCH', '/privacy/retention/whatsapp_message_bodies', { days: 2 })).status).toBe(200)
    await createRetention({ db: t.store.db, audit: t.app.services.audit, now: () => new Date(Date.now() + 3 * DAY) }).sweep()
    const left = await t.store.db.selectFrom('webhook_events').select(['type', 'body']).execute()
    expect(left.map((e) => e.type)).toEqual(['contact.created'])
    expect(JSON.stringify(left)).not.toContain('private words')
  })

  it('erasing a contact deletes the events about them, and their deliveries', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    await registerEndpoint(t, ws, 'https://hooks.acme.example/in', ['contact.created', 'contact.updated'])
    const ada = await api(t, ws.token, 'POST', '/contacts', { name: 'Ada Erased', emails: ['ada@erased.example'] })
    await api(t, ws.token, 'PATCH', `/contacts/${ada.body.id}`, { tags: ['vip'] })
    const grace = await api(t, ws.token, 'POST', '/contacts', { name: 'Grace Kept' })
    const erased = await api(t, ws.token, 'POST', `/privacy/erasure/contacts/${ada.body.id}`)
    expect(erased.status, JSON.stringify(erased.body)).toBe(200)
    const left = await t.store.db.selectFrom('webhook_events').select('body').execute()
    expect(left).toHaveLength(1)
    expect(left[0]!.body).toContain(grace.body.id)
    const all = JSON.stringify([left, await t.store.db.selectFrom('webhook_deliveries').selectAll().execute()])
    expect(all).not.toContain('Ada Erased')
    expect(all).not.toContain('ada@erased.example')
    expect(await t.store.db.selectFrom('webhook_deliveries').selectAll().execute()).toHaveLength(1)
  })

  it('deleting the workspace leaves none of its endpoints, events, deliveries or attempts', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const receiver = await startReceiver(() => 500)
    await registerEndpoint(t, ws, `${receiver.url}/in`)
    await api(t, ws.token, 'POST', '/contacts', { name: 'Ada' })
    await t.app.services.events.createWorker({ now: manualClock().now }).drain()
    expect(await t.store.db.selectFrom('webhook_attempts').selectAll().execute()).toHaveLength(1)
    const deleted = await api(t, ws.token, 'POST', '/privacy/erasure/workspace', { confirm: 'delete everything' })
    expect(deleted.status, JSON.stringify(deleted.body)).toBeLessThan(300)
    for (const table of ['webhook_endpoints', 'webhook_events', 'webhook_deliveries', 'webhook_attempts'] as const) {
      expect(await t.store.db.selectFrom(table).selectAll().execute(), table).toEqual([])
    }
  })
})
