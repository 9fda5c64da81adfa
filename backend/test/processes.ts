import { spawn, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'

/**
 * Switchboard's own processes for tests that need several of them over one store: the
 * API (`npm start`'s entry) and the campaign worker (`npm run worker`'s). Each runs node
 * itself with tsx as a loader, not the tsx wrapper, so a SIGKILL hits the process that
 * holds the work.
 */

const SRC = path.resolve(import.meta.dirname, '../src')
export const API_ENTRY = path.join(SRC, 'main.ts')
export const WORKER_ENTRY = path.join(SRC, 'campaigns/sender/main.ts')

export interface ChildService {
  child: ChildProcess
  /** Everything it printed so far. */
  output: () => string
  /** Resolves with the exit code (null after a signal). */
  exited: Promise<number | null>
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop: (graceMs?: number) => Promise<void>
}

/** Starts `entry` with `env` on top of this process's and waits for `ready` in its output. */
export async function startService (entry: string, env: Record<string, string>, ready: string, timeoutMs = 30_000): Promise<ChildService> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => { output += String(chunk) })
  child.stderr!.on('data', (chunk: Buffer) => { output += String(chunk) })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const stop = async (graceMs = 15_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.kill('SIGTERM')
    await exited
    clearTimeout(force)
  }
  const deadline = Date.now() + timeoutMs
  while (!output.includes(ready)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${path.basename(entry)} did not start: ${output.slice(-2000)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return { child, output: () => output, exited, stop }
}

/** A campaign worker process (`npm run worker`). */
export function startWorkerProcess (env: Record<string, string>): Promise<ChildService> {
  return startService(WORKER_ENTRY, env, 'Campaign sender ready')
}

/** An API process (`npm start`) on `env.PORT`. */
export function startApiProcess (env: Record<string, string>): Promise<ChildService> {
  return startService(API_ENTRY, env, 'Switchboard is running at')
}

/**
 * What a reverse proxy in front of several API processes does, at its simplest: each
 * request goes to the next upstream in turn, its bytes untouched (webhook signatures are
 * over the raw body). An upstream that is down is answered 502, as nginx would, so the
 * caller (the sandbox playing Meta) retries.
 */
export async function roundRobinProxy (upstreams: () => readonly number[]): Promise<{ url: string, close: () => Promise<void> }> {
  let next = 0
  const server = http.createServer((request, response) => {
    const ports = upstreams()
    const port = ports[next++ % ports.length]!
    const upstream = http.request({ host: '127.0.0.1', port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(response)
    })
    upstream.on('error', () => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' })
      response.end('bad gateway')
    })
    request.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}

/** Polls `check` every 100 ms until it holds. */
export async function until (check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** A repeatable random number source in [0, 1) (xorshift32), so a failing run can be replayed. */
export function seededRandom (seed: number): () => number {
  let state = seed | 0 || 1
  return () => {
    state ^= state << 13; state ^= state >>> 17; state ^= state << 5
    return (state >>> 0) / 0x1_0000_0000
  }
}
