import { describe, expect, it } from 'vitest'
import pg from 'pg'
import { buildTestApp, createWorkspace, type TestApp, type TestWorkspace } from '../../test/helper.js'
import { TEST_DATABASE_URL } from '../../test/postgres.js'
import { migrateToLatest, openStore } from '../store/database.js'
import { createServices } from '../services.js'
import { api, manualClock, registerEndpoint, startReceiver, verifyStandardWebhook, type Answer, type Received } from './webhook-test-helpers.js'
import { GIVE_UP_AFTER_MS, RETRY_DELAYS_MS } from './retry-schedule.js'
import type { DeliveryWorkerOptions } from './delivery-worker.js'

/**
 * Outbound webhook deliveries end to end on the real store: the API changes a contact,
 * the event is queued in that change's transaction, a delivery worker sends it over real
 * HTTP to a receiver on 127.0.0.1 (tests run with private addresses allowed, as sandbox
 * mode does), and the store and the receiver are checked.
 */

const HALF = (): number => 0.5

async function setUp (answer?: (request: Received, index: number) => Answer | Promise<Answer>, eventTypes?: string[]) {
  const t = await buildTestApp()
  const ws = await createWorkspace(t)
  const receiver = await startReceiver(answer)
  const { endpoint, secret } = await registerEndpoint(t, ws, `${receiver.url}/hooks/switchboard?token=abc`, eventTypes)
  const clock = manualClock()
  const worker = (options: DeliveryWorkerOptions = {}) => t.app.services.events.createWorker({ now: clock.now, random: HALF, ...options })
  return { t, ws, receiver, endpoint, secret, clock, worker }
}

async function contact (t: TestApp, ws: TestWorkspace, name: string): Promise<string> {
  const created = await api(t, ws.token, 'POST', '/contacts', { name, emails: [`${name.toLowerCase().replace(/\W/g, '')}@acme.example`] })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  return created.body.id as string
}

async function deliveriesOf (t: TestApp) {
  return t.store.db.selectFrom('webhook_deliveries').selectAll().orderBy('seq').execute()
}

describe('outbound webhook deliveries', () => {
  it('signs each delivery over the raw body and its timestamp, so a receiver can verify it and refuse replays and forgeries', async () => {
    const { t, ws, receiver, secret, worker } = await setUp()
    const contactId = await contact(t, ws, 'Ada Lovelace')
    expect(await worker().drain()).toBe(1)

    expect(receiver.requests).toHaveLength(1)
    const [request] = receiver.requests
    expect(request!.headers['content-type']).toBe('application/json')
    expect(verifyStandardWebhook(secret, request!.headers, request!.body)).toBe(true)
    const event = JSON.parse(request!.body)
    expect(event).toMatchObject({ type: 'contact.created', workspaceId: ws.workspaceId, data: { contact: { id: contactId, name: 'Ada Lovelace', emails: ['adalovelace@acme.example'] } } })
    expect(request!.headers['webhook-id']).toBe(event.id)
    expect(Math.abs(Number(request!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(120)
    // What a receiver must refuse: a changed body, another secret, and the same delivery replayed an hour later.
    expect(verifyStandardWebhook(secret, request!.headers, request!.body.replace('Ada', 'Eve'))).toBe(false)
    expect(verifyStandardWebhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, request!.headers, request!.body)).toBe(false)
    expect(verifyStandardWebhook(secret, request!.headers, request!.body, Date.now() / 1000 + 3600)).toBe(false)
    // The signing secret is sealed at rest.
    const stored = await t.store.db.selectFrom('webhook_endpoints').select('secret').executeTakeFirstOrThrow()
    expect(stored.secret).not.toContain(secret.slice(6))
    expect(stored.secret).toMatch(/^v1:/)
  })

  it('queues the event in the change\'s own transaction: a refused change queues nothing, and an answered one is queued before any worker runs', async () => {
    const { t, ws, receiver, worker } = await setUp()
    const other = await createWorkspace(t, 'Bravo')
    await contact(t, other, 'Not Ours') // no endpoint in Bravo: nothing queued for it
    const id = await contact(t, ws, 'Grace Hopper')
    const duplicate = await api(t, ws.token, 'POST', '/contacts', { name: 'Grace Again', emails: ['gracehopper@acme.example'] })
    expect(duplicate.status).toBe(409)
    const badUpdate = await api(t, ws.token, 'PATCH', `/contacts/${id}`, { name: 'Grace', companyId: 'co_01jzzzzzzzzzzzzzzzzzzzzzzz' })
    expect(badUpdate.status).toBe(404)
    const noChange = await api(t, ws.token, 'PATCH', `/contacts/${id}`, { name: 'Grace Hopper' })
    expect(noChange.status).toBe(200)
    const events = await t.store.db.selectFrom('webhook_events').select(['type', 'workspace_id']).execute()
    expect(events).toEqual([{ type: 'contact.created', workspace_id: ws.workspaceId }])
    expect(receiver.requests).toHaveLength(0)
    await worker().drain()
    expect(receiver.events().map((e) => e.data.contact.id)).toEqual([id])
  })

  it('retries failures with growing waits, honours Retry-After, and gives up 24 hours after the event', async () => {
    const { t, ws, receiver, clock, worker } = await setUp((_request, index) => index === 1 ? { status: 503, headers: { 'retry-after': '3600' } } : 500)
    await contact(t, ws, 'Ada')
    const queuedAt = Date.parse((await deliveriesOf(t))[0]!.created_at)
    clock.set(queuedAt)
    const w = worker()
    const waits: number[] = []
    for (let i = 0; i < 40; i++) {
      await w.drain()
      const [delivery] = await deliveriesOf(t)
      if (delivery!.status !== 'pending') break
      const next = Date.parse(delivery!.next_attempt_at)
      waits.push(next - clock.now())
      // Not due yet: nothing goes out until the clock reaches it.
      expect(await w.runOnce()).toBe(0)
      clock.set(next)
    }
    const [delivery] = await deliveriesOf(t)
    expect(delivery).toMatchObject({ status: 'failed', last_status_code: 500 })
    expect(delivery!.last_error).toContain('gave up 24 hours after the event')
    // The schedule's steps (jitter fixed at the middle), Retry-After winning the second wait, the last try at the 24-hour mark.
    expect(waits[0]).toBe(RETRY_DELAYS_MS[0])
    expect(waits[1]).toBe(3_600_000)
    expect(waits.slice(2, 6)).toEqual(RETRY_DELAYS_MS.slice(2, 6))
    const attempts = receiver.requests.length
    expect(attempts).toBe(waits.length + 1)
    expect(clock.now() - queuedAt).toBe(GIVE_UP_AFTER_MS)
    expect(attempts).toBeGreaterThanOrEqual(10)
    // Every attempt is in the log, and every one carried the same event id.
    const detail = await api(t, ws.token, 'GET', `/webhook-deliveries/${delivery!.id}`)
    expect(detail.body.attemptLog).toHaveLength(attempts)
    expect(detail.body.attemptLog[1]).toMatchObject({ attempt: 2, statusCode: 503, error: 'HTTP 503' })
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size).toBe(1)
  })

  it('delivers each contact\'s events in order, holding the rest of its queue behind a failing one while other contacts go ahead', async () => {
    let adaFails = true
    const { t, ws, receiver, clock, worker } = await setUp((request) => {
      const event = JSON.parse(request.body)
      return event.data.contact.name.startsWith('Ada') && adaFails ? 500 : 204
    })
    const ada = await contact(t, ws, 'Ada')
    const grace = await contact(t, ws, 'Grace')
    for (const name of ['Ada 2', 'Ada 3']) expect((await api(t, ws.token, 'PATCH', `/contacts/${ada}`, { name })).status).toBe(200)
    expect((await api(t, ws.token, 'PATCH', `/contacts/${grace}`, { tags: ['vip'] })).status).toBe(200)
    const w = worker()
    await w.drain()
    // Different contacts' events go out side by side, so only each contact's own order is fixed.
    const seenBy = (id: string): string[] => receiver.events().filter((e) => e.data.contact.id === id).map((e) => `${e.type} ${e.data.contact.name}`)
    // Ada's first event failed, so her later ones wait; Grace's both went.
    expect(seenBy(ada)).toEqual(['contact.created Ada'])
    expect(seenBy(grace)).toEqual(['contact.created Grace', 'contact.updated Grace'])
    adaFails = false
    clock.advance(RETRY_DELAYS_MS[0]!)
    await w.drain()
    expect(seenBy(ada)).toEqual(['contact.created Ada', 'contact.created Ada', 'contact.updated Ada 2', 'contact.updated Ada 3'])
    expect(receiver.events().filter((e) => e.data.contact.id === ada).map((e) => e.data.changed ?? null)).toEqual([null, null, ['name'], ['name']])
  })

  it('a slow receiver holds only its own slots: another endpoint\'s deliveries go on meanwhile', async () => {
    // The slow receiver answers only once the fast one has had all three deliveries (or after 20 s, which fails the test):
    // no fixed delay, so a loaded machine cannot make it flaky, and a worker whose slots the slow receiver held would never
    // reach the fast one until the timeout.
    let fastDone!: () => void
    const fastAllArrived = new Promise<void>((resolve) => { fastDone = resolve })
    const gate = Promise.race([fastAllArrived, new Promise<void>((resolve) => setTimeout(resolve, 20_000).unref())])
    const { t, ws, receiver: slow, worker } = await setUp(async () => { await gate; return 204 })
    const fast = await startReceiver((_request, index) => { if (index === 2) fastDone(); return 204 })
    await registerEndpoint(t, ws, `${fast.url}/in`)
    for (const name of ['Ada', 'Grace', 'Edsger']) await contact(t, ws, name)
    await worker({ maxInFlight: 4 }).drain()
    expect(fast.requests).toHaveLength(3)
    expect(slow.requests).toHaveLength(3)
    // Every fast delivery went out before the slow receiver had answered its first.
    const firstSlowAnswer = Math.min(...slow.requests.map((r) => r.answeredAt!))
    expect(Math.max(...fast.requests.map((r) => r.at))).toBeLessThanOrEqual(firstSlowAnswer)
  }, 60_000)

  it('several workers on separate connections never send one delivery twice, and keep each contact\'s order', async () => {
    const { t, ws, receiver } = await setUp(() => ({ status: 204, delayMs: 15 }))
    const ids: string[] = []
    for (let i = 0; i < 6; i++) ids.push(await contact(t, ws, `Person ${i}`))
    for (const id of ids) for (const tag of ['a', 'b']) await api(t, ws.token, 'PATCH', `/contacts/${id}`, { tags: [tag] })
    // Three more processes' worth: each its own store connection (pool) and services, as `npm run worker` would have.
    const others = await Promise.all([0, 1, 2].map(async () => {
      const store = openStore(t.config)
      await migrateToLatest(store)
      return { store, services: createServices(store, t.config) }
    }))
    try {
      const workers = [t.app.services.events.createWorker({ maxInFlight: 4 }), ...others.map((o) => o.services.events.createWorker({ maxInFlight: 4 }))]
      await Promise.all(workers.map((w) => w.drain()))
      // drain() stops when nothing is due now; a queue whose head another worker still held is done by a last pass.
      await workers[0]!.drain()
    } finally {
      await Promise.all(others.map((o) => o.store.close()))
    }
    const eventIds = receiver.requests.map((r) => r.headers['webhook-id'])
    expect(eventIds).toHaveLength(18)
    expect(new Set(eventIds).size).toBe(18)
    for (const id of ids) {
      const mine = receiver.requests.filter((r) => JSON.parse(r.body).data.contact.id === id)
      expect(mine.map((r) => JSON.parse(r.body).data.contact.tags.join('')), id).toEqual(['', 'a', 'b'])
      // One at a time: the next event of a contact left only after the receiver had answered the one before.
      for (let k = 1; k < mine.length; k++) expect(mine[k]!.at, id).toBeGreaterThanOrEqual(mine[k - 1]!.answeredAt!)
    }
    expect((await deliveriesOf(t)).every((d) => d.status === 'delivered')).toBe(true)
  })

  it('a claim takes no more deliveries than it asks for', async () => {
    const { t, ws, clock } = await setUp()
    for (let i = 0; i < 5; i++) await contact(t, ws, `Person ${i}`)
    const now = new Date(clock.now()).toISOString()
    const held = await t.app.services.events.deliveries.claim({ workerId: 'w1', limit: 2, now, leaseUntil: new Date(clock.now() + 40_000).toISOString() })
    expect(held).toHaveLength(2)
    expect((await deliveriesOf(t)).map((d) => d.status)).toEqual(['delivering', 'delivering', 'pending', 'pending', 'pending'])
  })

  it.runIf(TEST_DATABASE_URL !== undefined)('on PostgreSQL a claim skips a delivery another process has locked instead of waiting for it', async () => {
    const { t, ws, clock } = await setUp()
    await contact(t, ws, 'Ada')
    await contact(t, ws, 'Grace')
    const [first, second] = await deliveriesOf(t)
    // Another process is in the middle of claiming Ada's delivery: its row is locked.
    const other = new pg.Client({ connectionString: t.config.databaseUrl })
    await other.connect()
    try {
      await other.query('begin')
      await other.query('select seq from webhook_deliveries where seq = $1 for update', [first!.seq])
      const now = new Date(clock.now()).toISOString()
      const claim = t.app.services.events.deliveries.claim({ workerId: 'w2', limit: 10, now, leaseUntil: new Date(clock.now() + 40_000).toISOString() })
      const answer = await Promise.race([claim, new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 3000))])
      expect(answer, 'the claim waited for the other lock').not.toBe('waited')
      expect((answer as Array<{ seq: number }>).map((d) => d.seq)).toEqual([second!.seq])
    } finally {
      await other.query('rollback')
      await other.end()
    }
  })

  it('sends a delivery again when the worker holding it stopped before the answer (at least once, never lost)', async () => {
    const { t, ws, receiver, clock, worker } = await setUp()
    await contact(t, ws, 'Ada')
    const { deliveries } = t.app.services.events
    // A worker claims it and dies before sending.
    const now = new Date(clock.now()).toISOString()
    const held = await deliveries.claim({ workerId: 'dead-worker', limit: 10, now, leaseUntil: new Date(clock.now() + 40_000).toISOString() })
    expect(held).toHaveLength(1)
    const w = worker()
    expect(await w.drain()).toBe(0)
    clock.advance(41_000)
    expect(await w.drain()).toBe(1)
    expect(receiver.requests).toHaveLength(1)
    const [delivery] = await deliveriesOf(t)
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 2 })
  })

  it('disables an endpoint that answers 410 Gone, keeps later deliveries waiting, and resumes them when an admin turns it back on', async () => {
    let gone = true
    const { t, ws, receiver, endpoint, worker } = await setUp(() => gone ? 410 : 204)
    await contact(t, ws, 'Ada')
    await contact(t, ws, 'Grace')
    const w = worker({ maxInFlight: 1 })
    await w.drain()
    const after = (await api(t, ws.token, 'GET', `/webhook-endpoints/${endpoint.id}`)).body
    expect(after).toMatchObject({ status: 'disabled', disabledReason: expect.stringContaining('410 Gone') })
    expect(receiver.requests).toHaveLength(1)
    expect((await deliveriesOf(t)).map((d) => d.status)).toEqual(['failed', 'pending'])
    const audit = await t.app.services.audit.list(ws.workspaceId, { limit: 5, action: 'webhook.endpoint_disabled' })
    expect(audit).toHaveLength(1)
    gone = false
    expect((await api(t, ws.token, 'PATCH', `/webhook-endpoints/${endpoint.id}`, { status: 'active' })).body).toMatchObject({ status: 'active', disabledReason: null })
    await w.drain()
    expect(receiver.events().map((e) => e.data.contact.name)).toEqual(['Ada', 'Grace'])
  })

  it('redelivers a delivery waiting for its retry at once, as the same delivery', async () => {
    let up = false
    const { t, ws, receiver, worker } = await setUp(() => up ? 204 : 500)
    await contact(t, ws, 'Ada')
    await worker().drain()
    const [waiting] = (await api(t, ws.token, 'GET', '/webhook-deliveries')).body.items
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1 })
    up = true
    // The worker's clock has not moved: only the redelivery makes it due.
    expect(await worker().drain()).toBe(0)
    const now = await api(t, ws.token, 'POST', `/webhook-deliveries/${waiting.id}/redeliver`)
    expect(now.status).toBe(200)
    expect(now.body).toMatchObject({ id: waiting.id, status: 'pending' })
    expect(await worker().drain()).toBe(1)
    expect(receiver.requests).toHaveLength(2)
    expect((await api(t, ws.token, 'GET', '/webhook-deliveries')).body.items).toMatchObject([{ id: waiting.id, status: 'delivered', attempts: 2 }])
  })

  it('redelivers by hand as a new delivery of the same event, keeping the original\'s history', async () => {
    const { t, ws, receiver, worker } = await setUp()
    await contact(t, ws, 'Ada')
    await worker().drain()
    const log = await api(t, ws.token, 'GET', '/webhook-deliveries')
    expect(log.body.items).toHaveLength(1)
    const original = log.body.items[0]
    expect(original).toMatchObject({ status: 'delivered', attempts: 1, eventType: 'contact.created', lastStatusCode: 204, nextAttemptAt: null })
    const again = await api(t, ws.token, 'POST', `/webhook-deliveries/${original.id}/redeliver`)
    expect(again.status).toBe(201)
    expect(again.body).toMatchObject({ status: 'pending', attempts: 0, redeliveryOf: original.id, eventId: original.eventId })
    await worker().drain()
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([original.eventId, original.eventId])
    expect(receiver.requests[1]!.body).toBe(receiver.requests[0]!.body)
    const both = (await api(t, ws.token, 'GET', '/webhook-deliveries')).body.items
    expect(both.map((d: { id: string, status: string }) => [d.id, d.status])).toEqual([[again.body.id, 'delivered'], [original.id, 'delivered']])
    expect((await t.app.services.audit.list(ws.workspaceId, { limit: 5, action: 'webhook.redelivered' }))[0]).toMatchObject({ actorUserId: ws.ownerId, targetId: again.body.id })
  })

  it('signs with both secrets for a day after a rotation, then with the new one only', async () => {
    const { t, ws, receiver, endpoint, secret: oldSecret, clock, worker } = await setUp()
    const rotated = await api(t, ws.token, 'POST', `/webhook-endpoints/${endpoint.id}/rotate-secret`)
    expect(rotated.status).toBe(200)
    const newSecret = rotated.body.secret as string
    expect(newSecret).toMatch(/^whsec_/)
    expect(newSecret).not.toBe(oldSecret)
    await contact(t, ws, 'Ada')
    await worker().drain()
    const first = receiver.requests[0]!
    expect(String(first.headers['webhook-signature']).split(' ')).toHaveLength(2)
    expect(verifyStandardWebhook(newSecret, first.headers, first.body)).toBe(true)
    expect(verifyStandardWebhook(oldSecret, first.headers, first.body)).toBe(true)
    clock.advance(24 * 3_600_000 + 1000)
    await contact(t, ws, 'Grace')
    await worker().drain()
    const second = receiver.requests[1]!
    expect(String(second.headers['webhook-signature']).split(' ')).toHaveLength(1)
    expect(verifyStandardWebhook(newSecret, second.headers, second.body, clock.now() / 1000)).toBe(true)
    expect(verifyStandardWebhook(oldSecret, second.headers, second.body, clock.now() / 1000)).toBe(false)
  })
})
