import { sql } from 'kysely'
import { ConfigError, loadConfig, type Config } from '../../config.js'
import { migrateToLatest, openStore } from '../../store/database.js'
import { createServices } from '../../services.js'
import { metaRuntime, type WhatsappRuntime } from '../../whatsapp/runtime.js'
import { createCampaignSender, type CampaignSenderOptions, type WorkerLogger } from './sender.js'
import { createHttpFetch } from './http-fetch.js'
import { createMetrics, serveMetrics } from '../../system/metrics.js'
import type { Server } from 'node:http'

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const

/** JSON lines on stdout, like the API's logs; callers pass ids and counts only, never numbers or content. */
function jsonLogger (level: Config['logLevel']): WorkerLogger {
  const floor = level === 'silent' ? Number.POSITIVE_INFINITY : LEVELS.indexOf(level)
  const write = (name: typeof LEVELS[number]) => (details: object, msg: string): void => {
    if (LEVELS.indexOf(name) < floor) return
    process.stdout.write(JSON.stringify({ level: name, time: new Date().toISOString(), pid: process.pid, name: 'campaign-sender', ...details, msg }) + '\n')
  }
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
}

function positive (env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]
  if (raw === undefined || raw === '') return undefined
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new ConfigError(name, `expected a positive whole number, got "${raw}"`)
  return Number(raw)
}

/**
 * Who plays Meta for the worker. With a Meta app configured, Graph at GRAPH_API_URL. In
 * sandbox mode the API process runs the sandbox on SANDBOX_PORT, so the worker calls it
 * there unless GRAPH_API_URL names another (a stand-alone `npm run sandbox`). The token
 * comes from the store, sealed with the same key as the API's.
 */
function workerRuntime (config: Config, env: NodeJS.ProcessEnv): WhatsappRuntime {
  const runtime = metaRuntime(config.whatsapp)
  const explicitUrl = env['GRAPH_API_URL'] !== undefined && env['GRAPH_API_URL'] !== ''
  if (config.whatsapp.mode === 'sandbox' && !explicitUrl) runtime.graphUrl = `http://${config.host}:${config.whatsapp.sandboxPort}`
  const timeoutMs = positive(env, 'SENDER_TIMEOUT_MS')
  if (timeoutMs !== undefined) runtime.timeoutMs = timeoutMs
  return runtime
}

/**
 * `npm run worker`: the background work as its own process, over the same store as the
 * API (config → store → runtime → sender, webhook inbox processor and outbound webhook
 * deliveries). SIGTERM or SIGINT stop claiming, wait for the
 * sends in flight to be answered and written, then close the store. A SIGKILL loses
 * nothing either: recipients in flight become `unknown` when their lease runs out.
 *
 * Worker-only settings: SENDER_TIMEOUT_MS (Cloud API answer timeout), SENDER_LEASE_MS,
 * SENDER_MAX_IN_FLIGHT.
 */
async function main (): Promise<void> {
  let config: Config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Campaign sender cannot start: ${error.message}\n`)
      process.exit(2)
    }
    throw error
  }
  const env = process.env
  const logger = jsonLogger(config.logLevel)
  const store = openStore(config)
  await migrateToLatest(store)
  if (store.dialect === 'sqlite') {
    // The sender touches a small hot set (due recipients, the campaign row, a bucket): the
    // API's 64 MB page cache and 1 GB memory map would mostly hold pages it wrote once,
    // counted as its resident memory.
    await sql`pragma cache_size = -16384`.execute(store.db)
    await sql`pragma mmap_size = 67108864`.execute(store.db)
    // Each checkpoint writes back every page changed since the last, then syncs; the same
    // hot pages change in every transaction, so checkpointing every 32 MB of WAL instead
    // of every 4 MB halved the time spent committing at 1,000 sends/s.
    await sql`pragma wal_autocheckpoint = 8000`.execute(store.db)
  }
  const runtime = workerRuntime(config, env)
  // Cloud API clients take the global fetch when they are made, and in this process they
  // are its only user: node:http instead of undici is a third of a core at 1,000 sends/s.
  globalThis.fetch = createHttpFetch()
  const services = createServices(store, config, runtime)
  const options: CampaignSenderOptions = { logger }
  const leaseMs = positive(env, 'SENDER_LEASE_MS')
  if (leaseMs !== undefined) options.leaseMs = leaseMs
  const maxInFlight = positive(env, 'SENDER_MAX_IN_FLIGHT')
  if (maxInFlight !== undefined) options.maxInFlight = maxInFlight
  const sender = createCampaignSender({ store, services, runtime, options })

  let metricsServer: Server | undefined
  let closing = false
  const close = async (signal: string): Promise<void> => {
    if (closing) return
    closing = true
    logger.info({ signal }, 'stopping')
    // In-flight sends end within the Cloud API timeout; past that, exit and let leases settle them.
    const force = setTimeout(() => process.exit(1), runtime.timeoutMs + 10_000)
    force.unref()
    metricsServer?.close()
    await Promise.all([sender.stop(), services.whatsapp.webhooks.processor.stop(), services.events.worker.stop()])
    await store.close()
    process.exit(0)
  }
  process.on('SIGINT', (s) => void close(s))
  process.on('SIGTERM', (s) => void close(s))

  sender.start()
  // The API stores webhooks as they arrive; with RUN_WORKERS=false there, processing them
  // (statuses and replies onto recipients, opt-outs, new contacts) is this process's job too.
  services.whatsapp.webhooks.processor.start({ logger })
  // Outbound webhooks (events for other tools): every worker process delivers them too.
  services.events.worker.start({ logger })
  // With METRICS_PORT, Prometheus scrapes this process's sends and statuses there.
  const metrics = createMetrics(store)
  metrics.watchSender(() => sender.stats())
  services.whatsapp.webhooks.onStatus(metrics.statusListener)
  metricsServer = config.metricsPort === 0 ? undefined : await serveMetrics(metrics, { host: config.host, port: config.metricsPort, token: config.metricsToken })
  // Always printed, whatever the log level: people and supervisors wait for this line.
  process.stdout.write(`Campaign sender ready: worker ${sender.workerId}, store ${store.dialect}, WhatsApp ${runtime.mode} via ${runtime.graphUrl}${metricsServer === undefined ? '' : `, metrics on ${config.host}:${config.metricsPort}/metrics`}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`Campaign sender failed to start: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
