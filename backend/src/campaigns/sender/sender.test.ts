import pg from 'pg'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { jobLockKey } from '../../store/exclusive-job.js'
import { TEST_DATABASE_URL } from '../../../test/postgres.js'
import { createCloudApiClient } from '../../whatsapp/cloud-api/client.js'
import { createOutboxRepository } from './outbox-repository.js'
import { maxInWindow } from './rate-limits.js'
import { REASONS } from './sender.js'
import { phoneOf, senderHarness } from './sender-test-helpers.js'

const waId = (i: number): string => phoneOf(i).slice(1)

describe('campaign sender', () => {
  it('sends every recipient once, records wamids and thread messages, completes, and webhooks move the counters', async () => {
    const h = await senderHarness()
    await h.limits({ perSecond: 1000, tier: 'TIER_UNLIMITED' })
    const campaign = await h.campaign(40, { template: { name: 'order_update', language: 'en_US' }, variables: (i) => ({ 'header.media': 'https://cdn.example/p.jpg', 1: `Person ${i}`, 2: `#${i}`, 3: 'Friday', 'button0.1': `t${i}` }) })
    const sender = h.sender()
    await sender.drain()

    const done = await h.get(campaign.id)
    expect(done.state).toBe('completed')
    expect(done.counts).toMatchObject({ total: 40, sent: 40, pending: 0, sending: 0 })
    const inspection = h.sandbox.inspect()
    expect(inspection.acceptedTotal).toBe(40)
    expect(inspection.maxPerRecipient).toBe(1)
    const recipients = await h.recipients(campaign.id)
    for (const r of recipients) {
      expect(r.wamid).toMatch(/^wamid\./)
      const message = h.sandbox.message(r.wamid!)!
      // The recipient id rides along, so a webhook can find the row even if the answer was lost.
      expect(message.bizOpaqueCallbackData).toBe(r.id)
      expect(message.templateName).toBe('order_update')
    }
    const thread = await h.t.store.db.selectFrom('wa_messages').selectAll().where('source', '=', 'campaign').execute()
    expect(thread).toHaveLength(40)
    expect(thread.every((m) => m.wamid !== null && m.status === 'accepted' && m.body!.includes('your order #'))).toBe(true)

    await h.settle()
    const tracked = await h.get(campaign.id)
    expect(tracked.counts.sent + tracked.counts.delivered + tracked.counts.read).toBe(40)
    expect(tracked.counts.sent).toBe(0)
    expect(tracked.counts.read).toBeGreaterThan(0)
    const after = await h.recipients(campaign.id)
    expect(after.every((r) => r.deliveredAt !== null || r.readAt !== null)).toBe(true)
    await h.expectCountersExact(campaign.id)

    // The change feed returns every row with its final status.
    const feed = await h.api('GET', `/campaigns/${campaign.id}/changes?limit=1000`)
    expect(feed.body.items).toHaveLength(40)
    expect(feed.body.items.every((r: { status: string }) => r.status === 'delivered' || r.status === 'read')).toBe(true)
  })

  it('claims disjoint batches when two workers share the store', async () => {
    const h = await senderHarness({ latency: { minMs: 5, maxMs: 20 } })
    await h.limits({ perSecond: 1000, tier: 'TIER_UNLIMITED' })
    const campaign = await h.campaign(600)
    const a = h.sender({ claimBatch: 7 }, 'worker-a')
    const b = h.sender({ claimBatch: 7 }, 'worker-b')
    a.start()
    b.start()
    const deadline = Date.now() + 20_000
    while ((await h.get(campaign.id)).state !== 'completed' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    await Promise.all([a.stop(), b.stop()])
    expect((await h.get(campaign.id)).counts).toMatchObject({ sent: 600 })
    expect(a.stats().claimed).toBeGreaterThan(0)
    expect(b.stats().claimed).toBeGreaterThan(0)
    expect(a.stats().claimed + b.stats().claimed).toBe(600)
    expect(h.sandbox.inspect()).toMatchObject({ acceptedTotal: 600, maxPerRecipient: 1 })
    await h.expectCountersExact(campaign.id)
  })

  it('a lease that runs out turns the recipient unknown, never resent; a webhook naming its recipient id reconciles it', async () => {
    const h = await senderHarness()
    await h.limits({ perSecond: 1000, tier: 'TIER_UNLIMITED' })
    const campaign = await h.campaign(3)
    const ws = h.workspaceId
    const outbox = createOutboxRepository(h.t.store.db, h.t.store.dialect)
    // A worker claims all three and dies: one send had reached Meta, two never left.
    const now = Date.now()
    const claimed = await h.t.store.db.transaction().execute(async (trx) => {
      const rows = await outbox.claim(trx, { campaignIds: [campaign.id], limit: 10, workerId: 'dead-worker', leaseUntil: new Date(now + 30_000).toISOString(), now: new Date(now).toISOString(), pairSince: new Date(now - 6000).toISOString() })
      await h.t.app.services.campaignsRepository.transition(trx, ws, campaign.id, rows.map((r) => ({ id: r.id, from: 'pending' as const, to: 'sending' as const })))
      return rows
    })
    expect(claimed).toHaveLength(3)
    const lost = claimed[0]!
    const client = createCloudApiClient({ baseUrl: h.sandbox.url, accessToken: h.sandbox.accessToken })
    await client.sendTemplate(h.phoneNumberId, lost.phone, { name: 'hello_world', languageCode: 'en_US' }, { bizOpaqueCallbackData: lost.id })

    // Another worker, 31 s later by its clock, finds the leases expired.
    const sender = h.sender({ now: () => Date.now() + 31_000 })
    await sender.drain()
    let rows = await h.recipients(campaign.id)
    expect(rows.map((r) => r.status)).toEqual(['unknown', 'unknown', 'unknown'])
    expect(rows[0]!.reason).toBe(REASONS.leaseExpired)
    expect((await h.get(campaign.id)).state).toBe('completed')
    expect(h.sandbox.inspect().acceptedTotal).toBe(1)

    await h.settle()
    rows = await h.recipients(campaign.id)
    const reconciled = rows.find((r) => r.id === lost.id)!
    expect(['delivered', 'read']).toContain(reconciled.status)
    expect(reconciled.wamid).toMatch(/^wamid\./)
    expect(reconciled.reason).toBeNull()
    expect(rows.filter((r) => r.status === 'unknown')).toHaveLength(2)
    // Still never resent.
    await sender.drain()
    expect(h.sandbox.inspect().acceptedTotal).toBe(1)
    await h.expectCountersExact(campaign.id)
  })

  it('an ambiguous answer (502 without Meta error) is unknown, not resent, and settled by a later webhook if it went out', async () => {
    const h = await senderHarness({ faults: { http5xx: 1, acceptedBeforeFailure: 1 } })
    await h.limits({ perSecond: 1000, tier: 'TIER_UNLIMITED' })
    const campaign = await h.campaign(5)
    await h.sender().drain()
    expect((await h.get(campaign.id)).counts).toMatchObject({ unknown: 5, sending: 0 })
    expect((await h.recipients(campaign.id)).every((r) => r.reason === REASONS.noAnswer)).toBe(true)
    expect(h.sandbox.inspect().acceptedTotal).toBe(5)
    await h.settle()
    const rows = await h.recipients(campaign.id)
    expect(rows.every((r) => ['delivered', 'read'].includes(r.status) && r.wamid !== null)).toBe(true)
    const thread = await h.t.store.db.selectFrom('wa_messages').select(['status', 'wamid']).where('source', '=', 'campaign').execute()
    expect(thread.every((m) => m.wamid !== null && ['delivered', 'read'].includes(m.status))).toBe(true)
    expect(h.sandbox.inspect().acceptedTotal).toBe(5)
    await h.expectCountersExact(campaign.id)
  })

  it('fails a recipient with Meta\'s code and title for permanent recipient and request errors', async () => {
    const h = await senderHarness()
    await h.limits({ perSecond: 1000, tier: 'TIER_UNLIMITED' })
    const campaign = await h.campaign(4, { start: false })
    h.sandbox.forceErrors(131026, 1)
    h.sandbox.forceErrors(132000, 1)
    await h.api('POST', `/campaigns/${campaign.id}/start`, {})
    await h.sender({ maxInFlight: 1 }).drain()
    const rows = await h.recipients(campaign.id)
    const failed = rows.filter((r) => r.status === 'failed')
    expect(failed.map((r) => r.errorCode).sort()).toEqual([131026, 132000])
    expect(failed.find((r) => r.errorCode === 131026)!.reason).toMatch(/^131026: /)
    expect(failed.every((r) => r.wamid === null)).toBe(true)
    expect((await h.get(campaign.id)).counts).toMatchObject({ failed: 2, sent: 2 })
    expect((await h.get(campaign.id)).state).toBe('completed')
    expect(h.sandbox.inspect().acceptedTotal).toBe(2)
    await h.expectCountersExact(campaign.id)
  })

  it('retries retryable codes with backoff, then sends', async () => {
    const h = await senderHarness()
    await h.limits({ perSecond: 1000, tier: 'TIER_UNLIMITED' })
    const campaign = await h.campaign(1)
    let offset = 0
    const sender = h.sender({ now: () => Date.now() + offset })
    h.sandbox.forceErrors(130429, 1)
    h.sandbox.forceErrors(131056, 1)
    await sender.drain()
    let [row] = await h.recipients(campaign.id)
    // Throughput back-pressure gives the attempt back (issue 20 item 3).
    expect(row).toMatchObject({ status: 'pending', attempts: 0, errorCode: 130429 })
    expect(row!.reason).toMatch(/^Retrying after 130429: /)
    const first = await h.t.store.db.selectFrom('campaign_recipients').select('next_attempt_at').executeTakeFirstOrThrow()
    // retry_soon waits a second before the first retry.
    expect(Date.parse(first.next_attempt_at) - Date.now()).toBeGreaterThan(500)
    offset = 2000
    await sender.drain()
    ;[row] = await h.recipients(campaign.id)
    expect(row).toMatchObject({ status: 'pending', attempts: 0, errorCode: 131056 })
    // Pair rate: 4^n seconds, n = back-pressure retries so far (here 4 s).
    const second = await h.t.store.db.selectFrom('campaign_recipients').select('next_attempt_at').executeTakeFirstOrThrow()
    expect(Date.parse(second.next_attempt_at) - (Date.now() + offset)).toBeGreaterThan(3000)
    expect((await h.get(campaign.id)).state).toBe('running')
    offset = 10_000
    await sender.drain()
    ;[row] = await h.recipients(campaign.id)
    expect(row).toMatchObject({ status: 'sent', attempts: 1, errorCode: null, reason: null })
    expect((await h.get(campaign.id)).state).toBe('completed')
    expect(h.sandbox.inspect().acceptedTotal).toBe(1)
    const thread = await h.t.store.db.selectFrom('wa_messages').select(['status']).where('source', '=', 'campaign').execute()
    // One thread message per recipient, reused across attempts.
    expect(thread).toEqual([{ status: 'accepted' }])
    await h.expectCountersExact(campaign.id)
  })

  it('gives up after the attempt cap and fails with the reason', async () => {
    const h = await senderHarness()
    await h.limits({ perSecond: 1000, tier: 'TIER_UNLIMITED' })
    const campaign = await h.campaign(1)
    let offset = 0
    const sender = h.sender({ now: () => Date.now() + offset, maxAttempts: 3 })
    h.sandbox.forceErrors(2, 3)
    for (let i = 0; i < 3; i += 1) {
      await sender.drain()
      offset += 60_000
    }
    const [row] = await h.recipients(campaign.id)
    expect(row).toMatchObject({ status: 'failed', attempts: 3, errorCode: 2 })
    expect(row!.reason).toMatch(/^2: .*\(gave up after 3 attempts\)$/)
    expect((await h.get(campaign.id)).state).toBe('completed')
    await h.expectCountersExact(campaign.id)
  })

  it('a stop_number code pauses the number and its campaigns with Meta\'s reason, and requeues the recipient', async () => {
    const h = await senderHarness()
    await h.limits({ perSecond: 1000, tier: 'TIER_UNLIMITED' })
    const campaign = await h.campaign(3, { start: false })
    h.sandbox.forceErrors(131048, 1)
    await h.api('POST', `/campaigns/${campaign.id}/start`, {})
    const sender = h.sender({ maxInFlight: 1, claimBatch: 1 })
    await sender.drain()
    const paused = await h.get(campaign.id)
    expect(paused.state).toBe('paused')
    expect(paused.stateReason).toMatch(/^131048: /)
    expect(paused.counts).toMatchObject({ pending: 3, sent: 0 })
    const number = await h.t.app.services.whatsapp.connections.getNumber(h.workspaceId, h.phoneNumberId)
    expect(number).toMatchObject({ status: 'paused', pausedReason: paused.stateReason })
    const rows = await h.recipients(campaign.id)
    expect(rows.every((r) => r.attempts === 0 && r.status === 'pending')).toBe(true)
    // Resuming the campaign alone does not send from a paused number: it is paused again, saying why.
    await h.api('POST', `/campaigns/${campaign.id}/resume`)
    await sender.drain()
    expect((await h.get(campaign.id))).toMatchObject({ state: 'paused', stateReason: `Number paused: ${paused.stateReason!}` })
    expect(h.sandbox.inspect().acceptedTotal).toBe(0)
    await h.t.app.services.whatsapp.connections.setNumberPaused(h.workspaceId, h.phoneNumberId, null)
    await h.api('POST', `/campaigns/${campaign.id}/resume`)
    await sender.drain()
    expect((await h.get(campaign.id))).toMatchObject({ state: 'completed', counts: { sent: 3 } })
    await h.expectCountersExact(campaign.id)
  })

  it('a stop_account code pauses every campaign of the workspace', async () => {
    const h = await senderHarness()
    await h.limits({ perSecond: 1000, tier: 'TIER_UNLIMITED' })
    const first = await h.campaign(2, { start: false })
    const second = await h.campaign(2, { from: 100 })
    h.sandbox.forceErrors(368, 1)
    await h.api('POST', `/campaigns/${first.id}/start`, {})
    await h.sender({ maxInFlight: 1, claimBatch: 1 }).drain()
    for (const id of [first.id, second.id]) {
      const c = await h.get(id)
      expect(c.state).toBe('paused')
      expect(c.stateReason).toMatch(/^368: /)
      await h.expectCountersExact(id)
    }
    expect((await h.t.app.services.whatsapp.connections.getNumber(h.workspaceId, h.phoneNumberId))!.status).toBe('active')
  })

  it('a template Meta refuses outright pauses the campaign instead of failing every row', async () => {
    const h = await senderHarness()
    await h.limits({ perSecond: 1000, tier: 'TIER_UNLIMITED' })
    const campaign = await h.campaign(5, { start: false })
    h.sandbox.forceErrors(132015, 1)
    await h.api('POST', `/campaigns/${campaign.id}/start`, {})
    await h.sender({ maxInFlight: 1, claimBatch: 1 }).drain()
    const c = await h.get(campaign.id)
    expect(c).toMatchObject({ state: 'paused', counts: { pending: 5, failed: 0 } })
    expect(c.stateReason).toMatch(/^132015: /)
    await h.expectCountersExact(campaign.id)
  })

  it('never goes above the number\'s rate in any one-second window, measured at the sandbox', async () => {
    const h = await senderHarness({ latency: { minMs: 20, maxMs: 60 } })
    await h.limits({ perSecond: 80, tier: 'TIER_UNLIMITED' })
    const campaign = await h.campaign(200)
    const sender = h.sender()
    const started = Date.now()
    sender.start()
    while ((await h.get(campaign.id)).state !== 'completed' && Date.now() - started < 20_000) await new Promise((resolve) => setTimeout(resolve, 50))
    await sender.stop()
    const rows = await h.recipients(campaign.id)
    const accepted = rows.map((r) => h.sandbox.message(r.wamid!)!.acceptedAt)
    expect(accepted).toHaveLength(200)
    expect(maxInWindow(accepted)).toBeLessThanOrEqual(80)
    const span = (Math.max(...accepted) - Math.min(...accepted)) / 1000
    // 200 messages at 77/s after a burst of two: about 2.6 s on a quiet machine. The bound here only proves the limiter
    // does not throttle far below the limit (a loaded 2-core CI machine measured 56/s); `npm run bench` measures the rate.
    expect(199 / span).toBeGreaterThan(0.5 * 80)
    expect(h.sandbox.inspect().rejected).toEqual({})
  })

  it('defers sends past the daily unique-user limit with the reason on the campaign, and resumes when the window frees up', async () => {
    const h = await senderHarness()
    await h.limits({ perSecond: 1000, tier: 'TIER_250' })
    const campaign = await h.campaign(260)
    let offset = 0
    const sender = h.sender({ now: () => Date.now() + offset })
    await sender.drain()
    const deferred = await h.get(campaign.id)
    expect(deferred).toMatchObject({ state: 'running', counts: { sent: 250, pending: 10, failed: 0 } })
    expect(deferred.stateReason).toMatch(/^Daily messaging limit reached: TIER_250 allows 250 unique users in 24 h/)
    expect(h.sandbox.inspect().acceptedTotal).toBe(250)
    offset = 24 * 3600_000 + 60_000
    await sender.drain()
    const done = await h.get(campaign.id)
    expect(done).toMatchObject({ state: 'completed', stateReason: null, counts: { sent: 260, pending: 0 } })
    await h.expectCountersExact(campaign.id)
  })

  it('starts a scheduled campaign when its time comes', async () => {
    const h = await senderHarness()
    await h.limits({ perSecond: 1000, tier: 'TIER_UNLIMITED' })
    const campaign = await h.campaign(2, { start: false })
    const at = new Date(Date.now() + 3600_000).toISOString()
    expect((await h.api('POST', `/campaigns/${campaign.id}/start`, { scheduleAt: at })).body.state).toBe('scheduled')
    let offset = 0
    const sender = h.sender({ now: () => Date.now() + offset })
    await sender.drain()
    expect((await h.get(campaign.id)).state).toBe('scheduled')
    offset = 3601_000
    await sender.drain()
    expect((await h.get(campaign.id))).toMatchObject({ state: 'completed', counts: { sent: 2 } })
  })

  it('leaves scheduled campaigns to the worker holding the scheduler job lock on PostgreSQL', async () => {
    const h = await senderHarness()
    await h.limits({ perSecond: 1000, tier: 'TIER_UNLIMITED' })
    const campaign = await h.campaign(2, { start: false })
    expect((await h.api('POST', `/campaigns/${campaign.id}/start`, { scheduleAt: new Date(Date.now() + 60_000).toISOString() })).body.state).toBe('scheduled')
    // Another worker, as far as this one can tell: a session of its own holding the lock.
    const other = h.t.store.dialect === 'postgres' ? new pg.Client({ connectionString: h.t.config.databaseUrl }) : undefined
    await other?.connect()
    await other?.query('select pg_advisory_lock($1::bigint)', [jobLockKey('campaign-scheduler')])
    const sender = h.sender({ now: () => Date.now() + 120_000 })
    await sender.drain()
    // SQLite has no job lock (one machine, writers one at a time): the worker starts it.
    expect((await h.get(campaign.id)).state).toBe(other === undefined ? 'completed' : 'scheduled')
    await other?.end()
    await sender.drain()
    expect(await h.get(campaign.id)).toMatchObject({ state: 'completed', counts: { sent: 2 } })
  })

  it.runIf(TEST_DATABASE_URL !== undefined)('refreshes PostgreSQL\'s statistics of the recipients when it meets a campaign it has not sent for', async () => {
    const h = await senderHarness()
    await h.limits({ perSecond: 1000, tier: 'TIER_UNLIMITED' })
    const lastAnalyze = async (): Promise<unknown> => (await sql<{ at: unknown }>`select last_analyze as at from pg_stat_user_tables where relname = 'campaign_recipients'`.execute(h.t.store.db)).rows[0]?.at ?? null
    await h.campaign(3)
    expect(await lastAnalyze()).toBeNull()
    await h.sender().housekeeping()
    expect(await lastAnalyze()).not.toBeNull()
  })

  it('a failed status webhook fails a sent recipient with Meta\'s reason; replies are counted once', async () => {
    const h = await senderHarness()
    await h.limits({ perSecond: 1000, tier: 'TIER_UNLIMITED' })
    h.sandbox.setRecipientFailure(waId(1), 131026)
    const campaign = await h.campaign(3)
    await h.sender().drain()
    await h.settle()
    h.sandbox.inboundText({ from: phoneOf(0), text: 'Yes please', name: 'Ada', phoneNumberId: h.phoneNumberId })
    h.sandbox.inboundText({ from: phoneOf(0), text: 'Also, thanks', name: 'Ada', phoneNumberId: h.phoneNumberId })
    await h.settle()
    const rows = await h.recipients(campaign.id)
    const byPhone = new Map(rows.map((r) => [r.phone, r]))
    expect(byPhone.get(phoneOf(1))).toMatchObject({ status: 'failed', errorCode: 131026 })
    expect(byPhone.get(phoneOf(1))!.reason).toMatch(/^131026: /)
    expect(byPhone.get(phoneOf(1))!.failedAt).not.toBeNull()
    expect(byPhone.get(phoneOf(0))).toMatchObject({ replyText: 'Yes please' })
    expect(byPhone.get(phoneOf(0))!.repliedAt).not.toBeNull()
    expect(byPhone.get(phoneOf(2))!.repliedAt).toBeNull()
    const c = await h.get(campaign.id)
    expect(c.counts).toMatchObject({ failed: 1, replied: 1 })
    await h.expectCountersExact(campaign.id)
    const feed = await h.api('GET', `/campaigns/${campaign.id}/changes?limit=1000`)
    expect(feed.body.items.find((r: { rowKey: string }) => r.rowKey === 'row-0')).toMatchObject({ replyText: 'Yes please' })
  })

  it('never sends to one number twice within 6 s, even from two campaigns', async () => {
    const h = await senderHarness()
    await h.limits({ perSecond: 1000, tier: 'TIER_UNLIMITED' })
    const first = await h.campaign(3)
    const second = await h.campaign(3)
    let offset = 0
    const sender = h.sender({ now: () => Date.now() + offset })
    await sender.drain()
    expect((await h.get(first.id)).counts.sent + (await h.get(second.id)).counts.sent).toBe(3)
    expect(h.sandbox.inspect().maxPerRecipient).toBe(1)
    offset = 7000
    await sender.drain()
    expect((await h.get(first.id)).counts.sent + (await h.get(second.id)).counts.sent).toBe(6)
    expect(h.sandbox.inspect().rejected).toEqual({})
    await h.expectCountersExact(first.id)
    await h.expectCountersExact(second.id)
  })
})
