import { execFile, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { expect, it, onTestFinished } from 'vitest'

const exec = promisify(execFile)
const ROOT = path.resolve('.')

function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    }).on('error', reject)
  })
}

/** curl prints bodies without a trailing newline, so the answers arrive back to back: `{…}{…}`. */
function jsonObjectsIn (text: string): any[] {
  const objects = []
  let depth = 0
  let start = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === '{') { if (depth++ === 0) start = i }
    else if (c === '}' && --depth === 0) objects.push(JSON.parse(text.slice(start, i + 1)))
  }
  return objects
}

/**
 * Commands of the README this test does not run, each with the reason. Every other `sh` block
 * must have a check below, so a block added to the README is either run or named here.
 */
const NOT_RUN: Record<string, string> = {
  'npm ci && npm start': 'installs packages (never in a test); the test starts the server the way `npm start` does (`tsx backend/src/main.ts`)',
  'npm test': 'is the suite this test runs in',
  'PUBLIC_URL=https://crm.example.com npm run build': 'writes dist/ for a production URL; build/build.test.ts builds the add-ons',
}

/** What the README says each block shows, keyed by the block's first line. */
const CHECKS: Record<string, (stdout: string) => void> = {
  '# 1. A workspace, its owner and a first API token (printed once)': (stdout) => {
    expect(stdout).toContain('Workspace "Acme" created')
    const [contact, view] = jsonObjectsIn(stdout.slice(stdout.indexOf('{')))
    expect(contact).toMatchObject({ name: 'Ada Lovelace', emails: ['ada@analytical.example'], phones: ['+442079460958'], tags: ['vip'] })
    expect(view.contacts).toHaveLength(1)
    expect(view.contacts[0].contact.id).toBe(contact.id)
    expect(view.unmatchedEmails).toEqual(['someone@elsewhere.example'])
  },
  '# 5. Connect the sandbox number (the real Embedded Signup server steps, run against the sandbox)': (stdout) => {
    const [connection, synced, templates, sent, thread] = jsonObjectsIn(stdout)
    expect(connection).toMatchObject({ mode: 'sandbox', connection: { status: 'connected' } })
    expect(synced.count).toBeGreaterThan(0)
    expect(templates.items.map((t: { name: string }) => t.name)).toContain('hello_world')
    expect(sent).toMatchObject({ status: 'accepted', templateName: 'hello_world' })
    // The sandbox answers in 50–150 ms and sends statuses with jitter; two seconds is plenty for "sent".
    expect(['sent', 'delivered', 'read']).toContain(thread.items[0].status)
  },
  '# 8. Ada answers from her phone: the reply lands in her thread (newest first) and opens the 24-hour window': (stdout) => {
    const [inbound, thread] = jsonObjectsIn(stdout)
    expect(inbound).toMatchObject({ wamid: expect.stringMatching(/^wamid\./), waId: '442079460958' })
    expect(thread.items[0]).toMatchObject({ direction: 'in', body: 'Hi!', wamid: inbound.wamid })
    expect(thread.window.open).toBe(true)
  },
  'curl -s http://localhost:8787/api/v1/webhook-endpoints \\': (stdout) => {
    const [created] = jsonObjectsIn(stdout)
    expect(created.secret).toMatch(/^whsec_/)
    expect(created.endpoint ?? created).toMatchObject({ url: 'https://hooks.example.com/switchboard' })
  },
}

/**
 * Every `sh` block of the README, in order, as written (only the ports differ), in one shell
 * so `$TOKEN` and `$ADA` carry from block to block, against a real server started as
 * `npm start` starts it; each block's output is checked against what the README says.
 */
it('every command block of the README works as written, in order', async () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!)
  const firstLine = (block: string): string => block.split('\n')[0]!.trim()
  const runnable = blocks.filter((b) => NOT_RUN[firstLine(b)] === undefined)
  for (const block of runnable) expect(CHECKS[firstLine(block)], `README block without a check or a reason: ${firstLine(block)}`).toBeDefined()
  expect(runnable.length).toBe(Object.keys(CHECKS).length)

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-readme-'))
  const port = await freePort()
  const sandboxPort = await freePort()
  const env = { ...process.env, DATA_DIR: dataDir, PORT: String(port), SANDBOX_PORT: String(sandboxPort), LOG_LEVEL: 'warn' }
  const server = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['backend/src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  onTestFinished(() => {
    server.kill('SIGTERM')
    fs.rmSync(dataDir, { recursive: true, force: true })
  })
  await new Promise<void>((resolve, reject) => {
    let out = ''
    server.stdout.on('data', (chunk: Buffer) => { out += String(chunk); if (out.includes('is running at')) resolve() })
    server.on('exit', (code) => reject(new Error(`server exited with ${code}`)))
  })

  const marker = (i: number): string => `@@README-BLOCK-${i}@@`
  const script = runnable.map((block, i) => `echo '${marker(i)}'\n${block}`).join('\n')
    .replaceAll('localhost:8787', `localhost:${port}`).replaceAll('127.0.0.1:8790', `127.0.0.1:${sandboxPort}`)
  const { stdout } = await exec('bash', ['-euo', 'pipefail', '-c', script], { cwd: ROOT, env })
  runnable.forEach((block, i) => {
    const from = stdout.indexOf(marker(i))
    const to = i + 1 < runnable.length ? stdout.indexOf(marker(i + 1)) : stdout.length
    expect(from, `output of block ${i}`).toBeGreaterThanOrEqual(0)
    CHECKS[firstLine(block)]!(stdout.slice(from + marker(i).length, to))
  })
}, 120_000)
