import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { InboundMessage, MessageStatus, WebhookEnvelope } from '../cloud-api/webhook-types.js'

/** One POST the collector received, with the exact bytes and signature header. */
export interface CollectedWebhook {
  raw: Buffer
  body: WebhookEnvelope
  signature: string | undefined
  /** The status the collector answered with. */
  answered: number
}

/** A throwaway webhook endpoint for tests: records every POST and answers the hub.challenge handshake. */
export interface WebhookCollector {
  url: string
  /** Every POST, in arrival order (including the ones answered non-200). */
  readonly received: CollectedWebhook[]
  /** Statuses from POSTs answered 200, flattened in arrival order. */
  statuses (): MessageStatus[]
  /** Inbound messages from POSTs answered 200, flattened in arrival order. */
  messages (): InboundMessage[]
  /** Values of changes with this field from POSTs answered 200. */
  changes (field: string): unknown[]
  /** Resolves once `predicate` holds (checked after each POST), or rejects after `timeoutMs`. */
  waitFor (predicate: (c: WebhookCollector) => boolean, timeoutMs?: number): Promise<void>
  /** The status to answer the n-th POST (0-based) with; default 200. */
  answerWith (status: (n: number) => number): void
  close (): Promise<void>
}

/** Starts a collector on a free local port. `verifyToken` is what the GET handshake must carry. */
export async function startWebhookCollector (options: { verifyToken?: string } = {}): Promise<WebhookCollector> {
  const received: CollectedWebhook[] = []
  let answer: (n: number) => number = () => 200
  let waiters: Array<() => void> = []
  const server = createServer((req, res) => {
    if (req.method === 'GET') {
      const url = new URL(req.url ?? '/', 'http://collector.local')
      const ok = url.searchParams.get('hub.mode') === 'subscribe' && url.searchParams.get('hub.verify_token') === (options.verifyToken ?? '')
      res.writeHead(ok ? 200 : 403, { 'content-type': 'text/plain' })
      res.end(ok ? url.searchParams.get('hub.challenge') ?? '' : 'forbidden')
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const status = answer(received.length)
      const header = req.headers['x-hub-signature-256']
      received.push({ raw, body: JSON.parse(raw.toString('utf8')) as WebhookEnvelope, signature: Array.isArray(header) ? header[0] : header, answered: status })
      res.writeHead(status)
      res.end()
      const current = waiters
      waiters = []
      for (const w of current) w()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const accepted = (): CollectedWebhook[] => received.filter((r) => r.answered === 200)
  const values = (field: string): unknown[] => accepted().flatMap((r) => r.body.entry.flatMap((e) => e.changes.filter((c) => c.field === field).map((c) => c.value)))

  const collector: WebhookCollector = {
    url: `http://127.0.0.1:${port}/webhook`,
    received,
    statuses: () => values('messages').flatMap((v) => (v as { statuses?: MessageStatus[] }).statuses ?? []),
    messages: () => values('messages').flatMap((v) => (v as { messages?: InboundMessage[] }).messages ?? []),
    changes: values,
    waitFor: (predicate, timeoutMs = 10_000) => new Promise<void>((resolve, reject) => {
      if (predicate(collector)) {
        resolve()
        return
      }
      const timer = setTimeout(() => reject(new Error(`webhook condition not met within ${timeoutMs} ms (${received.length} POSTs received)`)), timeoutMs)
      const check = (): void => {
        if (predicate(collector)) {
          clearTimeout(timer)
          resolve()
        } else {
          waiters.push(check)
        }
      }
      waiters.push(check)
    }),
    answerWith: (fn) => { answer = fn },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    }),
  }
  return collector
}
