import { execFile, spawn } from 'node:child_process'
import { createHmac } from 'node:crypto'
import fs from 'node:fs'
import net, { type AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it, onTestFinished } from 'vitest'
import { buildTestApp, createWorkspace } from '../test/helper.js'
import { api, manualClock, registerEndpoint } from './events/webhook-test-helpers.js'

/**
 * The README's integration examples, run as written (only the port, and the client
 * package's import path, differ): registering a webhook endpoint with curl, the receiver
 * that verifies signatures, and the typed client, type-checked and then run.
 */

const exec = promisify(execFile)
const ROOT = path.resolve('.')
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')

/** The first fenced block of `language` after `heading`. */
function block (heading: string, language: string): string {
  const after = README.split(heading)[1]
  const code = after === undefined ? undefined : new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(after)?.[1]
  if (code === undefined) throw new Error(`README has no ${language} block under ${heading}`)
  return code
}

function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    }).on('error', reject)
  })
}

async function listening (port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const up = await new Promise<boolean>((resolve) => net.connect(port, '127.0.0.1').on('connect', function (this: net.Socket) { this.destroy(); resolve(true) }).on('error', () => resolve(false)))
    if (up) return
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function server () {
  const t = await buildTestApp()
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = t.app.server.address() as AddressInfo
  const ws = await createWorkspace(t)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-readme-'))
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))
  return { t, ws, dir, local: (code: string) => code.replaceAll('localhost:8787', `127.0.0.1:${port}`) }
}

describe('the README\'s integration examples', () => {
  it('registers an endpoint with curl, and the receiver snippet accepts real deliveries and refuses forged, changed and replayed ones', async () => {
    const { t, ws, dir, local } = await server()
    const curl = await exec('bash', ['-euo', 'pipefail', '-c', local(block('## Events for other tools (outbound webhooks)', 'sh'))], { env: { ...process.env, TOKEN: ws.token } })
    const registered = JSON.parse(curl.stdout)
    expect(registered).toMatchObject({ endpoint: { url: 'https://hooks.example.com/switchboard', status: 'active' }, secret: expect.stringMatching(/^whsec_/) })
    // That example host cannot be reached from here; the receiver below gets the events instead.
    expect((await api(t, ws.token, 'DELETE', `/webhook-endpoints/${registered.endpoint.id}`)).status).toBe(204)

    const port = await freePort()
    const file = path.join(dir, 'receiver.mjs')
    fs.writeFileSync(file, block('### Verifying a delivery', 'js'))
    const { secret } = await registerEndpoint(t, ws, `http://127.0.0.1:${port}/`, ['contact.created'])
    const receiver = spawn(process.execPath, [file], { env: { ...process.env, WEBHOOK_SECRET: secret, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] })
    onTestFinished(() => { receiver.kill() })
    let printed = ''
    receiver.stdout.on('data', (chunk: Buffer) => { printed += String(chunk) })
    receiver.stderr.on('data', (chunk: Buffer) => { printed += String(chunk) })
    await listening(port)

    const contact = await api(t, ws.token, 'POST', '/contacts', { name: 'Ada Lovelace' })
    await t.app.services.events.createWorker({ now: manualClock().now }).drain()
    const [delivery] = (await api(t, ws.token, 'GET', '/webhook-deliveries')).body.items
    expect(delivery, printed).toMatchObject({ status: 'delivered', lastStatusCode: 204 })
    expect(printed).toContain(`verified contact.created ${delivery.eventId}`)
    expect(contact.status).toBe(201)

    // What the snippet must refuse, and a correct delivery it must take.
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
    const send = async (body: string, timestamp: number, signedBody = body): Promise<number> => {
      const id = 'evt_01kc3v8q9d7m2t0h6j4x5n8w1r'
      const signature = `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${signedBody}`).digest('base64')}`
      const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature }, body })
      return response.status
    }
    const now = Math.floor(Date.now() / 1000)
    const body = JSON.stringify({ id: 'evt_01kc3v8q9d7m2t0h6j4x5n8w1r', type: 'contact.created', data: {} })
    expect(await send(body, now)).toBe(204)
    expect(await send(body.replace('created', 'updated'), now, body), 'a changed body').toBe(401)
    expect(await send(body, now - 600), 'a delivery replayed ten minutes later').toBe(401)
    const forged = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'webhook-id': 'evt_x', 'webhook-timestamp': String(now), 'webhook-signature': 'v1,bm90IGEgc2lnbmF0dXJl' }, body })
    expect(forged.status, 'a forged signature').toBe(401)
  })

  it('the typed client example type-checks and runs against a real server', async () => {
    const { ws, dir, local } = await server()
    const clientEntry = path.join(ROOT, 'clients/typescript/index.js')
    const code = local(block('## A typed TypeScript client', 'ts')).replace("from '@switchboard/api-client'", `from '${clientEntry}'`)
    expect(code).toContain(clientEntry)
    fs.writeFileSync(path.join(dir, 'example.mts'), code)
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      extends: path.join(ROOT, 'tsconfig.json'),
      compilerOptions: { lib: ['ES2023', 'DOM'], types: ['node'], typeRoots: [path.join(ROOT, 'node_modules/@types')] },
      files: ['example.mts'],
    }))
    await exec(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', dir], { cwd: dir }).catch((error: { stdout?: string }) => {
      throw new Error(`the README's client example does not type-check:\n${error.stdout ?? String(error)}`)
    })
    const ran = await exec(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(dir, 'example.mts')], { cwd: ROOT, env: { ...process.env, TOKEN: ws.token } })
    expect(ran.stdout).toContain('found true')
    expect(ran.stdout).toContain('duplicate SB_CONTACT_DUPLICATE true')
  }, 60_000)
})
