import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { REPO_ROOT } from '../build.js'

const run = promisify(execFile)
const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx')

/** The campaign sender's entry point; the e2e test needs it to see messages go out. */
export const WORKER_ENTRY = 'backend/src/campaigns/sender/main.ts'

/** The real backend in its own process, in sandbox mode, with a workspace, a token and a connected sandbox number. */
export interface BackendProcess {
  /** e.g. http://127.0.0.1:41234, no trailing slash. */
  url: string
  /** The in-process Cloud API sandbox (control endpoints under /_sandbox). */
  sandboxUrl: string
  token: string
  workspaceId: string
  dataDir: string
  /** Calls the backend's API with the workspace token. */
  api: <T = unknown>(method: string, apiPath: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number, body: T }>
  /** Calls a sandbox control endpoint. */
  sandbox: <T = unknown>(method: string, controlPath: string, body?: unknown) => Promise<T>
  /**
   * What Meta does after a number proves itself: raises its daily messaging tier. A number
   * from the sandbox's signup starts at TIER_250, as on Meta, and the campaign sender keeps
   * to it; a test that sends to more people raises the tier in the store it owns.
   */
  setMessagingTier: (tier: string) => void
  /** Starts the campaign sender (`npm run worker`) against the same store and sandbox. */
  startWorker: () => Promise<void>
  stopWorker: () => Promise<void>
  /** Everything the processes printed, for failure messages. */
  output: () => string
  close: () => Promise<void>
}

/** The workspace to create, and extra environment. */
export interface BackendProcessOptions {
  workspaceName?: string
  timeZone?: string
  country?: string
  /** Extra environment for both processes. */
  env?: Record<string, string>
}

/** A TCP port nothing listens on right now. */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => { resolve(port) })
    }).on('error', reject)
  })
}

function waitForLine (child: ChildProcess, pattern: RegExp, log: string[], what: string, timeoutMs = 60_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(() => { reject(new Error(`${what} did not start in ${timeoutMs} ms:\n${log.join('')}`)) }, timeoutMs)
    const onData = (chunk: Buffer): void => {
      seen += String(chunk)
      const match = pattern.exec(seen)
      if (match !== null) {
        clearTimeout(timer)
        child.stdout?.off('data', onData)
        resolve(match)
      }
    }
    child.stdout?.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${what} exited with ${code}:\n${log.join('')}`))
    })
  })
}

function stop (child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const force = setTimeout(() => { child.kill('SIGKILL') }, 10_000)
    child.once('exit', () => {
      clearTimeout(force)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/**
 * Boots `tsx backend/src/main.ts` with a temporary DATA_DIR (as backend/src/readme.test.ts
 * does), creates a workspace and token with the CLI, connects the sandbox number and syncs
 * its templates. The Apps Script runtime blocks its thread during UrlFetch, so the backend
 * must be another process.
 */
export async function startBackend (options: BackendProcessOptions = {}): Promise<BackendProcess> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'sb-backend-'))
  // A caller that must know the URL before start-up (to build a client for it) passes PORT.
  const port = options.env?.PORT !== undefined ? Number(options.env.PORT) : await freePort()
  // The API processes webhooks; campaigns go out only once a test starts the worker
  // process (startWorker), so until then submitted rows stay queued.
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', SANDBOX_PORT: '0', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '100000', RUN_SENDER: 'false', ...options.env }
  const log: string[] = []
  const server = spawn(TSX, ['backend/src/main.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  server.stdout.on('data', (chunk: Buffer) => log.push(String(chunk)))
  server.stderr.on('data', (chunk: Buffer) => log.push(String(chunk)))
  let worker: ChildProcess | undefined
  const close = async (): Promise<void> => {
    await stop(worker)
    await stop(server)
    await rm(dataDir, { recursive: true, force: true })
  }
  try {
    const banner = await waitForLine(server, /is running at[\s\S]*?(?:stand-in at (\S+) plays Meta[\s\S]*?\n\n|\n\n)/, log, 'The backend')
    const sandboxUrl = banner[1]
    if (sandboxUrl === undefined) throw new Error(`The backend did not start in sandbox mode:\n${log.join('')}`)
    const url = `http://127.0.0.1:${port}`
    const args = ['backend/src/cli.ts', 'workspace', 'create', '--name', options.workspaceName ?? 'Acme Imports', '--owner-email', 'owner@acme.example', '--owner-name', 'Ada Owner', '--json']
    if (options.timeZone !== undefined) args.push('--time-zone', options.timeZone)
    if (options.country !== undefined) args.push('--country', options.country)
    const created = JSON.parse((await run(TSX, args, { cwd: REPO_ROOT, env })).stdout) as { workspaceId: string, token: string }

    const api = async <T>(method: string, apiPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number, body: T }> => {
      const response = await fetch(`${url}/api/v1${apiPath}`, {
        method,
        headers: { Authorization: `Bearer ${created.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await response.text()
      return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T }
    }
    const sandbox = async <T>(method: string, controlPath: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${sandboxUrl}/_sandbox${controlPath}`, { method, headers: body === undefined ? {} : { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
      if (!response.ok) throw new Error(`sandbox ${method} ${controlPath}: ${response.status} ${await response.text()}`)
      return await response.json() as T
    }
    const connected = await api('POST', '/whatsapp/connection/sandbox')
    if (connected.status !== 201) throw new Error(`Connecting the sandbox failed: ${JSON.stringify(connected.body)}`)
    const synced = await api('POST', '/whatsapp/templates/sync')
    if (synced.status !== 200) throw new Error(`Syncing templates failed: ${JSON.stringify(synced.body)}`)

    return {
      url,
      sandboxUrl,
      token: created.token,
      workspaceId: created.workspaceId,
      dataDir,
      api,
      sandbox,
      setMessagingTier (tier) {
        const db = new Database(path.join(dataDir, 'switchboard.sqlite'))
        try {
          db.pragma('busy_timeout = 5000')
          db.prepare('UPDATE whatsapp_numbers SET messaging_limit_tier = ?').run(tier)
        } finally {
          db.close()
        }
      },
      async startWorker () {
        if (worker !== undefined && worker.exitCode === null) return
        if (!existsSync(path.join(REPO_ROOT, WORKER_ENTRY))) throw new Error(`The campaign sender (${WORKER_ENTRY}) does not exist yet`)
        const child = spawn(TSX, [WORKER_ENTRY], { cwd: REPO_ROOT, env: { ...env, GRAPH_API_URL: sandboxUrl, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] })
        child.stdout.on('data', (chunk: Buffer) => log.push(String(chunk)))
        child.stderr.on('data', (chunk: Buffer) => log.push(String(chunk)))
        worker = child
        // The sender prints a ready line once it claims work; its wording is its own, so match loosely.
        await waitForLine(child, /campaign sender (ready|started)/i, log, 'The campaign sender')
      },
      async stopWorker () {
        await stop(worker)
        worker = undefined
      },
      output: () => log.join(''),
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}
