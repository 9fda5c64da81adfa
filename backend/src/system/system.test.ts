import { describe, expect, it, onTestFinished } from 'vitest'
import { bearer, buildTestApp, createWorkspace } from '../../test/helper.js'
import { startWorkerProcess } from '../../test/processes.js'
import { freePort } from '../../../build/test-support/backend-process.js'
import { senderHarness } from '../campaigns/sender/sender-test-helpers.js'
import { api, registerEndpoint, startReceiver } from '../events/webhook-test-helpers.js'

/** The value of one sample in Prometheus text, or undefined when absent. */
function sample (text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels === '' ? ' ' : `{${labels}} `}`))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

describe('/ready', () => {
  it('is ready while the store answers and the process is not shutting down, and 503 once it drains', async () => {
    const t = await buildTestApp()
    const ready = await t.app.inject({ method: 'GET', url: '/ready' })
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toEqual({ status: 'ready', draining: false, store: { engine: t.store.dialect, reachable: true, pendingMigrations: [] } })
    t.app.lifecycle.draining = true
    const draining = await t.app.inject({ method: 'GET', url: '/ready' })
    expect(draining.statusCode).toBe(503)
    expect(draining.json()).toMatchObject({ status: 'unavailable', draining: true })
    // Still healthy: the add-ons' check is about the store, not about this one process.
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
  })
})

describe('/metrics', () => {
  it('answers a direct loopback scrape, and nothing forwarded by a proxy', async () => {
    const t = await buildTestApp()
    const direct = await t.app.inject({ method: 'GET', url: '/metrics' })
    expect(direct.statusCode).toBe(200)
    expect(direct.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
    expect(direct.body).toContain('switchboard_process_resident_memory_bytes')
    const forwarded = await t.app.inject({ method: 'GET', url: '/metrics', headers: { 'x-forwarded-for': '203.0.113.9' } })
    expect(forwarded.statusCode).toBe(404)
    expect(forwarded.json()).toMatchObject({ code: 'SB_NOT_FOUND' })
  })

  it('with METRICS_TOKEN, answers only that bearer token', async () => {
    const token = 'a'.repeat(16) + 'metrics-token'
    const t = await buildTestApp({ METRICS_TOKEN: token })
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404)
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(token.replace('a', 'b')) })).statusCode).toBe(404)
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(token) })).statusCode).toBe(200)
  })

  it('counts requests by route pattern, never by URL, and holds no personal data', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/contacts', headers: bearer(ws.token), payload: { name: 'Ada Lovelace', emails: ['ada@example.com'], phones: ['+14155550123'] } })
    expect(created.statusCode).toBe(201)
    const id = created.json().id as string
    await t.app.inject({ method: 'GET', url: `/api/v1/contacts/${id}`, headers: bearer(ws.token) })
    await t.app.inject({ method: 'GET', url: '/api/v1/contacts?q=ada%40example.com', headers: bearer(ws.token) })
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(sample(text, 'switchboard_http_request_duration_seconds_count', 'method="GET",route="/api/v1/contacts/:id",status="200"')).toBe(1)
    expect(sample(text, 'switchboard_http_request_duration_seconds_count', 'method="POST",route="/api/v1/contacts",status="201"')).toBe(1)
    for (const secret of [id, 'ada', 'Lovelace', '4155550123', ws.workspaceId]) expect(text).not.toContain(secret)
  })

  it('reports the campaign queue, the webhook backlog and lag from the store, and the sender\'s sends and the statuses applied', async () => {
    const h = await senderHarness()
    await h.limits({ perSecond: 1000, tier: 'TIER_UNLIMITED' })
    const campaign = await h.campaign(5)
    const scrape = async (): Promise<string> => (await h.t.app.inject({ method: 'GET', url: '/metrics' })).body
    let text = await scrape()
    expect(sample(text, 'switchboard_campaign_queue_depth', 'status="pending"')).toBe(5)
    expect(sample(text, 'switchboard_campaign_sends_total', 'outcome="sent"')).toBeUndefined()

    const sender = h.sender()
    h.t.app.metrics.watchSender(() => sender.stats())
    await sender.drain()
    await h.sandbox.whenWebhooksIdle(20_000)
    // Stored, not yet processed: the backlog and its age are visible.
    await new Promise((resolve) => setTimeout(resolve, 50))
    text = await scrape()
    expect(sample(text, 'switchboard_campaign_queue_depth', 'status="pending"')).toBe(0)
    expect(sample(text, 'switchboard_campaign_sends_total', 'outcome="sent"')).toBe(5)
    expect(sample(text, 'switchboard_webhook_inbox_unprocessed')).toBeGreaterThan(0)
    expect(sample(text, 'switchboard_webhook_lag_seconds')).toBeGreaterThan(0)

    await h.t.app.services.whatsapp.webhooks.processor.drain()
    text = await scrape()
    expect(sample(text, 'switchboard_webhook_inbox_unprocessed')).toBe(0)
    expect(sample(text, 'switchboard_webhook_lag_seconds')).toBe(0)
    expect(sample(text, 'switchboard_whatsapp_statuses_total', 'status="sent"')).toBe(5)
    expect((await h.get(campaign.id)).counts.sent + (await h.get(campaign.id)).counts.delivered + (await h.get(campaign.id)).counts.read).toBe(5)
  })

  it('reports the outbound webhook backlog by state and how long the oldest due delivery has waited', async () => {
    const t = await buildTestApp({ WEBHOOKS_ALLOW_PRIVATE: 'true' })
    const ws = await createWorkspace(t)
    const fine = await startReceiver(() => 204)
    const failing = await startReceiver(() => 500)
    await registerEndpoint(t, ws, `${fine.url}/in`)
    await registerEndpoint(t, ws, `${failing.url}/in`)
    const off = await registerEndpoint(t, ws, `${fine.url}/off`)
    expect((await api(t, ws.token, 'POST', '/contacts', { name: 'Ada' })).status).toBe(201)
    // Turned off after the event: its delivery waits for the endpoint to come back.
    expect((await api(t, ws.token, 'PATCH', `/webhook-endpoints/${off.endpoint.id}`, { status: 'disabled' })).status).toBe(200)
    const scrape = async (): Promise<string> => (await t.app.inject({ method: 'GET', url: '/metrics' })).body

    let text = await scrape()
    expect(sample(text, 'switchboard_outbound_webhook_backlog', 'state="due"')).toBe(2)
    expect(sample(text, 'switchboard_outbound_webhook_backlog', 'state="held"')).toBe(1)
    expect(sample(text, 'switchboard_outbound_webhook_backlog', 'state="retry"')).toBe(0)
    expect(sample(text, 'switchboard_outbound_webhook_backlog', 'state="delivering"')).toBe(0)
    expect(sample(text, 'switchboard_outbound_webhook_lag_seconds')).toBeGreaterThan(0)

    // One delivered, one waiting for its retry, the turned-off endpoint's still held.
    await t.app.services.events.createWorker().drain()
    expect(fine.requests).toHaveLength(1)
    expect(failing.requests).toHaveLength(1)
    text = await scrape()
    expect(sample(text, 'switchboard_outbound_webhook_backlog', 'state="due"')).toBe(0)
    expect(sample(text, 'switchboard_outbound_webhook_backlog', 'state="retry"')).toBe(1)
    expect(sample(text, 'switchboard_outbound_webhook_backlog', 'state="held"')).toBe(1)
    expect(sample(text, 'switchboard_outbound_webhook_lag_seconds')).toBe(0)
    expect(text).not.toContain(ws.workspaceId)
  })

  it('the worker process serves its own on METRICS_PORT', async () => {
    const h = await senderHarness()
    const port = await freePort()
    const worker = await startWorkerProcess({
      DATA_DIR: h.t.dir,
      ...(h.t.config.databaseUrl === undefined ? {} : { DATABASE_URL: h.t.config.databaseUrl }),
      GRAPH_API_URL: h.sandbox.url,
      LOG_LEVEL: 'warn',
      METRICS_PORT: String(port),
    })
    onTestFinished(() => worker.stop())
    const scraped = await fetch(`http://127.0.0.1:${port}/metrics`)
    expect(scraped.status).toBe(200)
    const text = await scraped.text()
    expect(sample(text, 'switchboard_campaign_sends_in_flight')).toBe(0)
    expect(text).toContain('switchboard_campaign_queue_depth')
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(404)
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404)
  })
})
