/**
 * `npx tsx bench/events.ts` (the last part of `npm run bench`): what outbound webhooks cost
 * the webhook processor, and how fast deliveries go out. In the same run, on fresh SQLite
 * stores: Meta status webhooks (sent, delivered, read for each seeded message) are
 * processed by the inbox processor with the event listeners detached (as before outbound
 * webhooks existed), for a workspace without a webhook endpoint (every status asks
 * whether one exists), and for one whose endpoint takes `message.status` (each status also
 * writes its event and delivery in the same transaction); then the delivery worker sends
 * those events to a receiver on 127.0.0.1 that answers 204 at once.
 * Medians of three rounds; the ratio is the one that means anything on a shared machine.
 */
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { loadConfig } from '../backend/src/config.js'
import { migrateToLatest, openStore } from '../backend/src/store/database.js'
import { createServices } from '../backend/src/services.js'
import { newId, nowIso } from '../backend/src/ids.js'
import { asciiJson } from '../backend/src/whatsapp/cloud-api/webhook-signature.js'
import { attachWhatsappEvents } from '../backend/src/events/whatsapp-events.js'

const MESSAGES = Number(process.env['BENCH_EVENT_MESSAGES'] ?? 2000)
const ROUNDS = 3
const WABA_ID = '102290129340398'
const PHONE_NUMBER_ID = '106540352242922'

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

async function receiver (): Promise<{ url: string, received: () => number, close: () => Promise<void> }> {
  let count = 0
  const server = http.createServer((req, res) => {
    req.resume().on('end', () => { count += 1; res.writeHead(204).end() })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received: () => count,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}

/** One run on a fresh store: seconds to process every status webhook, and to deliver the events (when there is an endpoint). */
async function run (mode: 'detached' | 'none' | 'endpoint', hooks: { url: string }): Promise<{ processSeconds: number, deliverSeconds: number | undefined, events: number }> {
  const withEndpoint = mode === 'endpoint'
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-events-'))
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', WEBHOOKS_ALLOW_PRIVATE: 'true', META_APP_ID: '1234567890123456', WHATSAPP_APP_SECRET: 'bench-app-secret-0123456789abcdef', GRAPH_API_URL: 'http://127.0.0.1:9' })
  const store = openStore(config)
  try {
    await migrateToLatest(store)
    const services = createServices(store, config)
    const created = await services.onboarding.createWorkspace({ name: 'Bench', ownerEmail: 'bench@bench.example', ownerName: 'Bench', defaultCountry: 'US' })
    const ws = created.workspace.id
    const { connections, webhooks } = services.whatsapp
    const connection = await connections.ensure(ws, 'meta')
    await connections.update(ws, { waba_id: WABA_ID, status: 'connected', signup_step: 'done' })
    await connections.upsertNumber(ws, connection.id, {
      id: PHONE_NUMBER_ID, displayPhoneNumber: '+1 555-078-3881', verifiedName: 'Bench', qualityRating: 'GREEN',
      messagingLimitTier: 'TIER_UNLIMITED', throughputLevel: 'HIGH', throughputPerSecond: 1000, registered: true,
    })
    if (withEndpoint) await services.events.webhooks.create(ws, { url: hooks.url, eventTypes: ['message.status'] }, { userId: created.owner.id })
    // Attaching again returns the removal of the listeners createServices attached.
    if (mode === 'detached') attachWhatsappEvents(webhooks, services.events.outbox)()
    const now = nowIso()
    const base = Math.floor(Date.now() / 1000)
    const bodies: string[] = []
    await store.db.transaction().execute(async (trx) => {
      for (let i = 0; i < MESSAGES; i += 500) {
        const rows = []
        for (let j = i; j < Math.min(MESSAGES, i + 500); j++) {
          const wamid = `wamid.BENCH${String(j).padStart(10, '0')}`
          const recipient = `1650555${String(j % 10000).padStart(4, '0')}`
          rows.push({
            id: newId('message'), workspace_id: ws, contact_id: null, phone_number_id: PHONE_NUMBER_ID, direction: 'out' as const, wamid,
            wa_id: recipient, type: 'template', body: null, template_name: 'welcome_offer', template_language: 'en_US',
            status: 'accepted' as const, status_at: now, error_code: null, error_title: null, context_wamid: null, author_user_id: null, source: 'campaign', created_at: now,
          })
          for (const [k, status] of (['sent', 'delivered', 'read'] as const).entries()) {
            bodies.push(asciiJson({
              object: 'whatsapp_business_account',
              entry: [{ id: WABA_ID, changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID }, statuses: [{ id: wamid, status, timestamp: String(base + k), recipient_id: recipient }] } }] }],
            }))
          }
        }
        await trx.insertInto('wa_messages').values(rows).execute()
      }
    })
    await Promise.all(bodies.map((body) => webhooks.append(body)))
    const started = performance.now()
    await webhooks.processor.drain()
    const processSeconds = (performance.now() - started) / 1000
    const events = Number((await store.db.selectFrom('webhook_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)
    let deliverSeconds: number | undefined
    if (withEndpoint) {
      const worker = services.events.createWorker({ maxInFlight: 32 })
      const sending = performance.now()
      await worker.drain()
      deliverSeconds = (performance.now() - sending) / 1000
    }
    return { processSeconds, deliverSeconds, events }
  } finally {
    await store.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

async function main (): Promise<void> {
  const hooks = await receiver()
  const statuses = MESSAGES * 3
  const detached: number[] = []
  const without: number[] = []
  const withEndpoint: number[] = []
  const delivered: number[] = []
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const d = await run('detached', hooks)
      const a = await run('none', hooks)
      const b = await run('endpoint', hooks)
      if (d.events !== 0 || a.events !== 0 || b.events !== statuses) throw new Error(`expected 0, 0 and ${statuses} events, got ${d.events}, ${a.events} and ${b.events}`)
      detached.push(statuses / d.processSeconds)
      without.push(statuses / a.processSeconds)
      withEndpoint.push(statuses / b.processSeconds)
      delivered.push(b.events / b.deliverSeconds!)
      process.stdout.write(`events round ${round + 1}: ${Math.round(detached.at(-1)!)}, ${Math.round(without.at(-1)!)} and ${Math.round(withEndpoint.at(-1)!)} statuses/s processed, ${Math.round(delivered.at(-1)!)} deliveries/s\n`)
    }
  } finally {
    await hooks.close()
  }
  const before = median(detached)
  process.stdout.write(`\nOutbound webhooks, ${statuses.toLocaleString('en')} status webhooks per run, medians of ${ROUNDS} (SQLite):\n`)
  process.stdout.write('| | statuses/s | ratio |\n|---|---|---|\n')
  process.stdout.write(`| processed, event listeners detached (before outbound webhooks) | ${Math.round(before)} | 1 |\n`)
  process.stdout.write(`| processed, no endpoint in the workspace | ${Math.round(median(without))} | ${(median(without) / before).toFixed(2)} |\n`)
  process.stdout.write(`| processed, an endpoint taking message.status (event + delivery written per status) | ${Math.round(median(withEndpoint))} | ${(median(withEndpoint) / before).toFixed(2)} |\n`)
  process.stdout.write(`| delivered to a local receiver (signed, 32 in flight) | ${Math.round(median(delivered))} | |\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
  process.exit(1)
})
