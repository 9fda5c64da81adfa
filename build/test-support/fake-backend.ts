import { once } from 'node:events'
import { Worker } from 'node:worker_threads'
import type { Me, WhatsappConnectionStatus } from '../../backend/src/api.js'
import { ERRORS } from '../../backend/src/errors.js'

/**
 * A stand-in for the Switchboard backend's connection endpoints (/health, /api/v1/me,
 * /api/v1/whatsapp/connection, and an empty template list), in a worker thread: the Apps Script runtime's UrlFetchApp
 * blocks the test's thread while it waits, so a server on that thread could never answer.
 * Bodies (success and errors) have the real shapes; error codes and messages come from the
 * backend's own registry. Tests of campaigns use the real backend (backend-process.ts).
 */

export const FAKE_TOKENS = {
  /** Answers /api/v1/me with FAKE_ME. */
  valid: 'sbt_abcd1234_0123456789abcdefghijklmnopqrstuv',
  /** Answers 429 SB_RATE_LIMITED. */
  rateLimited: 'sbt_ratelimt_0123456789abcdefghijklmnopqrstuv',
  /** Answers 403 SB_AUTH_SCOPE_MISSING, as a token without crm:read would. */
  noScope: 'sbt_noscope0_0123456789abcdefghijklmnopqrstuv',
} as const

export const FAKE_ME: Me = {
  user: {
    id: 'usr_01hzx3q9m7c8v5b4n2k6j1h0ga',
    email: 'ada@example.com',
    displayName: 'Ada <b>Lovelace</b>',
    role: 'admin',
    status: 'active',
    lastLoginAt: null,
    loginCount: 0,
    createdAt: '2026-01-05T10:00:00.000Z',
  },
  workspace: { id: 'wsp_01hzx3q9m7c8v5b4n2k6j1h0gb', name: 'Acme & Sons <Imports>', timeZone: 'Europe/Madrid', defaultCountry: 'ES' },
  scopes: ['crm:read', 'crm:write'],
  via: 'token',
}

/** `GET /api/v1/whatsapp/connection` for the valid token: one active sandbox number. */
export const FAKE_CONNECTION: WhatsappConnectionStatus = {
  mode: 'sandbox',
  connection: null,
  numbers: [{
    id: '100200300', displayPhoneNumber: '+1 555-010-0240', verifiedName: 'Acme <Imports>', qualityRating: 'GREEN', messagingLimitTier: 'TIER_2K',
    throughputLevel: 'STANDARD', throughputPerSecond: 80, registered: true, status: 'active', pausedReason: null, pausedAt: null,
  }],
  embeddedSignup: null,
}

export interface FakeBackendRequest {
  method: string
  path: string
  authorization: string | null
  contentType: string | null
}

export interface FakeBackend {
  /** Without trailing slash, e.g. http://127.0.0.1:41234. */
  url: string
  requests: () => Promise<FakeBackendRequest[]>
  close: () => Promise<void>
}

const WORKER_SOURCE = `
const http = require('node:http')
const { parentPort, workerData } = require('node:worker_threads')
const { tokens, me, errors, number } = workerData
const requests = []
const send = (res, status, body, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  res.end(JSON.stringify(body))
}
const fail = (res, code, headers) => send(res, errors[code].status, { code, message: errors[code].message }, headers)
const server = http.createServer((req, res) => {
  const path = req.url.split('?')[0]
  if (path === '/__requests') return send(res, 200, requests)
  requests.push({ method: req.method, path, authorization: req.headers.authorization ?? null, contentType: req.headers['content-type'] ?? null })
  if (req.method === 'GET' && path === '/health') {
    return send(res, 200, { status: 'ok', store: { engine: 'sqlite', reachable: true, pendingMigrations: [] } })
  }
  if (req.method === 'GET' && path === '/api/v1/whatsapp/templates') {
    const match = /^Bearer\\s+(\\S+)$/i.exec(req.headers.authorization ?? '')
    if (match === null || match[1] !== tokens.valid) return fail(res, 'SB_UNAUTHENTICATED')
    return send(res, 200, { items: [] })
  }
  if (req.method === 'GET' && path === '/api/v1/whatsapp/connection') {
    const match = /^Bearer\\s+(\\S+)$/i.exec(req.headers.authorization ?? '')
    if (match === null || match[1] !== tokens.valid) return fail(res, 'SB_UNAUTHENTICATED')
    return send(res, 200, number)
  }
  if (req.method === 'GET' && path === '/api/v1/me') {
    const match = /^Bearer\\s+(\\S+)$/i.exec(req.headers.authorization ?? '')
    const token = match ? match[1] : undefined
    if (token === tokens.valid) return send(res, 200, me)
    if (token === tokens.rateLimited) return fail(res, 'SB_RATE_LIMITED', { 'retry-after': '60' })
    if (token === tokens.noScope) return fail(res, 'SB_AUTH_SCOPE_MISSING')
    return fail(res, 'SB_UNAUTHENTICATED')
  }
  return fail(res, 'SB_NOT_FOUND')
})
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }))
parentPort.on('message', (message) => { if (message === 'close') server.close(() => process.exit(0)) })
`

export async function startFakeBackend (): Promise<FakeBackend> {
  const errors = Object.fromEntries(Object.entries(ERRORS).map(([code, entry]) => [code, { status: entry.status, message: entry.message }]))
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { tokens: FAKE_TOKENS, me: FAKE_ME, errors, number: FAKE_CONNECTION } })
  const [ready] = await once(worker, 'message') as [{ port: number }]
  const url = `http://127.0.0.1:${ready.port}`
  return {
    url,
    requests: async () => await (await fetch(`${url}/__requests`)).json() as FakeBackendRequest[],
    close: async () => {
      worker.postMessage('close')
      await once(worker, 'exit')
    },
  }
}

/** A URL on which nothing listens: what an add-on meets when the backend is down. */
export async function unusedLocalUrl (): Promise<string> {
  const { createServer } = await import('node:net')
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => { resolve() }))
  if (address === null || typeof address === 'string') throw new Error('No TCP address')
  return `http://127.0.0.1:${address.port}`
}
