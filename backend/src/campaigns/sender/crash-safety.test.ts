import { describe, expect, it } from 'vitest'
import { seededRandom, startWorkerProcess as startWorker, until } from '../../../test/processes.js'
import type { Recipient } from '../campaigns-repository.js'
import { senderHarness, type SenderHarness } from './sender-test-helpers.js'

/**
 * The sender as its own process (`npm run worker`'s entry), against the sandbox running
 * in this test process, with webhooks flowing back to this process's receiver and
 * processed as the API does. Bounded: a couple of minutes at most.
 */

function workerEnv (h: SenderHarness, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATA_DIR: h.t.dir,
    // The PostgreSQL run of the suite: the workers share the test's database.
    ...(h.t.config.databaseUrl === undefined ? {} : { DATABASE_URL: h.t.config.databaseUrl }),
    LOG_LEVEL: 'info',
    GRAPH_API_URL: h.sandbox.url,
    // Short answers and leases, so recipients a killed worker left behind are settled within the test.
    SENDER_TIMEOUT_MS: '1000',
    SENDER_LEASE_MS: '2500',
    ...extra,
  }
}

/** The stats a worker logs when it stops (SIGTERM). */
function stoppedStats (output: string): { claimed: number } | undefined {
  const line = output.split('\n').find((l) => l.includes('"campaign sender stopped"'))
  return line === undefined ? undefined : JSON.parse(line) as { claimed: number }
}

describe('campaign sender crash safety', () => {
  it('killed with SIGKILL at random moments at least 10 times and restarted, it messages every recipient at most once, and exactly once unless it reports unknown or failed', async () => {
    const h = await senderHarness({
      latency: { minMs: 5, maxMs: 30 },
      // Meta's own faults on top of the kills: ambiguous answers (some of which went out), a retryable error, an async failure.
      faults: { http5xx: 0.004, timeout: 0.003, timeoutHoldMs: 1500, 131000: 0.004, 131026: 0.004, acceptedBeforeFailure: 0.5 },
    })
    // Slow enough that all ten kills land while there is still work in flight.
    await h.limits({ perSecond: 150, tier: 'TIER_UNLIMITED' })
    // On PostgreSQL every state change is a network round trip under the store's one write
    // lock (store/database.ts), a few times slower than SQLite in process; the property
    // under test does not depend on the size, so that run sends fewer.
    const size = h.t.store.dialect === 'postgres' ? 2500 : 5000
    const campaign = await h.campaign(size)
    // The API's webhook worker reconciles while the sender is being killed, as in production.
    h.t.app.services.whatsapp.webhooks.processor.start()
    const env = workerEnv(h)

    let kills = 0
    const random = seededRandom(0x2545f491)
    const completed = async (): Promise<boolean> => (await h.get(campaign.id)).state === 'completed'
    while (kills < 10 || !(await completed())) {
      const worker = await startWorker(env)
      if (kills >= 10) {
        // Enough kills: let this one finish the campaign, then stop it gracefully.
        await until(completed, 90_000, 'the campaign to complete')
        worker.child.kill('SIGTERM')
        expect(await worker.exited).toBe(0)
        break
      }
      await new Promise((resolve) => setTimeout(resolve, 200 + random() * 1800))
      worker.child.kill('SIGKILL')
      await worker.exited
      kills += 1
      const counts = (await h.get(campaign.id)).counts
      if (kills === 10) expect(counts.pending + counts.sending, 'work left after the tenth kill').toBeGreaterThan(0)
    }
    expect(kills).toBeGreaterThanOrEqual(10)

    await h.sandbox.whenWebhooksIdle(30_000)
    await h.t.app.services.whatsapp.webhooks.processor.stop()
    await h.t.app.services.whatsapp.webhooks.processor.drain()

    const rows: Recipient[] = await h.recipients(campaign.id)
    expect(rows).toHaveLength(size)
    const accepted = h.sandbox.inspect().byRecipient!
    const count = (r: Recipient): number => accepted[r.phone.slice(1)] ?? 0
    const byStatus = new Map<string, number>()
    for (const r of rows) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1)
    const twice = rows.filter((r) => count(r) > 1)
    expect(twice, 'recipients messaged more than once').toEqual([])
    for (const r of rows) {
      if (r.status === 'sent' || r.status === 'delivered' || r.status === 'read') {
        expect(count(r), `${r.rowKey} ${r.status}`).toBe(1)
      } else if (r.status === 'failed') {
        expect(r.reason, `${r.rowKey} failed without a reason`).not.toBeNull()
      } else {
        // Unknown is the only other end: the engine says it cannot tell. Every message that did
        // go out has been reconciled by its webhook, so what is left unknown never reached Meta.
        expect(r.status, r.rowKey).toBe('unknown')
        expect(count(r), `${r.rowKey} unknown but accepted`).toBe(0)
        expect(r.reason).not.toBeNull()
      }
    }
    expect(h.sandbox.inspect().maxPerRecipient).toBeLessThanOrEqual(1)
    await h.expectCountersExact(campaign.id)
    // What happened, for the record (visible with --reporter=verbose).
    console.info(`crash test: ${kills} kills; ${JSON.stringify(Object.fromEntries(byStatus))}; accepted by the sandbox ${h.sandbox.inspect().acceptedTotal}`)
  }, 240_000)

  it('two worker processes at once claim disjoint batches: every recipient messaged exactly once', async () => {
    const h = await senderHarness({ latency: { minMs: 5, maxMs: 30 } })
    await h.limits({ perSecond: 500, tier: 'TIER_UNLIMITED' })
    const campaign = await h.campaign(2000)
    const env = workerEnv(h, { SENDER_TIMEOUT_MS: '15000', SENDER_LEASE_MS: '35000' })
    const [a, b] = await Promise.all([startWorker(env), startWorker(env)])
    await until(async () => (await h.get(campaign.id)).state === 'completed', 60_000, 'the campaign to complete')
    a!.child.kill('SIGTERM')
    b!.child.kill('SIGTERM')
    expect(await a!.exited).toBe(0)
    expect(await b!.exited).toBe(0)
    const claimedA = stoppedStats(a!.output())!.claimed
    const claimedB = stoppedStats(b!.output())!.claimed
    expect(claimedA).toBeGreaterThan(0)
    expect(claimedB).toBeGreaterThan(0)
    expect(claimedA + claimedB).toBe(2000)
    expect(h.sandbox.inspect()).toMatchObject({ acceptedTotal: 2000, recipients: 2000, maxPerRecipient: 1 })
    // Workers also process the webhooks the API stored, so some have moved on to delivered or read.
    const counts = (await h.get(campaign.id)).counts
    expect(counts.sent + counts.delivered + counts.read).toBe(2000)
    await h.expectCountersExact(campaign.id)
  }, 120_000)
})
