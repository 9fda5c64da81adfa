import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { bearer } from '../helper.js'
import { checkEachMessagedOnce, senderHarness } from '../../src/campaigns/sender/sender-test-helpers.js'
import { startWorkerProcess, until } from '../processes.js'

/**
 * PostgreSQL itself restarted in the middle of a campaign: the server this machine runs
 * (Debian's pg_ctlcluster, which needs root; CI runs as root), stopped with its clients
 * cut off, down for a few seconds, started again. This file runs alone, after every
 * other test (the `cluster` project), so nothing else loses its database.
 */

const CLUSTER = (() => {
  if (process.getuid?.() !== 0) return undefined
  try {
    execFileSync('which', ['pg_ctlcluster'], { stdio: 'ignore' })
  } catch {
    return undefined
  }
  const versions = fs.existsSync('/etc/postgresql') ? fs.readdirSync('/etc/postgresql') : []
  return versions.length === 1 ? versions[0] : undefined
})()

function pgCtl (action: 'stop' | 'start'): void {
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', CLUSTER!, 'main', action, ...(action === 'stop' ? ['-m', 'fast'] : [])], { stdio: 'ignore' })
}

const RECIPIENTS = 2000
const LIMIT = 40

describe('PostgreSQL restarted mid-campaign', () => {
  it.skipIf(CLUSTER === undefined)('the worker and the API ride it out: requests get 503 while it is down, the campaign completes, nobody is messaged twice or lost', async () => {
    const h = await senderHarness({ latency: { minMs: 5, maxMs: 30 } })
    expect(h.t.store.dialect, 'this test is for PostgreSQL (TEST_DATABASE_URL)').toBe('postgres')
    // Whatever happens below, the server is left running.
    onTestFinished(() => { try { pgCtl('start') } catch {} })
    await h.limits({ perSecond: LIMIT, tier: 'TIER_UNLIMITED' })
    const campaign = await h.campaign(RECIPIENTS)
    h.t.app.services.whatsapp.webhooks.processor.start()
    const worker = await startWorkerProcess({
      DATA_DIR: h.t.dir,
      DATABASE_URL: h.t.config.databaseUrl!,
      LOG_LEVEL: 'warn',
      GRAPH_API_URL: h.sandbox.url,
      SENDER_TIMEOUT_MS: '1500',
      SENDER_LEASE_MS: '5000',
    })
    onTestFinished(() => worker.stop())
    const sent = async (): Promise<number> => {
      const { counts } = await h.get(campaign.id)
      return counts.sent + counts.delivered + counts.read
    }
    await until(async () => await sent() >= RECIPIENTS / 3, 60_000, 'a third of the campaign to go out')

    pgCtl('stop')
    const down = Date.now()
    // The API is up and says what is wrong, in the one error shape.
    const during = await h.t.app.inject({ method: 'GET', url: '/api/v1/contacts', headers: bearer(h.ws.token) })
    expect(during.statusCode).toBe(503)
    expect(during.json()).toMatchObject({ code: 'SB_STORE_UNAVAILABLE' })
    expect(during.headers['retry-after']).toBe('5')
    await new Promise((resolve) => setTimeout(resolve, 4000 - (Date.now() - down)))
    pgCtl('start')

    await until(async () => {
      try {
        return (await h.get(campaign.id)).state === 'completed'
      } catch {
        return false
      }
    }, 120_000, 'the campaign to complete after the restart')
    // The worker never died: it waited the outage out.
    expect(worker.child.exitCode).toBeNull()
    expect((await h.t.app.inject({ method: 'GET', url: '/api/v1/contacts', headers: bearer(h.ws.token) })).statusCode).toBe(200)
    await worker.stop()
    expect(await worker.exited).toBe(0)

    // Webhooks refused while the database was down were retried by "Meta" and landed.
    await h.sandbox.whenWebhooksIdle(60_000)
    await h.t.app.services.whatsapp.webhooks.processor.stop()
    await h.t.app.services.whatsapp.webhooks.processor.drain()
    const rows = await h.recipients(campaign.id)
    expect(rows).toHaveLength(RECIPIENTS)
    const { problems, byStatus } = checkEachMessagedOnce(h.sandbox, rows)
    expect(problems.slice(0, 20)).toEqual([])
    expect(h.sandbox.inspect(false).maxPerRecipient).toBe(1)
    await h.expectCountersExact(campaign.id)
    console.info(`postgres restart: ${JSON.stringify(byStatus)}; webhook attempts refused ${h.sandbox.inspect(false).webhooks.failedAttempts}`)
  }, 300_000)
})
