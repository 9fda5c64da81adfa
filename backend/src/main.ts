import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { migrateToLatest, openStore } from './store/database.js'
import { startWhatsappRuntime } from './whatsapp/runtime.js'
import { createCampaignSender } from './campaigns/sender/sender.js'
import { startRetentionSweeper } from './privacy/retention.js'
import { exclusiveJob } from './store/exclusive-job.js'
import { loggerOptions } from './logging.js'

/**
 * Process entry: config → store (migrated) → app → listen, and a graceful close on
 * SIGINT/SIGTERM that stops accepting requests, finishes those in flight, then closes
 * the store so SQLite checkpoints its WAL.
 */
async function main (): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Switchboard cannot start: ${error.message}\n`)
      process.exit(2)
    }
    throw error
  }
  const store = openStore(config)
  const migrations = await migrateToLatest(store)
  const whatsapp = await startWhatsappRuntime(config.whatsapp, config.host)
  const app = await buildApp({ config, store, whatsapp, logger: loggerOptions(config.logLevel, process.stdout.isTTY === true) })
  for (const result of migrations.results ?? []) app.log.info({ migration: result.migrationName, status: result.status }, 'migration')

  let sender: ReturnType<typeof createCampaignSender> | undefined
  let stopRetention: (() => void) | undefined
  let closing = false
  const close = async (signal: string): Promise<void> => {
    if (closing) return
    closing = true
    // /ready turns 503 at once, so a proxy stops sending work before the process stops taking it.
    app.lifecycle.draining = true
    app.log.info({ signal }, 'shutting down')
    const force = setTimeout(() => process.exit(1), whatsapp.timeoutMs + 10_000)
    force.unref()
    // Sends in flight are answered and written before the store closes.
    stopRetention?.()
    await Promise.all([sender?.stop(), app.services.events.worker.stop()])
    await app.close()
    await whatsapp.sandbox?.close()
    await store.close()
    process.exit(0)
  }
  process.on('SIGINT', (s) => void close(s))
  process.on('SIGTERM', (s) => void close(s))

  await app.listen({ port: config.port, host: config.host })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.port
  // The sandbox plays Meta: its signed webhooks come back to this process's receiver over real HTTP.
  await whatsapp.sandbox?.setWebhookUrl(`http://${config.host}:${port}/webhooks/whatsapp`)
  // Webhooks are stored by the receiver and processed here; the webhook plugin stops this on close.
  // With RUN_WORKERS=false they, outbound webhook deliveries and campaigns are left to `npm run worker` processes;
  // RUN_SENDER=false leaves only the sending to them.
  if (config.runWorkers) {
    app.services.whatsapp.webhooks.processor.start({ logger: app.log.child({ worker: 'webhook-inbox' }) })
    // Outbound webhooks go out from here and from every `npm run worker` (claims keep them apart).
    app.services.events.worker.start({ logger: app.log.child({ worker: 'webhook-deliveries' }) })
    if (config.runSender) {
      sender = createCampaignSender({ store, services: app.services, runtime: whatsapp, options: { logger: app.log.child({ worker: 'campaign-sender' }) } })
      sender.start()
      const running = sender
      app.metrics.watchSender(() => running.stats())
    }
    stopRetention = startRetentionSweeper(app.services.retention, app.log.child({ worker: 'retention' }), { exclusive: exclusiveJob(store, 'retention-sweep') })
  }
  const workspaces = await app.services.workspaces.listAll()
  const lines = [
    '',
    `Switchboard is running at ${config.publicUrl}  (store: ${store.dialect} ${store.location})`,
    `  health: ${config.publicUrl}/health    API docs: ${config.publicUrl}/docs    web app: ${config.publicUrl}/app`,
    whatsapp.sandbox === undefined
      ? `  WhatsApp: Meta app ${whatsapp.appId ?? ''} via ${whatsapp.graphUrl}`
      : `  WhatsApp: SANDBOX MODE (no META_APP_ID set): a local Cloud API stand-in at ${whatsapp.sandbox.url} plays Meta.\n    Connect it: POST /api/v1/whatsapp/connection/sandbox   Simulate a customer: POST ${whatsapp.sandbox.url}/_sandbox/inbound/text`,
    workspaces.length === 0
      ? '  No workspace yet. Create one and get an API token with:\n    npm run cli -- workspace create --name "Acme" --owner-email you@example.com --owner-name "Your Name"'
      : `  ${workspaces.length} workspace(s). New API token: npm run cli -- token create --email <your email>`,
    '',
  ]
  process.stdout.write(lines.join('\n') + '\n')
}

main().catch((error: unknown) => {
  process.stderr.write(`Switchboard failed to start: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
