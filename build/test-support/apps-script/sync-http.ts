import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads'

/** One HTTP request as UrlFetchApp sends it. */
export interface SyncHttpRequest {
  url: string
  method: string
  headers: Record<string, string>
  body?: string | undefined
  followRedirects: boolean
  timeoutMs: number
}

/** What came back: a response of any status, or the network-level failure that stood in for one. */
export type SyncHttpResult =
  | { ok: true, status: number, headers: Record<string, string>, body: string, elapsedMs: number }
  | { ok: false, error: string, elapsedMs: number }

// The worker runs the requests of one batch concurrently (as fetchAll does), answers on the
// port, then wakes the caller, which is parked in Atomics.wait.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
parentPort.once('message', ({ port }) => {
  port.on('message', async ({ batch, shared }) => {
    const flag = new Int32Array(shared)
    const results = await Promise.all(batch.map(async (request) => {
      const started = performance.now()
      try {
        const response = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          redirect: request.followRedirects ? 'follow' : 'manual',
          signal: AbortSignal.timeout(request.timeoutMs),
        })
        const body = await response.text()
        return { ok: true, status: response.status, headers: Object.fromEntries(response.headers), body, elapsedMs: performance.now() - started }
      } catch (error) {
        const cause = error && error.cause && error.cause.code
        return { ok: false, error: String(cause || (error && error.name === 'TimeoutError' ? 'timeout' : (error && error.message) || error)), elapsedMs: performance.now() - started }
      }
    }))
    port.postMessage(results)
    Atomics.store(flag, 0, 1)
    Atomics.notify(flag, 0)
  })
})
`

let channel: { worker: Worker, port: MessagePort } | undefined

function open (): { worker: Worker, port: MessagePort } {
  if (channel !== undefined) return channel
  const worker = new Worker(WORKER_SOURCE, { eval: true })
  const { port1, port2 } = new MessageChannel()
  worker.postMessage({ port: port2 }, [port2])
  // One worker serves every runtime in the process; it must not keep a finished test run alive.
  worker.unref()
  port1.unref()
  channel = { worker, port: port1 }
  return channel
}

/**
 * Sends a batch of HTTP requests and blocks this thread until every answer is in, the way
 * UrlFetchApp.fetch / fetchAll block Apps Script. The requests run in a worker thread; the
 * server must live in another thread or process, since this one cannot serve while it waits.
 */
export function syncHttp (batch: readonly SyncHttpRequest[]): SyncHttpResult[] {
  if (batch.length === 0) return []
  const { port } = open()
  const shared = new SharedArrayBuffer(4)
  const flag = new Int32Array(shared)
  port.postMessage({ batch, shared })
  const longest = Math.max(...batch.map((r) => r.timeoutMs)) + 5_000
  if (Atomics.wait(flag, 0, 0, longest) === 'timed-out') throw new Error('The synchronous HTTP worker did not answer')
  const message = receiveMessageOnPort(port)
  if (message === undefined) throw new Error('The synchronous HTTP worker woke the caller without an answer')
  return message.message as SyncHttpResult[]
}
