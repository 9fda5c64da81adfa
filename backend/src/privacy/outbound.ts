/**
 * No transfer: the backend sends HTTP only to hosts it was configured to talk to — Meta's
 * Graph API (or the local sandbox standing in for it), the identity provider's key
 * endpoint — and to the webhook endpoints a workspace's admins registered, each
 * workspace's events to its own endpoints only, with their addresses checked after DNS
 * at every delivery. Every outbound request goes through code in this file; a URL built
 * from data (a path with `//`, a redirect, a mistyped base URL) cannot reach anyone else,
 * so Google- and Microsoft-derived content leaves only toward Meta, as the message the
 * user chose to send (events carry none: see privacy/event-inventory.ts).
 * `outbound.test.ts` scans the source for any other way out.
 */

import dns from 'node:dns/promises'
import http from 'node:http'
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import { addressLiteral, checkAddress, checkWebhookUrl } from './outbound-addresses.js'

/** The refusal's system-style code: nothing was sent, like ECONNREFUSED. */
export const OUTBOUND_REFUSED_CODE = 'ERR_OUTBOUND_HOST_REFUSED'

export class OutboundHostRefusedError extends TypeError {
  readonly host: string
  constructor (host: string) {
    // Shaped like undici's failure ("fetch failed" with a coded cause), so callers that
    // classify network errors see "not sent" and nothing else needs to know about us.
    super('fetch failed', { cause: Object.assign(new Error(`outbound host ${host} is not allowed`), { code: OUTBOUND_REFUSED_CODE }) })
    this.name = 'OutboundHostRefusedError'
    this.host = host
  }
}

/** `host:port` as URL.host gives it (the port only when not the scheme's default). */
export function hostOf (url: string | URL): string {
  return (url instanceof URL ? url : new URL(url)).host.toLowerCase()
}

/**
 * A fetch that refuses any URL whose host is not in `allowed`, and never follows a
 * redirect (a 3xx to another host would be a way around the list). `inner` is looked up
 * on each call, so a process that replaces the global fetch (the sender's keep-alive
 * transport) still goes through this check.
 */
export function createOutboundFetch (allowed: Iterable<string>, inner: () => typeof fetch = () => globalThis.fetch): typeof fetch {
  const hosts = new Set([...allowed].map((h) => h.toLowerCase()))
  const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = input instanceof URL ? input : new URL(typeof input === 'string' ? input : input.url)
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundHostRefusedError(url.protocol)
    if (!hosts.has(url.host.toLowerCase())) throw new OutboundHostRefusedError(url.host)
    return inner()(input, { ...init, redirect: 'error' })
  }
  return guarded as typeof fetch
}

// ---------------------------------------------------------------------------------------
// Webhook endpoints: the one way out whose hosts the customer chooses.

/** Resolves a host name to every address it has, as the system resolver would. */
export type Resolver = (hostname: string) => Promise<Array<{ address: string, family: number }>>

export const systemResolver: Resolver = async (hostname) => dns.lookup(hostname, { all: true, verbatim: true })

/** What one delivery attempt came to; `refused` means nothing was sent. */
export type WebhookResult =
  | { kind: 'response', status: number, retryAfter: string | undefined, address: string }
  | { kind: 'refused', reason: string }
  | { kind: 'failed', reason: string }

export interface WebhookRequest {
  url: string
  body: string
  headers: Readonly<Record<string, string>>
  /**
   * The hosts of the workspace's own endpoints: its part of the allow-list. A URL whose
   * host is not one of them is refused, whatever built it.
   */
  allowedHosts: ReadonlySet<string>
}

export interface WebhookTransportOptions {
  /** Private addresses (and plain http to them) allowed: `WEBHOOKS_ALLOW_PRIVATE`. */
  allowPrivate: boolean
  /** Tests substitute a resolver they control (DNS rebinding). */
  resolve?: Resolver
  /** Answer timeout, connect to last header byte (default 15 s); the DNS lookup before it gets as long again. */
  timeoutMs?: number
  /** Extra trusted certificate authorities (tests with a local https receiver). */
  ca?: string
}

const RESPONSE_BYTES_READ = 64 * 1024

/**
 * The system resolver (getaddrinfo) runs on libuv's thread pool, four threads that file
 * I/O, password hashing and every other lookup (Meta's API, the identity provider) share.
 * Webhook host names are chosen by customers, and a name whose DNS server answers slowly
 * holds a thread for seconds: sixteen deliveries in flight could take the whole pool and
 * stall the process for everyone. So at most this many webhook lookups run at once, and
 * deliveries to one name share one lookup; the rest wait (within their deadline).
 */
const LOOKUPS_AT_ONCE = 2

/** `inner`, with at most `max` lookups running at once and one lookup per name at a time. */
export function sharedLookups (inner: Resolver, max: number): Resolver {
  const running = new Map<string, ReturnType<Resolver>>()
  const waiting: Array<() => void> = []
  let active = 0
  // A finished lookup hands its place straight to the next waiting one.
  const release = (): void => {
    const next = waiting.shift()
    if (next === undefined) active -= 1
    else next()
  }
  return (hostname) => {
    const key = hostname.toLowerCase()
    const current = running.get(key)
    if (current !== undefined) return current
    const lookup = (async () => {
      if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve))
      else active += 1
      try {
        return await inner(hostname)
      } finally {
        release()
      }
    })()
    running.set(key, lookup)
    // Forgotten once settled: every delivery checks a fresh answer (rebinding).
    const forget = (): void => { if (running.get(key) === lookup) running.delete(key) }
    lookup.then(forget, forget)
    return lookup
  }
}

/**
 * Sends webhook deliveries. Per attempt: the URL's host must be one of the workspace's
 * endpoints; the URL passes `checkWebhookUrl`; the host name is resolved and every
 * address it resolves to must pass `checkAddress`, or nothing is sent; then the request
 * connects to the address that was checked (the socket's lookup is pinned to it), so a
 * name that resolves differently a moment later (DNS rebinding) cannot redirect the
 * request. TLS still verifies the certificate for the host name (SNI). Redirects are not
 * followed: a 3xx is an answer like any other non-2xx.
 */
export function createWebhookTransport (options: WebhookTransportOptions): (request: WebhookRequest) => Promise<WebhookResult> {
  const resolve = sharedLookups(options.resolve ?? systemResolver, LOOKUPS_AT_ONCE)
  const timeoutMs = options.timeoutMs ?? 15_000
  const agents = { 'https:': new https.Agent({ keepAlive: true, maxSockets: 16 }), 'http:': new http.Agent({ keepAlive: true, maxSockets: 16 }) }

  async function addressFor (url: URL): Promise<{ ok: true, address: string, family: number } | WebhookResult> {
    const literal = addressLiteral(url.hostname)
    let addresses: Array<{ address: string, family: number }>
    if (literal !== undefined) {
      addresses = [{ address: literal, family: literal.includes(':') ? 6 : 4 }]
    } else {
      try {
        // Bounded like the request: a name whose server never answers would otherwise hold
        // the worker's slot for ever and outlive the lease (sized from the timeout), so the
        // delivery could be sent twice. The lookup may go on in the background; nothing waits.
        const answer = await withDeadline(resolve(url.hostname), timeoutMs)
        if (answer === TIMED_OUT) return { kind: 'failed', reason: `DNS lookup: no answer within ${Math.round(timeoutMs / 1000)} s` }
        addresses = answer
      } catch (error) {
        return { kind: 'failed', reason: `DNS lookup failed (${(error as NodeJS.ErrnoException).code ?? 'error'})` }
      }
      if (addresses.length === 0) return { kind: 'failed', reason: 'DNS lookup found no address' }
    }
    // Every address, not just the first: a name that mixes a public and a private address
    // would otherwise reach the private one whenever the first stops answering.
    for (const { address } of addresses) {
      const verdict = checkAddress(address, options.allowPrivate)
      if (!verdict.allowed) return { kind: 'refused', reason: `${url.hostname} resolves to ${verdict.reason}` }
      if (url.protocol === 'http:' && !verdict.private) return { kind: 'refused', reason: `plain http is allowed only to private addresses; ${url.hostname} resolves to a public one (${address})` }
    }
    const chosen = addresses[0]!
    return { ok: true, address: chosen.address, family: chosen.family }
  }

  return async (request) => {
    let url: URL
    try {
      url = new URL(request.url)
    } catch {
      return { kind: 'refused', reason: 'not a valid URL' }
    }
    if (!request.allowedHosts.has(hostOf(url))) return { kind: 'refused', reason: `${url.host} is not an endpoint of this workspace` }
    const verdict = checkWebhookUrl(request.url, options.allowPrivate)
    if (!verdict.ok) return { kind: 'refused', reason: `the URL ${verdict.problem}` }
    const target = await addressFor(url)
    if (!('ok' in target)) return target
    const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
      // With autoSelectFamily (Node 20's default) the socket asks for every address at once.
      if ((lookupOptions as { all?: boolean }).all === true) (callback as (e: null, a: Array<{ address: string, family: number }>) => void)(null, [{ address: target.address, family: target.family }])
      else callback(null, target.address, target.family)
    }
    const transport = url.protocol === 'https:' ? https : http
    return new Promise<WebhookResult>((settle) => {
      const req = transport.request(url, {
        method: 'POST',
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        agent: agents[url.protocol as 'https:' | 'http:'],
        lookup: pinned,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
      }, (res) => {
        const status = res.statusCode ?? 0
        const retryAfter = typeof res.headers['retry-after'] === 'string' ? res.headers['retry-after'] : undefined
        clearTimeout(timer)
        // The answer's body is not kept (it could hold anything); a little is read so the
        // connection can be reused, and a long one is cut off.
        let read = 0
        // Nor may a body that never ends hold the connection: it goes after the timeout.
        const cutOff = setTimeout(() => res.destroy(), timeoutMs)
        cutOff.unref()
        res.on('data', (chunk: Buffer) => {
          read += chunk.length
          if (read > RESPONSE_BYTES_READ) res.destroy()
        })
        res.on('close', () => clearTimeout(cutOff))
        res.on('error', () => {})
        settle({ kind: 'response', status, retryAfter, address: target.address })
      })
      const timer = setTimeout(() => {
        req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }))
      }, timeoutMs)
      req.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        settle({ kind: 'failed', reason: networkReason(error, timeoutMs) })
      })
      req.end(request.body)
    })
  }
}

const TIMED_OUT = Symbol('timed out')

/** `work`'s answer, or TIMED_OUT once `ms` have passed without one. */
async function withDeadline<T> (work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => { timer = setTimeout(() => resolve(TIMED_OUT), ms) })
  try {
    return await Promise.race([work, deadline])
  } finally {
    clearTimeout(timer)
  }
}

/** A failure in words that hold no data: the error's code, never its message. */
function networkReason (error: NodeJS.ErrnoException, timeoutMs: number): string {
  const code = error.code ?? error.name
  if (code === 'ETIMEDOUT') return `no answer within ${Math.round(timeoutMs / 1000)} s`
  if (code === 'ECONNREFUSED') return 'connection refused'
  if (code === 'ECONNRESET') return 'connection reset'
  if (typeof code === 'string' && (code.startsWith('ERR_TLS') || code.includes('CERT') || code.startsWith('ERR_SSL') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT')) return `TLS failed (${code})`
  return `network error (${code})`
}
