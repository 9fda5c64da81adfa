import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { onTestFinished } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp, type AppOptions } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'
import { migrateToLatest, openStore, type Store } from '../src/store/database.js'
import type { Role, Scope } from '../src/identity/access.js'
import type { WorkspaceId } from '../src/ids.js'
import type { Sandbox } from '../src/whatsapp/sandbox/sandbox.js'
import type { SandboxOptions } from '../src/whatsapp/sandbox/sandbox-core.js'
import { startTestSandbox } from '../src/whatsapp/sandbox/sandbox-test-helpers.js'
import { metaRuntime } from '../src/whatsapp/runtime.js'
import { freshPostgresDatabase, TEST_DATABASE_URL } from './postgres.js'

export interface TestApp {
  app: FastifyInstance
  store: Store
  config: Config
  dir: string
  /** Present when the app was built with a sandbox playing Meta. */
  sandbox: Sandbox | undefined
}

export interface TestAppOptions {
  /** Start a Cloud API sandbox (fast: no latency, statuses at once) and run the app in sandbox mode against it. */
  sandbox?: SandboxOptions | boolean
  /** The add-in sign-in's clock and access token lifetime, for tests that move time. */
  addinAuth?: AppOptions['addinAuth']
}

/**
 * A real app on a new SQLite file in a temporary folder (or, when TEST_DATABASE_URL is
 * set, a new PostgreSQL database), closed and deleted when the calling test finishes.
 * Extra environment variables go through the real config parser.
 */
export async function buildTestApp (env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-test-'))
  // The PostgreSQL run of the suite: the same tests, each on its own fresh database.
  const postgres = TEST_DATABASE_URL === undefined ? undefined : await freshPostgresDatabase()
  const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', ...(postgres === undefined ? {} : { DATABASE_URL: postgres.url }), ...env })
  const store = openStore(config)
  await migrateToLatest(store)
  const sandbox = options.sandbox === undefined || options.sandbox === false
    ? undefined
    : await startTestSandbox(options.sandbox === true ? {} : options.sandbox)
  const whatsapp = sandbox === undefined ? undefined : metaRuntime(config.whatsapp, sandbox)
  const app = await buildApp({ config, store, logger: false, ...(whatsapp === undefined ? {} : { whatsapp }), ...(options.addinAuth === undefined ? {} : { addinAuth: options.addinAuth }) })
  await app.ready()
  onTestFinished(async () => {
    await app.close()
    await store.close()
    await postgres?.drop()
    fs.rmSync(dir, { recursive: true, force: true })
  })
  return { app, store, config, dir, sandbox }
}

export interface TestWorkspace {
  workspaceId: WorkspaceId
  ownerId: string
  ownerEmail: string
  ownerPassword: string
  /** The owner's API token (all scopes). */
  token: string
}

let counter = 0

/** A workspace with an owner, the default pipeline and the owner's token, made the way the CLI makes it. */
export async function createWorkspace (t: TestApp, name = 'Acme'): Promise<TestWorkspace> {
  counter += 1
  const ownerEmail = `owner${counter}-${Date.now()}@${name.toLowerCase().replace(/\W/g, '')}.example`
  const ownerPassword = 'correct horse battery'
  const created = await t.app.services.onboarding.createWorkspace({ name, ownerEmail, ownerName: `${name} Owner`, ownerPassword, defaultCountry: 'US' })
  return { workspaceId: created.workspace.id, ownerId: created.owner.id, ownerEmail, ownerPassword, token: created.token }
}

/** Adds a user with `role` to the workspace and returns them with a token (all role scopes unless given). */
export async function addUser (t: TestApp, ws: TestWorkspace, role: Role, scopes?: Scope[]): Promise<{ userId: string, email: string, token: string }> {
  counter += 1
  const email = `${role}${counter}-${Date.now()}@member.example`
  const { identity } = t.app.services
  const user = await identity.inviteUser(ws.workspaceId, { email, displayName: `A ${role}`, role, password: 'correct horse battery' }, { userId: ws.ownerId, role: 'owner' })
  const { token } = await identity.createToken(ws.workspaceId, { userId: user.id, name: 'test', scopes }, { userId: ws.ownerId })
  return { userId: user.id, email, token }
}

export function bearer (token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` }
}
