import { timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { Store } from '../store/database.js'
import type { SenderStats } from '../campaigns/sender/sender.js'
import type { StatusListener } from '../whatsapp/webhooks/hooks.js'
import { ERRORS } from '../errors.js'

/**
 * Prometheus metrics of one process. Everything is aggregate over all workspaces: no
 * workspace, contact, number or message appears in a label. Counters a process keeps
 * itself (requests, sends, statuses applied) count what this process did; the queue and
 * webhook figures are read from the store at scrape time, so any process reports them.
 */
export interface Metrics {
  registry: Registry
  /** One answered HTTP request: the route pattern, never the URL. */
  observeRequest: (method: string, route: string, status: number, seconds: number) => void
  /** The campaign sender running in this process, if any, whose counters are reported. */
  watchSender: (stats: () => SenderStats) => void
  /** Counts statuses applied by this process's webhook processor. */
  statusListener: StatusListener
  /** The text Prometheus scrapes. */
  render: () => Promise<string>
}

const SEND_OUTCOMES = ['sent', 'failed', 'retried', 'unknown', 'requeued', 'expired'] as const

export function createMetrics (store: Store, options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'switchboard_' })
  let senderStats: (() => SenderStats) | undefined

  const requests = new Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  const statuses = new Counter({
    name: 'switchboard_whatsapp_statuses_total',
    help: 'Message statuses from Meta applied by this process (sent, delivered, read, failed)',
    labelNames: ['status'] as const,
    registers: [registry],
  })
  new Counter({
    name: 'switchboard_campaign_sends_total',
    help: 'Campaign sends by this process\'s sender, by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect () {
      this.reset()
      const stats = senderStats?.()
      if (stats === undefined) return
      for (const outcome of SEND_OUTCOMES) this.inc({ outcome }, stats[outcome])
    },
  })
  new Gauge({
    name: 'switchboard_campaign_sends_in_flight',
    help: 'Campaign sends this process is waiting for Meta to answer',
    registers: [registry],
    collect () { this.set(senderStats?.().inFlight ?? 0) },
  })
  new Counter({
    name: 'switchboard_campaign_rate_limit_waits_total',
    help: 'Claims this process\'s sender made that found the number\'s rate limit used up and waited',
    registers: [registry],
    collect () {
      this.reset()
      const stats = senderStats?.()
      if (stats !== undefined) this.inc(stats.rateLimitWaits)
    },
  })
  new Counter({
    name: 'switchboard_campaign_rate_limit_wait_seconds_total',
    help: 'Time this process\'s sender was told to wait for the number\'s rate limit',
    registers: [registry],
    collect () {
      this.reset()
      const stats = senderStats?.()
      if (stats !== undefined) this.inc(stats.rateLimitWaitMs / 1000)
    },
  })
  new Gauge({
    name: 'switchboard_campaign_queue_depth',
    help: 'Campaign recipients waiting to be sent (pending) or waiting for Meta\'s answer (sending), all workspaces',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect () {
      const rows = await store.db.selectFrom('campaign_recipients').select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .where('status', 'in', ['pending', 'sending']).groupBy('status').execute()
      this.reset()
      this.set({ status: 'pending' }, 0)
      this.set({ status: 'sending' }, 0)
      for (const row of rows) this.set({ status: row.status }, Number(row.n))
    },
  })
  new Gauge({
    name: 'switchboard_webhook_inbox_unprocessed',
    help: 'Webhooks stored and not yet processed',
    registers: [registry],
    async collect () {
      const row = await store.db.selectFrom('webhook_inbox').select((eb) => eb.fn.countAll<number>().as('n')).where('processed_at', 'is', null).executeTakeFirst()
      this.set(Number(row?.n ?? 0))
    },
  })
  new Gauge({
    name: 'switchboard_webhook_lag_seconds',
    help: 'Age of the oldest webhook stored and not yet processed (0 when none wait)',
    registers: [registry],
    async collect () {
      const row = await store.db.selectFrom('webhook_inbox').select((eb) => eb.fn.min('received_at').as('oldest')).where('processed_at', 'is', null).executeTakeFirst()
      const oldest = row?.oldest
      this.set(oldest === null || oldest === undefined ? 0 : Math.max(0, (Date.now() - Date.parse(String(oldest))) / 1000))
    },
  })

  // Outbound webhooks (events/): what waits to go to customers' endpoints, all workspaces.
  new Gauge({
    name: 'switchboard_outbound_webhook_backlog',
    help: 'Outbound webhook deliveries not yet settled: due (to be sent now), retry (waiting for a later attempt), delivering (answer awaited), held (their endpoint is turned off)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect () {
      const now = new Date().toISOString()
      const rows = await store.db.selectFrom('webhook_deliveries as d').innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
        .select(['d.status', 'e.status as endpoint', (eb) => eb.case().when('d.next_attempt_at', '<=', now).then(1).else(0).end().as('due'), (eb) => eb.fn.countAll<number>().as('n')])
        .where('d.status', 'in', ['pending', 'delivering']).groupBy(['d.status', 'e.status', 'due']).execute()
      const counts = { due: 0, retry: 0, delivering: 0, held: 0 }
      for (const row of rows) {
        const state = row.status === 'delivering' ? 'delivering' : row.endpoint !== 'active' ? 'held' : Number(row.due) === 1 ? 'due' : 'retry'
        counts[state] += Number(row.n)
      }
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n)
    },
  })
  new Gauge({
    name: 'switchboard_outbound_webhook_lag_seconds',
    help: 'How long the longest-waiting due outbound webhook delivery to an active endpoint has been due (0 when none is): workers falling behind, or a contact\'s deliveries held behind a failing one',
    registers: [registry],
    async collect () {
      const now = Date.now()
      const row = await store.db.selectFrom('webhook_deliveries as d').innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
        .select((eb) => eb.fn.min('d.next_attempt_at').as('oldest'))
        .where('d.status', '=', 'pending').where('e.status', '=', 'active').where('d.next_attempt_at', '<=', new Date(now).toISOString()).executeTakeFirst()
      const oldest = row?.oldest
      this.set(oldest === null || oldest === undefined ? 0 : Math.max(0, (now - Date.parse(String(oldest))) / 1000))
    },
  })

  return {
    registry,
    observeRequest (method, route, status, seconds) {
      requests.observe({ method, route, status: String(status) }, seconds)
    },
    watchSender (stats) {
      senderStats = stats
    },
    statusListener (event) {
      // Counted as the status is applied, inside its transaction: a rolled-back batch that
      // is retried counts twice. Good enough for a rate; the store has the exact record.
      statuses.inc({ status: event.status })
    },
    render: () => registry.metrics(),
  }
}

/**
 * Whether a scrape may read the metrics: the bearer token when one is set; else only a
 * direct loopback connection. A reverse proxy on the same machine also connects from
 * loopback, so a request that names a client it was forwarded for is refused.
 */
export function mayScrape (token: string | undefined, request: { headers: http.IncomingHttpHeaders, socket: { remoteAddress?: string | undefined } }): boolean {
  const authorization = request.headers.authorization
  if (token === undefined) {
    const remote = request.socket.remoteAddress
    const loopback = remote === '127.0.0.1' || remote === '::1' || remote === '::ffff:127.0.0.1'
    const forwarded = request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined || request.headers['x-real-ip'] !== undefined
    return loopback && !forwarded
  }
  const given = /^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? ''
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * `/metrics` for a process without an HTTP server of its own (the campaign worker), on
 * `port`. Anything else, or a scrape that may not read them, is a 404.
 */
export function serveMetrics (metrics: Metrics, options: { host: string, port: number, token: string | undefined }): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0]
    if (request.method !== 'GET' || path !== '/metrics' || !mayScrape(options.token, request)) {
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'SB_NOT_FOUND', message: ERRORS.SB_NOT_FOUND.message }))
      return
    }
    metrics.render().then((text) => {
      response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text)
    }, () => {
      response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'SB_STORE_UNAVAILABLE', message: ERRORS.SB_STORE_UNAVAILABLE.message }))
    })
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve(server))
  })
}
