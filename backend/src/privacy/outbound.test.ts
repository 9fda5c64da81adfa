import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createCloudApiClient } from '../whatsapp/cloud-api/client.js'
import { CloudApiNetworkError } from '../whatsapp/cloud-api/errors.js'
import { createOutboundFetch, hostOf, OUTBOUND_REFUSED_CODE } from './outbound.js'

/** A local server that counts what reaches it. */
async function server (handler: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => res.end('{"ok":true}')) {
  const hits: string[] = []
  const s = http.createServer((req, res) => { hits.push(req.url ?? ''); handler(req, res) })
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => s.close(() => resolve())))
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, hits }
}

describe('outbound allow-list', () => {
  it('reaches a listed host and refuses an unlisted one before connecting', async () => {
    const listed = await server()
    const other = await server()
    const guarded = createOutboundFetch([hostOf(listed.url)])
    expect((await guarded(`${listed.url}/v25.0/me`)).status).toBe(200)
    await expect(guarded(`${other.url}/collect`, { method: 'POST', body: 'Dear Ada' })).rejects.toMatchObject({ name: 'OutboundHostRefusedError', cause: { code: OUTBOUND_REFUSED_CODE } })
    await expect(guarded('file:///etc/passwd')).rejects.toMatchObject({ name: 'OutboundHostRefusedError' })
    expect(listed.hits).toEqual(['/v25.0/me'])
    expect(other.hits).toEqual([])
  })

  it('does not follow a redirect from a listed host to an unlisted one', async () => {
    const other = await server()
    const listed = await server((_req, res) => { res.statusCode = 302; res.setHeader('location', `${other.url}/stolen`); res.end() })
    const guarded = createOutboundFetch([hostOf(listed.url)])
    await expect(guarded(`${listed.url}/keys`)).rejects.toThrow()
    expect(other.hits).toEqual([])
  })

  it('makes the Cloud API client fail "not sent" when its base URL is not an allowed host', async () => {
    const graph = await server()
    const elsewhere = await server()
    const client = createCloudApiClient({ baseUrl: elsewhere.url, accessToken: 'token-123', fetch: createOutboundFetch([hostOf(graph.url)]) })
    const sent = client.sendText('1234', '+14155550123', 'Order #1042 is on its way')
    await expect(sent).rejects.toBeInstanceOf(CloudApiNetworkError)
    await expect(sent).rejects.toMatchObject({ causeCode: OUTBOUND_REFUSED_CODE })
    expect(elsewhere.hits).toEqual([])
  })

  it('is the only way out: no other source file opens outbound HTTP', () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
    // Files allowed to hold an outbound primitive, and why.
    const allowed = new Set([
      'privacy/outbound.ts', // the guard itself
      'campaigns/sender/http-fetch.ts', // the keep-alive transport the guard calls in the sender process
      'whatsapp/cloud-api/client.ts', // calls the fetch it is given (connection-service passes the guarded one)
      'identity/google-id-token.ts', // the JWKS fetch, given the guarded fetch
      'web/oidc.ts', // web sign-in: discovery, token and keys through guarded fetches (issuer's hosts only)
    ])
    const primitive = /\bfetch\s*\(|\bhttps?\.request\s*\(|\bhttps?\.get\s*\(|\bnet\.connect\s*\(|createRemoteJWKSet\s*\(|\bnew\s+WebSocket\b|globalThis\.fetch\b/
    const offenders: string[] = []
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name)
        const rel = path.relative(root, full).split(path.sep).join('/')
        // The sandbox plays Meta (it is the far side of the wire), tests talk to local peers,
        // and web/client is bundled for the browser, where it fetches our own origin.
        if (entry.isDirectory()) { if (rel !== 'whatsapp/sandbox' && rel !== 'web/client') walk(full); continue }
        if (!rel.endsWith('.ts') || rel.endsWith('.test.ts') || rel.includes('test-helpers')) continue
        const lines = fs.readFileSync(full, 'utf8').split('\n')
        lines.forEach((line, i) => {
          if (primitive.test(line) && !line.trim().startsWith('//') && !line.trim().startsWith('*') && !allowed.has(rel)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`)
        })
      }
    }
    walk(root)
    // The sender's main swaps the global fetch for its faster transport; the guard still wraps it.
    expect(offenders.filter((o) => !o.startsWith('campaigns/sender/main.ts:'))).toEqual([])
  })
})
