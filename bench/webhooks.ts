/**
 * `npx tsx bench/webhooks.ts` (and the second half of `npm run bench`): Meta's webhook
 * traffic against the real backend in its own process, in meta mode with a known app
 * secret and the workers on. Signed single-status webhooks in Meta's envelope (sent,
 * delivered, read for each of a set of seeded outbound messages) are fired with autocannon
 * at rising fixed rates and then flat out; for each run it prints how many were
 * acknowledged per second, the time to acknowledge (p50/p99), errors, and how far the
 * inbox processor is behind (rows pending, rows processed per second). Two baselines run
 * in the same run (the machine is shared and noisy): bare Fastify answering the same
 * POSTs without verifying or storing them, and the bare `GET /hello` of `bench/run.ts`.
 *
 * autocannon's fixed rate is a per-connection quota per second, sent back to back and then
 * idle until the next second: bursts at full speed, so latencies at fixed rates are those
 * of the bursts (pessimistic next to Meta's steadier, concurrent delivery).
 *
 * Target (issue 3): >= 3,000 acknowledged webhooks/s sustained on 2 cores (three statuses
 * per message at 1,000 messages/s), p99 well under 100 ms, and processing keeping up.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import { loadConfig } from '../backend/src/config.js'
import { migrateToLatest, openStore, type Store } from '../backend/src/store/database.js'
import { createServices } from '../backend/src/services.js'
import { newId, nowIso } from '../backend/src/ids.js'
import { asciiJson, signWebhookBody } from '../backend/src/whatsapp/cloud-api/webhook-signature.js'
import type { MessageStatus, WebhookEnvelope } from '../backend/src/whatsapp/cloud-api/webhook-types.js'

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8)
const RATES = (process.env['BENCH_WEBHOOK_RATES'] ?? '1000,2000,3000,4000').split(',').map(Number)
const FIXED_RATE_CONNECTIONS = 32
const MAX_CONNECTIONS = 50
const APP_PORT = 18797
const BARE_PORT = 18798
const BARE_WEBHOOK_PORT = 18799
const TSX = path.resolve('node_modules/.bin/tsx')
// The backend entry to start; another entry can be named to compare builds.
const SERVER_ENTRY = process.env['BENCH_SERVER_ENTRY'] ?? 'backend/src/main.ts'
const APP_SECRET = 'bench-app-secret-0123456789abcdef'
const WABA_ID = '102290129340398'
const PHONE_NUMBER_ID = '106540352242922'

interface Measurement { rps: number, p50: number, p99: number, errors: number, sent: number }

/** `--bare`: the baseline server, Fastify reading the same raw bodies and answering 200 without verifying or storing them. */
async function bareWebhookServer (): Promise<void> {
  const { default: Fastify } = await import('fastify')
  const app = Fastify({ logger: false, bodyLimit: 3 * 1024 * 1024 })
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
  app.post('/webhooks/whatsapp', async (_request, reply) => reply.code(200).send())
  await app.listen({ port: Number(process.env['PORT']), host: '127.0.0.1' })
  process.stdout.write('ready\n')
}

function start (args: string[], env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      output += String(chunk)
      if (/ready|running at/.test(output)) resolve(child)
    })
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)))
  })
}

/** One signed webhook per status, in Meta's envelope, as the sandbox and Meta send them (ASCII-escaped, signed over those bytes). */
function webhooksFor (wamids: string[]): Array<{ body: string, signature: string }> {
  const out: Array<{ body: string, signature: string }> = []
  const base = Math.floor(Date.now() / 1000)
  wamids.forEach((wamid, i) => {
    const recipient = `1650555${String(i % 10000).padStart(4, '0')}`
    const pricing = { billable: true, pricing_model: 'PMP' as const, type: 'regular' as const, category: 'marketing' as const }
    const statuses: MessageStatus[] = [
      { id: wamid, status: 'sent', timestamp: String(base + 1), recipient_id: recipient, biz_opaque_callback_data: `cmp_bench:rcp_${i}`, pricing },
      { id: wamid, status: 'delivered', timestamp: String(base + 2), recipient_id: recipient, biz_opaque_callback_data: `cmp_bench:rcp_${i}`, pricing },
      { id: wamid, status: 'read', timestamp: String(base + 5), recipient_id: recipient, biz_opaque_callback_data: `cmp_bench:rcp_${i}` },
    ]
    for (const status of statuses) {
      const envelope: WebhookEnvelope = {
        object: 'whatsapp_business_account',
        entry: [{ id: WABA_ID, changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID }, statuses: [status] } }] }],
      }
      const body = asciiJson(envelope)
      out.push({ body, signature: signWebhookBody(APP_SECRET, body) })
    }
  })
  return out
}

async function inboxCounts (store: Store): Promise<{ total: number, processed: number }> {
  const rows = await store.db.selectFrom('webhook_inbox')
    .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.count<number>('processed_at').as('processed')])
    .executeTakeFirstOrThrow()
  return { total: Number(rows.total), processed: Number(rows.processed) }
}

async function main (): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-webhooks-'))
  const env = {
    DATA_DIR: dataDir, PORT: String(APP_PORT), LOG_LEVEL: 'warn', RUN_WORKERS: 'true',
    META_APP_ID: '1234567890123456', WHATSAPP_APP_SECRET: APP_SECRET, WHATSAPP_VERIFY_TOKEN: 'bench-verify-token',
    // Nothing is sent in this benchmark; a closed local port stands in for Meta's Graph API.
    GRAPH_API_URL: 'http://127.0.0.1:9',
  }
  const config = loadConfig(env)
  const store = openStore(config)
  await migrateToLatest(store)
  const services = createServices(store, config)
  const created = await services.onboarding.createWorkspace({ name: 'Bench', ownerEmail: 'bench@bench.example', ownerName: 'Bench', defaultCountry: 'US' })
  const ws = created.workspace.id
  const { connections } = services.whatsapp
  const connection = await connections.ensure(ws, 'meta')
  await connections.update(ws, { waba_id: WABA_ID, status: 'connected', signup_step: 'done' })
  await connections.upsertNumber(ws, connection.id, {
    id: PHONE_NUMBER_ID, displayPhoneNumber: '+1 555-078-3881', verifiedName: 'Bench', qualityRating: 'GREEN',
    messagingLimitTier: 'TIER_UNLIMITED', throughputLevel: 'HIGH', throughputPerSecond: 1000, registered: true,
  })

  // Enough accepted outbound messages for every status of every run, the flat-out one included.
  const messages = Math.ceil((RATES.reduce((a, b) => a + b, 0) * SECONDS + 12_000 * SECONDS + 2000) / 3)
  process.stdout.write(`\nwebhooks: seeding ${messages.toLocaleString('en')} accepted messages and signing ${(messages * 3).toLocaleString('en')} status webhooks … `)
  const seedStart = Date.now()
  const wamids: string[] = []
  await store.db.transaction().execute(async (trx) => {
    const now = nowIso()
    for (let i = 0; i < messages; i += 500) {
      const rows = []
      for (let j = i; j < Math.min(messages, i + 500); j++) {
        const wamid = `wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI${String(j).padStart(10, '0')}QkVOQ0gA`
        wamids.push(wamid)
        rows.push({
          id: newId('message'), workspace_id: ws, contact_id: null, phone_number_id: PHONE_NUMBER_ID, direction: 'out' as const, wamid,
          wa_id: `1650555${String(j % 10000).padStart(4, '0')}`, type: 'template', body: null, template_name: 'welcome_offer', template_language: 'en_US',
          status: 'accepted' as const, status_at: now, error_code: null, error_title: null, context_wamid: null, author_user_id: null, source: 'campaign', created_at: now,
        })
      }
      await trx.insertInto('wa_messages').values(rows).execute()
    }
  })
  const webhooks = webhooksFor(wamids)
  process.stdout.write(`${((Date.now() - seedStart) / 1000).toFixed(1)} s (${webhooks[0]!.body.length} bytes each)\n`)

  const app = await start([SERVER_ENTRY], env)
  const bare = await start(['bench/bare-server.ts'], { PORT: String(BARE_PORT) })
  const bareWebhooks = await start(['bench/webhooks.ts', '--bare'], { PORT: String(BARE_WEBHOOK_PORT) })
  let next = 0
  const ports = { app: APP_PORT, bare: BARE_PORT, bareWebhooks: BARE_WEBHOOK_PORT }
  const fire = async (target: keyof typeof ports, overallRate?: number): Promise<Measurement> => {
    const result = await autocannon({
      url: `http://127.0.0.1:${ports[target]}`,
      connections: overallRate === undefined ? MAX_CONNECTIONS : FIXED_RATE_CONNECTIONS,
      duration: SECONDS,
      ...(overallRate === undefined ? {} : { overallRate }),
      requests: [{
        setupRequest: (request) => {
          if (target === 'bare') return { ...request, method: 'GET', path: '/hello' }
          const hook = webhooks[next++ % webhooks.length]!
          return { ...request, method: 'POST', path: '/webhooks/whatsapp', body: hook.body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': hook.signature } }
        },
      }],
    })
    return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx + result.timeouts, sent: result.requests.total }
  }

  try {
    // Warm-up (JIT, statement cache), not recorded.
    await fire('app', 500)
    await fire('bare', 500)
    await fire('bareWebhooks', 500)
    const bareMax = await fire('bare')
    const bareWebhooksMax = await fire('bareWebhooks')

    const rows: Array<Record<string, string | number>> = []
    const runs: Array<{ label: string, rate: number | undefined }> = [...RATES.map((rate) => ({ label: `${rate.toLocaleString('en')}/s fixed`, rate })), { label: 'max', rate: undefined }]
    for (const run of runs) {
      const before = await inboxCounts(store)
      const startedAt = Date.now()
      const m = await fire('app', run.rate)
      const seconds = (Date.now() - startedAt) / 1000
      const after = await inboxCounts(store)
      rows.push({
        run: run.label,
        'acked/s': Math.round(m.rps),
        'p50 ms': m.p50,
        'p99 ms': m.p99,
        errors: m.errors,
        'processed/s': Math.round((after.processed - before.processed) / seconds),
        'pending at end': after.total - after.processed,
      })
      process.stdout.write(`webhooks ${run.label}: ${Math.round(m.rps)} acked/s, p99 ${m.p99} ms, ${after.total - after.processed} pending\n`)
      // Let the processor catch up before the next run, so each run starts from an empty inbox.
      const drainStart = Date.now()
      let progressAt = Date.now()
      let processed = after.processed
      for (;;) {
        const counts = await inboxCounts(store)
        if (counts.total === counts.processed) break
        if (counts.processed > processed) {
          processed = counts.processed
          progressAt = Date.now()
        } else if (Date.now() - progressAt > 3000) {
          break
        }
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      rows[rows.length - 1]!['catch-up s'] = Number(((Date.now() - drainStart) / 1000).toFixed(1))
    }
    const baseline = (run: string, m: Measurement): Record<string, string | number> => ({ run, 'acked/s': Math.round(m.rps), 'p50 ms': m.p50, 'p99 ms': m.p99, errors: m.errors, 'processed/s': '', 'pending at end': '', 'catch-up s': '' })
    rows.push(baseline('baseline: bare Fastify, same POSTs, no check (max)', bareWebhooksMax))
    rows.push(baseline('baseline: bare Fastify GET /hello (max)', bareMax))

    const final = await inboxCounts(store)
    const statuses = await store.db.selectFrom('wa_messages').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).where('status', '!=', 'accepted').groupBy('status').execute()
    process.stdout.write(`\nSigned single-status webhooks (Meta envelope), ${FIXED_RATE_CONNECTIONS} connections at fixed rates, ${MAX_CONNECTIONS} at max, ${SECONDS} s per run, ${os.cpus().length} cores, Node ${process.version}\n`)
    console.table(rows)
    process.stdout.write(`inbox: ${final.total.toLocaleString('en')} stored, ${final.processed.toLocaleString('en')} processed; messages by status: ${statuses.map((s) => `${s.status} ${Number(s.n).toLocaleString('en')}`).join(', ')}\n`)
    if (final.processed === 0) process.stdout.write(`no row was processed: ${SERVER_ENTRY} does not run the inbox processor (RUN_WORKERS)\n`)
  } finally {
    app.kill('SIGTERM')
    bare.kill('SIGTERM')
    bareWebhooks.kill('SIGTERM')
    await store.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

if (process.argv.includes('--bare')) await bareWebhookServer()
else await main()
