/**
 * `npm run bench`: the add-on hot paths at 100,000 contacts, measured with autocannon
 * side by side with a bare Fastify route in the same run (the machine is shared and
 * noisy; only same-run ratios mean anything). Prints medians of several rounds.
 *
 * Targets (issue 2): throughput ratio to bare >= 0.5, and p99 < 10 ms at half of the
 * route's own maximum throughput.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import { loadConfig } from '../backend/src/config.js'
import { migrateToLatest, openStore } from '../backend/src/store/database.js'
import { createServices } from '../backend/src/services.js'
import { seedCrm, type SeededCrm } from './seed.js'

const CONTACTS = Number(process.env['BENCH_CONTACTS'] ?? 100_000)
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3)
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 6)
const CONNECTIONS = 50
const HALF_RATE_CONNECTIONS = 10
const APP_PORT = 18787
const BARE_PORT = 18788
const TSX = path.resolve('node_modules/.bin/tsx')

interface Target {
  name: string
  port: number
  request: (i: number) => { method: 'GET' | 'POST', path: string, body?: string }
  authorized: boolean
}

interface Measurement { rps: number, p50: number, p99: number, errors: number }

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
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

async function measure (target: Target, token: string, overallRate?: number): Promise<Measurement> {
  let i = 0
  const result = await autocannon({
    url: `http://127.0.0.1:${target.port}`,
    // At a fixed rate autocannon fires every connection at once each tick; 50 connections
    // would measure the queue of that burst, not the route. Ten is closer to independent users.
    connections: overallRate === undefined ? CONNECTIONS : HALF_RATE_CONNECTIONS,
    duration: SECONDS,
    ...(overallRate === undefined ? {} : { overallRate }),
    requests: [{
      setupRequest: (request) => {
        const next = target.request(i++)
        return {
          ...request,
          method: next.method,
          path: next.path,
          ...(next.body === undefined ? {} : { body: next.body }),
          headers: {
            ...(target.authorized ? { authorization: `Bearer ${token}` } : {}),
            ...(next.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
        }
      },
    }],
  })
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx + result.timeouts }
}

async function main (): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-bench-'))
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' })
  const store = openStore(config)
  await migrateToLatest(store)
  const services = createServices(store, config)
  const created = await services.onboarding.createWorkspace({ name: 'Bench', ownerEmail: 'bench@bench.example', ownerName: 'Bench', defaultCountry: 'US' })
  process.stdout.write(`seeding ${CONTACTS.toLocaleString('en')} contacts … `)
  const seedStart = Date.now()
  const seeded: SeededCrm = await seedCrm(store, created.workspace.id, created.owner.id, CONTACTS)
  process.stdout.write(`${((Date.now() - seedStart) / 1000).toFixed(1)} s\n`)
  await store.close()

  const app = await start(['backend/src/main.ts'], { DATA_DIR: dataDir, PORT: String(APP_PORT), SANDBOX_PORT: '0', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '10000000' })
  const bare = await start(['bench/bare-server.ts'], { PORT: String(BARE_PORT) })
  try {
    const pick = (i: number) => seeded.contacts[(i * 7919) % seeded.contacts.length]!
    const targets: Target[] = [
      { name: 'bare Fastify GET /hello (baseline)', port: BARE_PORT, authorized: false, request: () => ({ method: 'GET', path: '/hello' }) },
      { name: 'GET /api/v1/contacts/lookup?email=', port: APP_PORT, authorized: true, request: (i) => ({ method: 'GET', path: `/api/v1/contacts/lookup?email=${encodeURIComponent(pick(i).email)}` }) },
      { name: 'GET /api/v1/contacts/lookup?phone=', port: APP_PORT, authorized: true, request: (i) => ({ method: 'GET', path: `/api/v1/contacts/lookup?phone=${encodeURIComponent(pick(i).phone)}` }) },
      {
        name: 'POST /api/v1/addon/view (3 addresses)',
        port: APP_PORT,
        authorized: true,
        request: (i) => ({ method: 'POST', path: '/api/v1/addon/view', body: JSON.stringify({ emails: [pick(i).email, pick(i + 1).email, `stranger${i}@nowhere.example`] }) }),
      },
    ]
    // Warm up JIT, statement cache and page cache before anything is recorded (below
    // every route's maximum, so no backlog spills into the first measurement).
    for (const target of targets) await measure(target, created.token, 500)

    const max = new Map<string, Measurement[]>()
    for (let round = 1; round <= ROUNDS; round++) {
      for (const target of targets) {
        const m = await measure(target, created.token)
        max.set(target.name, [...(max.get(target.name) ?? []), m])
        process.stdout.write(`round ${round}  ${target.name}: ${Math.round(m.rps)} req/s, p99 ${m.p99} ms\n`)
      }
    }
    const half = new Map<string, Measurement[]>()
    for (let round = 1; round <= ROUNDS; round++) {
      for (const target of targets) {
        const rate = Math.round(median(max.get(target.name)!.map((m) => m.rps)) / 2)
        const m = await measure(target, created.token, rate)
        half.set(target.name, [...(half.get(target.name) ?? []), m])
      }
    }

    const baseline = median(max.get(targets[0]!.name)!.map((m) => m.rps))
    const rows = targets.map((target) => {
      const atMax = max.get(target.name)!
      const atHalf = half.get(target.name)!
      const rps = median(atMax.map((m) => m.rps))
      return {
        route: target.name,
        'req/s (max)': Math.round(rps),
        'ratio to bare': Number((rps / baseline).toFixed(2)),
        'p50 ms (max)': median(atMax.map((m) => m.p50)),
        'p99 ms (max)': median(atMax.map((m) => m.p99)),
        'p50 ms (half rate)': median(atHalf.map((m) => m.p50)),
        'p99 ms (half rate)': median(atHalf.map((m) => m.p99)),
        errors: atMax.concat(atHalf).reduce((sum, m) => sum + m.errors, 0),
      }
    })
    process.stdout.write(`\n${CONTACTS.toLocaleString('en')} contacts, ${CONNECTIONS} connections at max (${HALF_RATE_CONNECTIONS} at half rate), ${SECONDS} s per run, median of ${ROUNDS} rounds, ${os.cpus().length} cores, Node ${process.version}\n`)
    console.table(rows)
  } finally {
    app.kill('SIGTERM')
    bare.kill('SIGTERM')
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

await main()
