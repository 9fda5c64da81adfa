import { once } from 'node:events'
import { Worker } from 'node:worker_threads'

/**
 * What the proxy does to requests whose path matches `path` (a RegExp source): the first
 * `pass` go through; the next `loseResponses` reach the backend, which does the work, but
 * the connection is cut before its answer arrives; every one after that is refused without
 * reaching the backend (an outage). Requests that do not match always go through.
 */
export interface OutagePlan {
  path: string
  pass: number
  loseResponses: number
}

/** One request as the proxy saw it. */
export interface ProxiedRequest {
  method: string
  path: string
  /** What happened: forwarded, lost (forwarded, answer cut), refused. */
  fate: 'forwarded' | 'lost' | 'refused'
  status: number | null
  /** The backend's idempotent-replayed header: the answer was the record of an earlier request. */
  replayed: boolean
}

/** The proxy and its controls. */
export interface OutageProxy {
  /** The proxy's origin; build the add-on against it instead of the backend. */
  url: string
  /** Starts an outage plan; counting starts from zero. */
  plan: (plan: OutagePlan) => Promise<void>
  /** Ends the outage: everything goes through again. */
  heal: () => Promise<void>
  requests: () => Promise<ProxiedRequest[]>
  close: () => Promise<void>
}

// In a worker thread: the Apps Script runtime blocks the test's thread while it waits for UrlFetch.
const WORKER_SOURCE = `
const http = require('node:http')
const { parentPort, workerData } = require('node:worker_threads')
const target = new URL(workerData.target)
let plan = null
let seen = 0
const log = []
const server = http.createServer((req, res) => {
  const path = req.url.split('?')[0]
  const matches = plan !== null && new RegExp(plan.path).test(path)
  const index = matches ? seen++ : -1
  const fate = !matches || index < plan.pass ? 'forwarded' : index < plan.pass + plan.loseResponses ? 'lost' : 'refused'
  const entry = { method: req.method, path, fate, status: null, replayed: false }
  log.push(entry)
  if (fate === 'refused') {
    req.socket.destroy()
    return
  }
  const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    entry.status = answer.statusCode
    entry.replayed = answer.headers['idempotent-replayed'] === 'true'
    if (fate === 'lost') {
      // The backend finished the work; its answer never reaches the caller.
      answer.resume()
      answer.on('end', () => req.socket.destroy())
      return
    }
    res.writeHead(answer.statusCode, answer.headers)
    answer.pipe(res)
  })
  upstream.on('error', () => req.socket.destroy())
  req.pipe(upstream)
})
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }))
parentPort.on('message', (message) => {
  if (message.type === 'plan') { plan = message.plan; seen = 0 }
  if (message.type === 'heal') plan = null
  if (message.type === 'close') { server.closeAllConnections(); server.close(() => process.exit(0)); return }
  parentPort.postMessage({ ack: message.type, log: message.type === 'requests' ? log : undefined })
})
`

/** An HTTP proxy in front of `target` that can cut the backend off mid-submission. */
export async function startOutageProxy (target: string): Promise<OutageProxy> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { target } })
  const [ready] = await once(worker, 'message') as [{ port: number }]
  const ask = async (message: object): Promise<{ log?: ProxiedRequest[] }> => {
    worker.postMessage(message)
    const [answer] = await once(worker, 'message') as [{ log?: ProxiedRequest[] }]
    return answer
  }
  return {
    url: `http://127.0.0.1:${ready.port}`,
    plan: async (plan) => { await ask({ type: 'plan', plan }) },
    heal: async () => { await ask({ type: 'heal' }) },
    requests: async () => (await ask({ type: 'requests' })).log ?? [],
    close: async () => {
      worker.postMessage({ type: 'close' })
      await once(worker, 'exit')
    },
  }
}
