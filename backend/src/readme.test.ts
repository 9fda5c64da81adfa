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

/** The README's walk-through, run as written (only the port differs) against a real server. */
it('the README walk-through works as written', async () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const block = (heading: string): string | undefined => /```sh\n([\s\S]*?)```/.exec(readme.split(heading)[1] ?? '')?.[1]
  const walkThrough = block('### Getting in: the walk-through')
  const sandbox = block('### WhatsApp without Meta: sandbox mode')
  expect(walkThrough, 'walk-through block').toBeDefined()
  expect(sandbox, 'sandbox block').toBeDefined()
  const script = `${walkThrough!}\n${sandbox!}`

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-readme-'))
  const port = await freePort()
  const env = { ...process.env, DATA_DIR: dataDir, PORT: String(port), SANDBOX_PORT: '0', LOG_LEVEL: 'warn' }
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

  const { stdout } = await exec('bash', ['-euo', 'pipefail', '-c', script!.replaceAll('localhost:8787', `localhost:${port}`)], { cwd: ROOT, env })
  expect(stdout).toContain('Workspace "Acme" created')
  const [contact, view, connection, synced, templates, sent, thread] = jsonObjectsIn(stdout.slice(stdout.indexOf('{')))
  expect(contact).toMatchObject({ name: 'Ada Lovelace', emails: ['ada@analytical.example'], phones: ['+442079460958'], tags: ['vip'] })
  expect(view.contacts).toHaveLength(1)
  expect(view.contacts[0].contact.id).toBe(contact.id)
  expect(view.unmatchedEmails).toEqual(['someone@elsewhere.example'])
  expect(connection).toMatchObject({ mode: 'sandbox', connection: { status: 'connected' } })
  expect(synced.count).toBeGreaterThan(0)
  expect(templates.items.map((t: { name: string }) => t.name)).toContain('hello_world')
  expect(sent).toMatchObject({ status: 'accepted', templateName: 'hello_world' })
  // The sandbox answers in 50–150 ms and sends statuses with jitter; two seconds is plenty for "sent".
  expect(['sent', 'delivered', 'read']).toContain(thread.items[0].status)
}, 90_000)
