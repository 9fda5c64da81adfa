import { createHmac, timingSafeEqual } from 'node:crypto'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import http, { type IncomingHttpHeaders } from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { onTestFinished } from 'vitest'
import { Value } from 'typebox/value'
import { bearer, type TestApp, type TestWorkspace } from '../../test/helper.js'
import type { WebhookEndpoint } from './schemas.js'
import { envelopeSchema, EVENT_CATALOG, isEventType } from './catalog.js'

const run = promisify(execFile)

/** One request a receiver got, its body exactly as the bytes arrived. */
export interface Received {
  headers: IncomingHttpHeaders
  body: string
  at: number
  /** When the receiver finished answering it. */
  answeredAt?: number
}

export type Answer = number | { status: number, headers?: Record<string, string>, delayMs?: number }

export interface Receiver {
  url: string
  port: number
  requests: Received[]
  /** The parsed bodies, in arrival order. */
  events: () => Array<{ id: string, type: string, timestamp: string, workspaceId: string, data: any }>
}

/**
 * A webhook receiver on 127.0.0.1 (https with `tls`), closed when the test ends.
 * `answer` picks each answer (default 204); it sees the request and how many came before.
 */
export async function startReceiver (answer: (request: Received, index: number) => Answer | Promise<Answer> = () => 204, tls?: { key: string, cert: string }): Promise<Receiver> {
  const requests: Received[] = []
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const received: Received = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() }
      const index = requests.length
      requests.push(received)
      void Promise.resolve(answer(received, index)).then(async (a) => {
        const { status, headers, delayMs } = typeof a === 'number' ? { status: a, headers: undefined, delayMs: undefined } : a
        if (delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, delayMs))
        received.answeredAt = Date.now()
        res.writeHead(status, headers).end()
      })
    })
  }
  const server = tls === undefined ? http.createServer(handler) : https.createServer(tls, handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  const { port } = server.address() as AddressInfo
  return {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    port,
    requests,
    events: () => requests.map((r) => JSON.parse(r.body)),
  }
}

/**
 * Standard Webhooks verification, written from the spec and independent of the code under
 * test: HMAC-SHA256 of `id.timestamp.body` under the secret's bytes, any `v1,` signature
 * matching in constant time, and the timestamp within `toleranceS` of `nowS`.
 */
export function verifyStandardWebhook (secret: string, headers: IncomingHttpHeaders, body: string, nowS = Date.now() / 1000, toleranceS = 300): boolean {
  const id = headers['webhook-id']
  const timestamp = headers['webhook-timestamp']
  const signatures = headers['webhook-signature']
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false
  if (!/^\d+$/.test(timestamp) || Math.abs(nowS - Number(timestamp)) > toleranceS) return false
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  const expected = Buffer.from(createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64'))
  return signatures.split(' ').some((s) => {
    const [version, signature] = s.split(',')
    const given = Buffer.from(signature ?? '')
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected)
  })
}

/** Calls the API as `token`; `body` is null for an empty answer. */
export async function api (t: TestApp, token: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object): Promise<{ status: number, body: any }> {
  const response = await t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(token), ...(payload === undefined ? {} : { payload }) })
  return { status: response.statusCode, body: response.body === '' ? null : response.json() }
}

/** Registers an endpoint through the API as the workspace's owner. */
export async function registerEndpoint (t: TestApp, ws: TestWorkspace, url: string, eventTypes: string[] = ['contact.created', 'contact.updated']): Promise<{ endpoint: WebhookEndpoint, secret: string }> {
  const created = await api(t, ws.token, 'POST', '/webhook-endpoints', { url, eventTypes })
  if (created.status !== 201) throw new Error(`endpoint not created: ${JSON.stringify(created.body)}`)
  return created.body
}

/**
 * A clock a test moves by hand. It starts half a minute ahead, so what the test queues in
 * the meantime (stamped with the real time) is already due.
 */
export function manualClock (): { now: () => number, advance: (ms: number) => void, set: (ms: number) => void } {
  let at = Date.now() + 30_000
  return { now: () => at, advance: (ms) => { at += ms }, set: (ms) => { at = ms } }
}

/** A Meta webhook envelope for the sandbox number, with `value` inside its one change. */
export function whatsappEnvelope (sandbox: { wabaId: string, phoneNumberId: string }, value: Record<string, unknown>): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: sandbox.wabaId, changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: sandbox.phoneNumberId }, ...value } }] }],
  })
}

/** A self-signed certificate for `hostname` (openssl), for an https receiver the worker trusts through `ca`. */
export async function selfSignedCertificate (hostname: string): Promise<{ key: string, cert: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-cert-'))
  try {
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', `/CN=${hostname}`, '-addext', `subjectAltName=DNS:${hostname}`,
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')])
    return { key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8') }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * What is wrong with a delivered event: not the catalog's shape for its type, or a field
 * in `data` the catalog does not declare (the data inventory lists what each event
 * carries, so nothing may travel that it does not name).
 */
export function payloadProblems (event: { type: string, data: unknown }): string[] {
  if (!isEventType(event.type)) return [`unknown event type ${event.type}`]
  const problems = [...Value.Errors(envelopeSchema(event.type), event)].map((e) => `${event.type}: ${e.instancePath} ${e.message}`)
  const declared = Object.keys(EVENT_CATALOG[event.type].carries)
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [key, child] of Object.entries(value)) walk(child, path === '' ? key : `${path}.${key}`)
      return
    }
    // A null where the schema has an object (error: null) stands for the fields under it.
    if (!declared.includes(path) && !(value === null && declared.some((d) => d.startsWith(`${path}.`)))) problems.push(`${event.type}: data.${path} is not declared`)
  }
  walk(event.data, '')
  return problems
}
