import net, { type AddressInfo } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { buildTestApp, createWorkspace, type TestApp, type TestWorkspace } from '../../test/helper.js'
import { createWebhookTransport, type Resolver } from '../privacy/outbound.js'
import { api, manualClock, registerEndpoint, selfSignedCertificate, startReceiver } from './webhook-test-helpers.js'

/**
 * Server-side request forgery: webhook URLs are chosen by customers and called by our
 * servers. Addresses are checked at every delivery, after DNS (a resolver the test
 * controls), and the connection goes to the address that was checked.
 */

/** A TCP port that counts connections: proof that nothing was even attempted. */
async function connectionCounter (): Promise<{ port: number, connections: () => number }> {
  let count = 0
  const server = net.createServer((socket) => { count += 1; socket.destroy() })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { port: (server.address() as AddressInfo).port, connections: () => count }
}

/** A resolver answering from a script: each call takes the next answer (the last repeats), and counts. */
function scriptedResolver (answers: string[][]): Resolver & { calls: string[] } {
  const calls: string[] = []
  const resolve = async (hostname: string) => {
    const answer = answers[Math.min(calls.length, answers.length - 1)]!
    calls.push(hostname)
    return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
  }
  return Object.assign(resolve, { calls })
}

async function strictApp (): Promise<{ t: TestApp, ws: TestWorkspace }> {
  const t = await buildTestApp({ WEBHOOKS_ALLOW_PRIVATE: 'false' })
  return { t, ws: await createWorkspace(t) }
}

async function lastAttempt (t: TestApp) {
  return t.store.db.selectFrom('webhook_attempts').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()
}

const REFUSED_URLS = [
  { description: 'plain http', url: 'http://hooks.acme.example/in', detail: 'must start with https://' },
  { description: 'a loopback address', url: 'https://127.0.0.1/in', detail: 'loopback' },
  { description: 'loopback written in hex', url: 'https://0x7f.0.0.1/in', detail: 'loopback' },
  { description: 'localhost', url: 'https://localhost:8443/in', detail: 'localhost' },
  { description: 'a private address', url: 'https://192.168.1.20/in', detail: 'private' },
  { description: 'the metadata service', url: 'https://169.254.169.254/latest/meta-data/', detail: 'metadata' },
  { description: 'an IPv6 unique local address', url: 'https://[fd00::1]/in', detail: 'unique local' },
  { description: 'an IPv4-mapped address', url: 'https://[::ffff:10.0.0.1]/in', detail: 'IPv4-mapped' },
  { description: 'credentials in the URL', url: 'https://user:secret@hooks.acme.example/in', detail: 'user name or password' },
]

/** What names resolve to at delivery time, and what the refusal must say. */
const REFUSED_RESOLUTIONS = [
  { description: 'loopback', addresses: ['127.0.0.1'], reason: 'a loopback address (127.0.0.1)' },
  { description: 'a private range', addresses: ['10.20.30.40'], reason: 'a private address (10.20.30.40)' },
  { description: 'the metadata service', addresses: ['169.254.169.254'], reason: 'a cloud metadata address' },
  { description: 'carrier-grade NAT', addresses: ['100.64.3.4'], reason: 'a shared (carrier-grade NAT) address' },
  { description: 'IPv6 unique local', addresses: ['fd00::7'], reason: 'a private (unique local) IPv6 address (fd00::7)' },
  { description: 'IPv4-mapped IPv6', addresses: ['::ffff:127.0.0.1'], reason: 'an IPv4-mapped IPv6 address' },
  { description: 'a public address mixed with a private one', addresses: ['93.184.216.34', '192.168.0.9'], reason: 'a private address (192.168.0.9)' },
]

describe('webhook SSRF rules', () => {
  it('refuses to register loopback, private, metadata, mapped and plain-http URLs, naming the field and the reason, and stores nothing', async () => {
    const { t, ws } = await strictApp()
    for (const { description, url, detail } of REFUSED_URLS) {
      const refused = await api(t, ws.token, 'POST', '/webhook-endpoints', { url, eventTypes: ['contact.created'] })
      expect(refused.status, description).toBe(400)
      expect(refused.body, description).toMatchObject({ code: 'SB_WEBHOOK_URL_INVALID', field: 'url' })
      expect(refused.body.detail, description).toContain(detail)
    }
    expect(await t.store.db.selectFrom('webhook_endpoints').selectAll().execute()).toEqual([])
  })

  it('checks the addresses after DNS at every delivery: names that resolve to loopback, private, metadata, shared, unique local or mapped addresses are refused, and nothing connects', async () => {
    const { t, ws } = await strictApp()
    const counter = await connectionCounter()
    // Names pass registration; what they resolve to is only known when a delivery goes out.
    const hostOf = (i: number): string => `case-${i}.acme.example`
    for (let i = 0; i < REFUSED_RESOLUTIONS.length; i++) await registerEndpoint(t, ws, `https://${hostOf(i)}:${counter.port}/in`)
    await api(t, ws.token, 'POST', '/contacts', { name: 'Ada' })
    const calls: string[] = []
    const resolve: Resolver = async (hostname) => {
      calls.push(hostname)
      const index = Number(/^case-(\d+)\./.exec(hostname)![1])
      return REFUSED_RESOLUTIONS[index]!.addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
    }
    await t.app.services.events.createWorker({ resolve, now: manualClock().now }).drain()
    expect(calls.sort()).toEqual(REFUSED_RESOLUTIONS.map((_, i) => hostOf(i)).sort())
    expect(counter.connections()).toBe(0)
    const rows = await t.store.db.selectFrom('webhook_attempts as a').innerJoin('webhook_deliveries as d', 'd.seq', 'a.delivery_seq')
      .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id').select(['e.url', 'a.status_code', 'a.error', 'd.status']).execute()
    expect(rows).toHaveLength(REFUSED_RESOLUTIONS.length)
    REFUSED_RESOLUTIONS.forEach(({ description, reason }, i) => {
      const row = rows.find((r) => r.url.includes(hostOf(i)))!
      expect(row.status_code, description).toBeNull()
      expect(row.error, description).toContain(`refused: ${hostOf(i)} resolves to ${reason}`)
      // Refused is a failed attempt like any other: retried on the schedule, in case DNS is fixed.
      expect(row.status, description).toBe('pending')
    })
  })

  it('connects to the address it checked: a name that resolves elsewhere a moment later (DNS rebinding) does not move the request', async () => {
    // Private addresses allowed, so the receiver on 127.0.0.1 is a lawful target.
    const t = await buildTestApp({ WEBHOOKS_ALLOW_PRIVATE: 'true' })
    const ws = await createWorkspace(t)
    const receiver = await startReceiver()
    await registerEndpoint(t, ws, `http://rebind.acme.example:${receiver.port}/in`)
    await api(t, ws.token, 'POST', '/contacts', { name: 'Ada' })
    // First answer: the checked address. Any later lookup would send the socket to a dead address.
    const resolve = scriptedResolver([['127.0.0.1'], ['10.255.255.1']])
    await t.app.services.events.createWorker({ resolve, now: manualClock().now, timeoutMs: 2000 }).drain()
    expect(resolve.calls).toEqual(['rebind.acme.example'])
    expect(receiver.requests).toHaveLength(1)
    // The request still names the host it was addressed to.
    expect(receiver.requests[0]!.headers.host).toBe(`rebind.acme.example:${receiver.port}`)
    expect((await t.store.db.selectFrom('webhook_deliveries').select('status').executeTakeFirstOrThrow()).status).toBe('delivered')
  })

  it('over https, connects to the checked address and still verifies the certificate for the host name', async () => {
    const t = await buildTestApp({ WEBHOOKS_ALLOW_PRIVATE: 'true' })
    const ws = await createWorkspace(t)
    const good = await selfSignedCertificate('hooks.acme.example')
    const wrong = await selfSignedCertificate('elsewhere.example')
    const receiver = await startReceiver(() => 204, good)
    const impostor = await startReceiver(() => 204, wrong)
    await registerEndpoint(t, ws, `https://hooks.acme.example:${receiver.port}/in`)
    await api(t, ws.token, 'POST', '/contacts', { name: 'Ada' })
    const resolve = scriptedResolver([['127.0.0.1']])
    await t.app.services.events.createWorker({ resolve, ca: `${good.cert}\n${wrong.cert}`, now: manualClock().now }).drain()
    expect(receiver.requests).toHaveLength(1)

    // The same name, now served by a certificate for another name: refused by TLS, not sent.
    const other = await createWorkspace(t, 'Bravo')
    await registerEndpoint(t, other, `https://hooks.acme.example:${impostor.port}/in`)
    await api(t, other.token, 'POST', '/contacts', { name: 'Grace' })
    await t.app.services.events.createWorker({ resolve, ca: `${good.cert}\n${wrong.cert}`, now: manualClock().now }).drain()
    expect(impostor.requests).toHaveLength(0)
    expect((await lastAttempt(t)).error).toMatch(/^TLS failed \(ERR_TLS_CERT_ALTNAME_INVALID\)/)
  })

  it('gives a DNS lookup that never answers the same timeout as a receiver that never answers: the attempt fails, is retried later, and the worker can stop', async () => {
    const { t, ws } = await strictApp()
    await registerEndpoint(t, ws, 'https://slow-dns.acme.example/in')
    await api(t, ws.token, 'POST', '/contacts', { name: 'Ada' })
    // A name whose authoritative server never answers. Unbounded, the attempt would hold its
    // slot for ever, stop() would never return, and the lease (sized from the timeout) would
    // run out while the request might still go, sending the delivery twice.
    const calls: string[] = []
    const resolve: Resolver = (hostname) => { calls.push(hostname); return new Promise(() => {}) }
    const worker = t.app.services.events.createWorker({ resolve, now: manualClock().now, timeoutMs: 1000 })
    expect(await worker.drain()).toBe(1)
    await worker.stop()
    expect(calls).toEqual(['slow-dns.acme.example'])
    const attempt = await lastAttempt(t)
    expect(attempt.status_code).toBeNull()
    expect(attempt.error).toBe('DNS lookup: no answer within 1 s')
    expect((await t.store.db.selectFrom('webhook_deliveries').select('status').executeTakeFirstOrThrow()).status).toBe('pending')
  }, 20_000)

  it('runs at most two DNS lookups at once, one per name, so customers\' slow names cannot take the thread pool the rest of the process needs', async () => {
    const asked: string[] = []
    const unanswered: Array<() => void> = []
    let active = 0
    let most = 0
    const resolve: Resolver = (hostname) => new Promise((answer) => {
      asked.push(hostname)
      active += 1
      most = Math.max(most, active)
      unanswered.push(() => { active -= 1; answer([{ address: '10.1.2.3', family: 4 }]) })
    })
    const send = createWebhookTransport({ allowPrivate: false, resolve, timeoutMs: 10_000 })
    const hosts = ['a.acme.example', 'b.acme.example', 'c.acme.example', 'a.acme.example', 'A.acme.example']
    const allowedHosts = new Set(hosts.map((h) => h.toLowerCase()))
    let settled = false
    const all = Promise.all(hosts.map((h) => send({ url: `https://${h}/in`, body: '{}', headers: {}, allowedHosts }))).finally(() => { settled = true })
    // Answers the lookups one by one as they are asked, until every delivery has its result.
    while (!settled) {
      await new Promise((resolve) => setImmediate(resolve))
      unanswered.shift()?.()
    }
    const results = await all
    expect(most).toBe(2)
    expect(asked).toEqual(['a.acme.example', 'b.acme.example', 'c.acme.example'])
    for (const [i, result] of results.entries()) expect(result).toEqual({ kind: 'refused', reason: `${hosts[i]!.toLowerCase()} resolves to a private address (10.1.2.3); private addresses are not allowed (WEBHOOKS_ALLOW_PRIVATE)` })
  })

  it('does not follow redirects, and sends nothing to a host that is not one of the workspace\'s endpoints', async () => {
    const t = await buildTestApp({ WEBHOOKS_ALLOW_PRIVATE: 'true' })
    const ws = await createWorkspace(t)
    const elsewhere = await startReceiver()
    const redirecting = await startReceiver(() => ({ status: 307, headers: { location: `${elsewhere.url}/stolen` } }))
    await registerEndpoint(t, ws, `${redirecting.url}/in`)
    await api(t, ws.token, 'POST', '/contacts', { name: 'Ada' })
    await t.app.services.events.createWorker({ now: manualClock().now }).drain()
    expect(redirecting.requests).toHaveLength(1)
    expect(elsewhere.requests).toHaveLength(0)
    expect((await lastAttempt(t)).error).toContain('HTTP 307 (redirects are not followed')

    // The transport itself: the allow-list is the workspace's endpoint hosts, whatever URL is handed to it.
    const send = createWebhookTransport({ allowPrivate: true })
    const refused = await send({ url: `${elsewhere.url}/x`, body: '{}', headers: {}, allowedHosts: new Set([new URL(redirecting.url).host]) })
    expect(refused).toEqual({ kind: 'refused', reason: `${new URL(elsewhere.url).host} is not an endpoint of this workspace` })
    expect(elsewhere.requests).toHaveLength(0)
  })
})
