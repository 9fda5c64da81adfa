/**
 * `npm run loadtest`: 200 concurrent add-on users against one API process while a
 * campaign sends through the sandbox and its webhooks flow back, on SQLite and then on
 * PostgreSQL (when one answers at LOADTEST_DATABASE_URL, default the local server).
 * Loopback only, bounded in time.
 *
 * The users, one connection each and one request a second each (LOADTEST_RATE_PER_USER):
 * 120 looking up the sender of an open email (POST /addon/view), 60 logging emails
 * (POST /emails/log, each a new Message-ID), 20 sending a WhatsApp template to a contact
 * (POST /contacts/:id/whatsapp). Printed per route: requests, non-2xx, errors, p50 and p99 latency;
 * the campaign's progress over the run; and the API process's resident memory sampled
 * every second (first and last quarter medians: flat means the last is within 15 %).
 *
 * Environment: LOADTEST_SECONDS (60; 600 for the soak), LOADTEST_MIX (connections per route: 120,60,20), LOADTEST_CONTACTS (20000),
 * LOADTEST_CAMPAIGN (5000), LOADTEST_STORES (sqlite,postgres), LOADTEST_DATABASE_URL.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import pg from 'pg'
import { loadConfig } from '../backend/src/config.js'
import { migrateToLatest, openStore, type Store } from '../backend/src/store/database.js'
import { createServices } from '../backend/src/services.js'
import { seedCrm, type SeededCrm } from './seed.js'

const SECONDS = Number(process.env['LOADTEST_SECONDS'] ?? 60)
const CONTACTS = Number(process.env['LOADTEST_CONTACTS'] ?? 20_000)
const CAMPAIGN = Number(process.env['LOADTEST_CAMPAIGN'] ?? 5_000)
const STORES = (process.env['LOADTEST_STORES'] ?? 'sqlite,postgres').split(',').map((s) => s.trim())
/** Connections per route (view, log, send): the 200 users by default. */
const MIX = (process.env['LOADTEST_MIX'] ?? '120,60,20').split(',').map(Number)
/**
 * Requests per second each user makes (default 1: a busy user clicking every second).
 * Users wait for their answer before the next, so a slow server is not buried under
 * requests no person would send; 0 means no pause at all (a stress test, not users).
 */
const RATE_PER_USER = Number(process.env['LOADTEST_RATE_PER_USER'] ?? 1)
const ADMIN_URL = process.env['LOADTEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const PORT = 18890
const SANDBOX_PORT = 18891

interface RouteResult { route: string, requests: number, non2xx: number, errors: number, p50: number, p99: number }

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!
}

/**
 * Resident memory in MB, whole and split: anonymous (the JS heap, native allocations,
 * SQLite's page cache, which fills up to its 64 MB) and file-backed (pages of the SQLite
 * file mapped by mmap, which grow with the file and belong to the kernel's page cache).
 */
function rssMb (pid: number): { rss: number, anon: number, file: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
  return { rss: kb('VmRSS') / 1024, anon: kb('RssAnon') / 1024, file: kb('RssFile') / 1024 }
}

async function api<T> (token: string, method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${PORT}/api/v1${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`)
  return (text === '' ? undefined : JSON.parse(text)) as T
}

function startApi (env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // Node itself (not the tsx wrapper), so the memory sampled is the API's.
    const child = spawn(process.execPath, ['--import', 'tsx', 'backend/src/main.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      output += String(chunk)
      if (output.includes('running at')) resolve(child)
    })
    child.on('exit', (code) => reject(new Error(`the API exited with ${code}: ${output.slice(-2000)}`)))
  })
}

async function prepare (store: Store, dataDir: string, databaseUrl: string | undefined): Promise<{ token: string, seeded: SeededCrm }> {
  const config = loadConfig({ DATA_DIR: dataDir, ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }) })
  const services = createServices(store, config)
  const created = await services.onboarding.createWorkspace({ name: 'Load', ownerEmail: 'owner@load.example', ownerName: 'Owner', ownerPassword: 'correct horse battery', defaultCountry: 'US' })
  const seeded = await seedCrm(store, created.workspace.id, created.owner.id, CONTACTS)
  return { token: created.token, seeded }
}

async function run (storeName: string): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-loadtest-'))
  let databaseUrl: string | undefined
  let dropDatabase = async (): Promise<void> => {}
  if (storeName === 'postgres') {
    const name = `sb_loadtest_${process.pid}`
    const admin = new pg.Client({ connectionString: ADMIN_URL })
    await admin.connect()
    await admin.query(`drop database if exists ${name}`)
    await admin.query(`create database ${name}`)
    await admin.end()
    const url = new URL(ADMIN_URL)
    url.pathname = `/${name}`
    databaseUrl = url.toString()
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL })
      await c.connect()
      await c.query(`drop database if exists ${name} with (force)`)
      await c.end()
    }
  }
  const store = openStore({ dataDir, databaseUrl })
  await migrateToLatest(store)
  process.stdout.write(`\n== ${storeName}: seeding ${CONTACTS.toLocaleString('en')} contacts …`)
  const { token, seeded } = await prepare(store, dataDir, databaseUrl)
  process.stdout.write(' done\n')

  const child = await startApi({
    DATA_DIR: dataDir, PORT: String(PORT), HOST: '127.0.0.1', SANDBOX_PORT: String(SANDBOX_PORT), LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '10000000', ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
  })
  try {
    const connection = await api<{ numbers: Array<{ id: string }> }>(token, 'POST', '/whatsapp/connection/sandbox')
    const numberId = connection.numbers[0]!.id
    // A number Meta has raised to 1,000/s and unlimited users, so the add-on sends and the campaign share it without 130429.
    await fetch(`http://127.0.0.1:${SANDBOX_PORT}/_sandbox/throughput`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phoneNumberId: numberId, perSecond: 1000 }) })
    await store.db.updateTable('whatsapp_numbers').set({ throughput_per_second: 200, messaging_limit_tier: 'TIER_UNLIMITED' }).where('id', '=', numberId).execute()
    await api(token, 'POST', '/whatsapp/templates/sync')

    const campaign = await api<{ id: string }>(token, 'POST', '/campaigns', { name: 'Load', template: { name: 'hello_world', language: 'en_US' } })
    for (let start = 0; start < CAMPAIGN; start += 1000) {
      const rows = seeded.contacts.slice(CONTACTS - CAMPAIGN + start, CONTACTS - CAMPAIGN + start + 1000).map((c, i) => ({ rowKey: `r${start + i}`, phone: c.phone, variables: {} }))
      await fetch(`http://127.0.0.1:${PORT}/api/v1/campaigns/${campaign.id}/recipients`, {
        method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `load-${campaign.id}-${start}` }, body: JSON.stringify({ rows }),
      })
    }
    await api(token, 'POST', `/campaigns/${campaign.id}/start`, {})

    const rss: Array<{ rss: number, anon: number, file: number }> = []
    const sampler = setInterval(() => { try { rss.push(rssMb(child.pid!)) } catch {} }, 1000)
    let counter = 0
    // Sends go to the first contacts, the campaign to the last ones: no pair-rate clash.
    const sendable = seeded.contacts.slice(0, Math.max(1, CONTACTS - CAMPAIGN))
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    const routes: Array<{ route: string, connections: number, overallRate?: number, request: () => { method: 'POST', path: string, body: string } }> = [
      {
        route: 'POST /api/v1/addon/view',
        connections: MIX[0]!,
        request: () => ({ method: 'POST', path: '/api/v1/addon/view', body: JSON.stringify({ emails: [seeded.contacts[(counter++ * 7919) % CONTACTS]!.email] }) }),
      },
      {
        route: 'POST /api/v1/emails/log',
        connections: MIX[1]!,
        request: () => {
          const n = counter++
          const contact = seeded.contacts[(n * 104729) % CONTACTS]!
          return { method: 'POST', path: '/api/v1/emails/log', body: JSON.stringify({ contactId: contact.id, email: { messageId: `<load-${n}-${Date.now()}@load.example>`, subject: `Load ${n}`, from: contact.email, to: ['owner@load.example'], date: new Date().toISOString() } }) }
        },
      },
      {
        route: 'POST /api/v1/contacts/:id/whatsapp',
        connections: MIX[2]!,
        overallRate: MIX[2]!,
        request: () => ({ method: 'POST', path: `/api/v1/contacts/${sendable[(counter++) % sendable.length]!.id}/whatsapp`, body: JSON.stringify({ template: { name: 'hello_world', language: 'en_US' } }) }),
      },
    ]
    // One send first: a broken route fails here with its answer, not as a column of timeouts.
    const warmup = Date.now()
    await api(token, 'POST', `/contacts/${sendable[sendable.length - 1]!.id}/whatsapp`, { template: { name: 'hello_world', language: 'en_US' } })
    process.stdout.write(`one template send before the load: ${Date.now() - warmup} ms\n`)
    const progressBefore = await api<{ counts: Record<string, number> }>(token, 'GET', `/campaigns/${campaign.id}`)
    const results = await Promise.all(routes.filter((r) => r.connections > 0).map(async (r): Promise<RouteResult> => {
      const result = await autocannon({
        url: `http://127.0.0.1:${PORT}`,
        connections: r.connections,
        duration: SECONDS,
        timeout: 30,
        ...(RATE_PER_USER > 0 ? { overallRate: r.connections * RATE_PER_USER } : r.overallRate === undefined ? {} : { overallRate: r.overallRate }),
        requests: [{ method: 'POST', headers, setupRequest: (req) => ({ ...req, ...r.request() }) }],
      })
      return { route: r.route, requests: result.requests.total, non2xx: result.non2xx, errors: result.errors + result.timeouts, p50: result.latency.p50, p99: result.latency.p99 }
    }))
    clearInterval(sampler)
    const progressAfter = await api<{ state: string, counts: Record<string, number> }>(token, 'GET', `/campaigns/${campaign.id}`)

    const users = routes.reduce((sum, r) => sum + r.connections, 0)
    process.stdout.write(`${SECONDS} s, ${users} users (${RATE_PER_USER > 0 ? `${RATE_PER_USER} request/s each` : 'no pause between requests'}), API on ${storeName}\n`)
    process.stdout.write('route                               requests   non-2xx  errors   p50 ms   p99 ms\n')
    for (const r of results) {
      process.stdout.write(`${r.route.padEnd(36)}${String(r.requests).padStart(8)}${String(r.non2xx).padStart(10)}${String(r.errors).padStart(8)}${String(r.p50).padStart(9)}${String(r.p99).padStart(9)}\n`)
    }
    const done = (c: Record<string, number>): number => c['total']! - c['pending']! - c['sending']!
    process.stdout.write(`campaign while loaded: ${done(progressBefore.counts)} → ${done(progressAfter.counts)} of ${CAMPAIGN} sent or settled (${progressAfter.state}); delivered ${progressAfter.counts['delivered']}, read ${progressAfter.counts['read']}\n`)
    const quarter = Math.max(1, Math.floor(rss.length / 4))
    const quarterMedian = (k: 'rss' | 'anon' | 'file', q: number): number => median(rss.slice(q * quarter, (q + 1) * quarter).map((r) => r[k]))
    const line = (k: 'rss' | 'anon' | 'file'): string => [0, 1, 2, 3].map((q) => quarterMedian(k, q).toFixed(0)).join(' → ')
    // Caches fill early and then hold; a leak keeps growing to the end: compare the last two quarters.
    const anonGrowth = quarterMedian('anon', 3) - quarterMedian('anon', 2)
    process.stdout.write(`API resident memory by quarter (medians, MB): all ${line('rss')} (peak ${Math.max(...rss.map((r) => r.rss)).toFixed(0)}); anonymous ${line('anon')}; file-backed ${line('file')}\n`)
    process.stdout.write(`anonymous memory over the last half: ${anonGrowth >= 0 ? '+' : ''}${anonGrowth.toFixed(0)} MB: ${anonGrowth <= Math.max(10, quarterMedian('anon', 2) * 0.05) ? 'flat' : 'GROWING'}\n`)
    const failed = results.reduce((sum, r) => sum + r.non2xx + r.errors, 0)
    if (failed > 0) process.exitCode = 1
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
    await store.close()
    await dropDatabase()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

for (const storeName of STORES) {
  if (storeName !== 'sqlite' && storeName !== 'postgres') throw new Error(`LOADTEST_STORES: unknown store ${storeName}`)
  await run(storeName)
}
