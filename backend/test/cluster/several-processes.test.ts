import { describe, expect, it, onTestFinished } from 'vitest'
import { freePort } from '../../../build/test-support/backend-process.js'
import { maxInWindow } from '../../src/campaigns/sender/rate-limits.js'
import { checkEachMessagedOnce, senderHarness, type SenderHarness } from '../../src/campaigns/sender/sender-test-helpers.js'
import { roundRobinProxy, seededRandom, startApiProcess, startWorkerProcess, until, type ChildService } from '../processes.js'

/**
 * Switchboard as it runs when it grows: two API processes behind a proxy and three
 * campaign workers, all on one PostgreSQL database, against the sandbox playing Meta.
 * The checks are the promises a customer relies on: nobody messaged twice, nobody lost,
 * and the number's rate limit kept by all the workers together.
 */

interface Cluster {
  /** Calls the API through the proxy with the workspace's token. */
  call: (method: string, url: string, body?: object, headers?: Record<string, string>) => Promise<{ status: number, body: any }>
  workerEnv: Record<string, string>
  /** A campaign of `count` recipients submitted over HTTP in 1,000-row chunks, not started. */
  campaign: (count: number) => Promise<string>
  state: (campaignId: string) => Promise<{ state: string, counts: Record<string, number> }>
  /** Waits for the campaign to complete; the error names where it stood. */
  completed: (campaignId: string, timeoutMs: number) => Promise<void>
  /** Waits until every webhook the sandbox sent has been stored and processed by some process. */
  settled: () => Promise<void>
}

async function startCluster (h: SenderHarness, limit: number): Promise<Cluster> {
  expect(h.t.store.dialect, 'this test is for PostgreSQL (TEST_DATABASE_URL)').toBe('postgres')
  await h.limits({ perSecond: limit, tier: 'TIER_UNLIMITED' })
  const { sandbox } = h
  const shared = {
    DATA_DIR: h.t.dir,
    DATABASE_URL: h.t.config.databaseUrl!,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // The sandbox stands in for Meta exactly as a stand-alone `npm run sandbox` would.
    META_APP_ID: sandbox.appId,
    WHATSAPP_APP_SECRET: sandbox.appSecret,
    GRAPH_API_URL: sandbox.url,
    WHATSAPP_VERIFY_TOKEN: h.t.app.services.whatsapp.runtime.verifyToken!,
  }
  // Two API processes: they take the campaign and the webhooks, and process the webhooks; no sending.
  const apiPorts = [await freePort(), await freePort()]
  const apis: ChildService[] = []
  onTestFinished(async () => { await Promise.all(apis.map((a) => a.stop())) })
  for (const port of apiPorts) {
    apis.push(await startApiProcess({ ...shared, PORT: String(port), RUN_WORKERS: 'true', RUN_SENDER: 'false', RATE_LIMIT_PER_MINUTE: '100000' }))
  }
  const proxy = await roundRobinProxy(() => apiPorts)
  onTestFinished(proxy.close)
  await sandbox.setWebhookUrl(`${proxy.url}/webhooks/whatsapp`, { verifyToken: shared.WHATSAPP_VERIFY_TOKEN })

  const call: Cluster['call'] = async (method, url, body, headers = {}) => {
    const response = await fetch(`${proxy.url}/api/v1${url}`, {
      method,
      headers: { authorization: `Bearer ${h.ws.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: response.status, body: await response.json() }
  }
  const state: Cluster['state'] = async (campaignId) => (await call('GET', `/campaigns/${campaignId}`)).body
  return {
    call,
    // Short answers and leases, so a killed worker's recipients are settled within the test.
    workerEnv: { ...shared, LOG_LEVEL: 'info', SENDER_TIMEOUT_MS: '1500', SENDER_LEASE_MS: '4000' },
    async campaign (count) {
      const created = await call('POST', '/campaigns', { name: `Cluster ${count}`, template: { name: 'hello_world', language: 'en_US' }, source: 'sheets' })
      expect(created.status, JSON.stringify(created.body)).toBe(201)
      const campaignId = created.body.id as string
      for (let i = 0; i < count; i += 1000) {
        const rows = Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({ rowKey: `row-${i + j}`, phone: `+1212${String(2_000_000 + i + j).padStart(7, '0')}`, variables: {} }))
        const submitted = await call('POST', `/campaigns/${campaignId}/recipients`, { rows }, { 'idempotency-key': `${campaignId}-${i}` })
        expect(submitted.status, JSON.stringify(submitted.body).slice(0, 300)).toBe(200)
        expect(submitted.body.accepted).toBe(rows.length)
      }
      return campaignId
    },
    state,
    async completed (campaignId, timeoutMs) {
      let last = await state(campaignId)
      await until(async () => (last = await state(campaignId)).state === 'completed', timeoutMs, 'the campaign to complete')
        .catch((error: Error) => { throw new Error(`${error.message}: ${JSON.stringify(last)}`) })
    },
    async settled () {
      await sandbox.whenWebhooksIdle(60_000)
      await until(async () => {
        const left = await h.t.store.db.selectFrom('webhook_inbox').select((eb) => eb.fn.countAll<number>().as('n')).where('processed_at', 'is', null).executeTakeFirstOrThrow()
        return Number(left.n) === 0
      }, 60_000, 'the webhook inbox to be processed')
    },
  }
}

describe('several API and worker processes on PostgreSQL', () => {
  it('3 workers killed at random and 2 API processes send a 20,000-recipient campaign: no duplicate, none lost, never above the rate limit', async () => {
    const RECIPIENTS = 20_000
    const LIMIT = 100
    const h = await senderHarness({
      latency: { minMs: 5, maxMs: 40 },
      // A little of Meta's own trouble on top: ambiguous answers and a retryable error.
      faults: { http5xx: 0.001, timeout: 0.001, timeoutHoldMs: 1500, 131000: 0.002, acceptedBeforeFailure: 0.5 },
    })
    const cluster = await startCluster(h, LIMIT)
    const campaignId = await cluster.campaign(RECIPIENTS)
    const workers: ChildService[] = await Promise.all([0, 1, 2].map(() => startWorkerProcess(cluster.workerEnv)))
    onTestFinished(async () => { await Promise.all(workers.map((w) => w.stop())) })
    const started = Date.now()
    expect((await cluster.call('POST', `/campaigns/${campaignId}/start`, {})).status).toBe(200)

    const random = seededRandom(0x5eed2026)
    let kills = 0
    while (kills < 8) {
      await new Promise((resolve) => setTimeout(resolve, 2000 + random() * 6000))
      const index = Math.floor(random() * workers.length)
      workers[index]!.child.kill('SIGKILL')
      await workers[index]!.exited
      kills += 1
      const { counts } = await cluster.state(campaignId)
      expect(counts['pending']! + counts['sending']!, `work left after kill ${kills}`).toBeGreaterThan(0)
      workers[index] = await startWorkerProcess(cluster.workerEnv)
    }
    await cluster.completed(campaignId, 900_000)
    const seconds = (Date.now() - started) / 1000
    await Promise.all(workers.map((w) => w.stop()))
    await cluster.settled()

    const rows = await h.recipients(campaignId)
    expect(rows).toHaveLength(RECIPIENTS)
    const { problems, byStatus, acceptedAt } = checkEachMessagedOnce(h.sandbox, rows)
    expect(problems.slice(0, 20)).toEqual([])
    const inspection = h.sandbox.inspect(false)
    expect(inspection.maxPerRecipient).toBeLessThanOrEqual(1)
    // Meta's answer to a number over its throughput; the workers together never drew one.
    expect(inspection.rejected['130429'] ?? 0).toBe(0)
    const busiest = maxInWindow(acceptedAt)
    expect(busiest).toBeLessThanOrEqual(LIMIT)
    await h.expectCountersExact(campaignId)
    console.info(`several processes: ${RECIPIENTS} recipients in ${seconds.toFixed(0)} s (${Math.round(inspection.acceptedTotal / seconds)}/s), ${kills} worker kills, busiest second ${busiest} of ${LIMIT}; ${JSON.stringify(byStatus)}`)
  }, 1_000_000)

  it('3 workers share one number\'s limit: together they run close to it and never above it', async () => {
    // Low enough that the three together could each send it alone several times over.
    const LIMIT = 20
    const h = await senderHarness({ latency: { minMs: 5, maxMs: 40 } })
    const cluster = await startCluster(h, LIMIT)
    const campaignId = await cluster.campaign(1200)
    const workers = await Promise.all([0, 1, 2].map(() => startWorkerProcess(cluster.workerEnv)))
    onTestFinished(async () => { await Promise.all(workers.map((w) => w.stop())) })
    expect((await cluster.call('POST', `/campaigns/${campaignId}/start`, {})).status).toBe(200)
    await cluster.completed(campaignId, 180_000)
    await Promise.all(workers.map((w) => w.stop()))
    // Each worker sent a share: the limit was shared, not held by one of them.
    const claimed = workers.map((w) => Number(/"claimed":(\d+)/.exec(w.output().split('\n').find((l) => l.includes('"campaign sender stopped"')) ?? '')?.[1] ?? 0))
    expect(claimed.every((n) => n > 0), `claims per worker ${claimed.join(', ')}`).toBe(true)
    await cluster.settled()
    const rows = await h.recipients(campaignId)
    const { problems, acceptedAt } = checkEachMessagedOnce(h.sandbox, rows)
    expect(problems).toEqual([])
    const busiest = maxInWindow(acceptedAt)
    expect(busiest).toBeLessThanOrEqual(LIMIT)
    expect(busiest, 'the workers together came nowhere near the limit').toBeGreaterThanOrEqual(LIMIT / 2)
    expect(h.sandbox.inspect(false).rejected['130429'] ?? 0).toBe(0)
    console.info(`shared limit: claims per worker ${claimed.join(', ')}, busiest second ${busiest} of ${LIMIT}`)
  }, 300_000)
})
