import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildAll } from '../../build/build.js'
import { loadAppsScript, type AppsScriptRuntime } from '../../build/test-support/apps-script-runtime.js'
import { FAKE_CONNECTION, FAKE_ME, FAKE_TOKENS, startFakeBackend, unusedLocalUrl, type FakeBackend } from '../../build/test-support/fake-backend.js'
import type { ConnectionResult } from './core/sidebar-protocol.js'

// The built Code.js in a local Apps Script runtime, calling a backend over real HTTP.

const TOKEN_KEY = 'switchboard.apiToken'

let dir: string
let backend: FakeBackend
let distDir: string

beforeAll(async () => {
  backend = await startFakeBackend()
  dir = await mkdtemp(path.join(tmpdir(), 'sb-sheets-'))
  await buildAll({ backendUrl: backend.url, outDir: path.join(dir, 'dist'), onWarning: () => {} })
  distDir = path.join(dir, 'dist', 'sheets-plugin')
})

afterAll(async () => {
  await backend.close()
  await rm(dir, { recursive: true, force: true })
})

function fresh (): AppsScriptRuntime {
  return loadAppsScript(distDir)
}

describe('onOpen / onInstall', () => {
  it('in AuthMode.NONE adds the add-on menu and touches nothing that needs authorization', () => {
    const runtime = fresh()
    runtime.run('onOpen', [{ authMode: 'NONE', source: {} }], 'NONE')
    expect(runtime.menus).toEqual([{ kind: 'addon', title: null, items: [{ caption: 'Open Switchboard', functionName: 'showSidebar' }] }])
    expect([...runtime.touched]).toEqual(['SpreadsheetApp'])
    expect(runtime.fetches).toEqual([])
  })

  it('onInstall (AuthMode.FULL) adds the same menu', () => {
    const runtime = fresh()
    runtime.run('onInstall', [{ authMode: 'FULL' }], 'FULL')
    expect(runtime.menus.map((m) => m.items)).toEqual([[{ caption: 'Open Switchboard', functionName: 'showSidebar' }]])
  })
})

describe('showSidebar', () => {
  it('shows the built Sidebar.html under the title Switchboard', () => {
    const runtime = fresh()
    runtime.run('showSidebar')
    expect(runtime.sidebars).toHaveLength(1)
    expect(runtime.sidebars[0]?.title).toBe('Switchboard')
    expect(runtime.sidebars[0]?.content).toContain('<form id="connect-form"')
  })
})

describe('connect / getConnection / disconnect', () => {
  it('checks a valid token against GET /api/v1/me, stores it, and returns workspace and user', async () => {
    const runtime = fresh()
    const before = (await backend.requests()).length
    const result = runtime.runForClient('connect', [`  ${FAKE_TOKENS.valid}\n`]) as ConnectionResult
    expect(result).toEqual({
      ok: true,
      connection: {
        workspaceName: FAKE_ME.workspace.name,
        user: { email: FAKE_ME.user.email, displayName: FAKE_ME.user.displayName, role: FAKE_ME.user.role },
        timeZone: FAKE_ME.workspace.timeZone,
        sendingNumber: { displayPhoneNumber: FAKE_CONNECTION.numbers[0]!.displayPhoneNumber, verifiedName: FAKE_CONNECTION.numbers[0]!.verifiedName, status: 'active' },
      },
    })
    expect(runtime.userProperties.get(TOKEN_KEY)).toBe(FAKE_TOKENS.valid)
    const headers = { Accept: 'application/json', Authorization: `Bearer ${FAKE_TOKENS.valid}` }
    expect(runtime.fetches).toEqual([
      { url: `${backend.url}/api/v1/me`, method: 'GET', headers, payload: undefined },
      { url: `${backend.url}/api/v1/whatsapp/connection`, method: 'GET', headers, payload: undefined },
    ])
    const seen = (await backend.requests()).slice(before)
    expect(seen).toEqual([
      { method: 'GET', path: '/api/v1/me', authorization: `Bearer ${FAKE_TOKENS.valid}`, contentType: null },
      { method: 'GET', path: '/api/v1/whatsapp/connection', authorization: `Bearer ${FAKE_TOKENS.valid}`, contentType: null },
    ])
  })

  it('reads the stored connection back, and forgets it on disconnect', () => {
    const runtime = fresh()
    runtime.runForClient('connect', [FAKE_TOKENS.valid])
    const stored = runtime.runForClient('getConnection') as ConnectionResult
    expect(stored.ok && stored.connection?.workspaceName).toBe(FAKE_ME.workspace.name)

    expect(runtime.runForClient('disconnect')).toEqual({ ok: true, connection: null })
    expect(runtime.userProperties.has(TOKEN_KEY)).toBe(false)
    const fetchesBefore = runtime.fetches.length
    expect(runtime.runForClient('getConnection')).toEqual({ ok: true, connection: null })
    expect(runtime.fetches).toHaveLength(fetchesBefore)
  })

  it.each([
    { description: 'unknown token', token: 'sbt_unknown0_0123456789abcdefghijklmnopqrstuv', code: 'SB_UNAUTHENTICATED', message: /not valid or has been revoked/ },
    { description: 'token without scope', token: FAKE_TOKENS.noScope, code: 'SB_AUTH_SCOPE_MISSING', message: /lacks the permission/ },
    { description: 'rate limited', token: FAKE_TOKENS.rateLimited, code: 'SB_RATE_LIMITED', message: /Too many requests/ },
  ])('returns the server\'s code and stores nothing ($description)', ({ token, code, message }) => {
    const runtime = fresh()
    const result = runtime.runForClient('connect', [token]) as ConnectionResult
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.code).toBe(code)
    expect(result.error.message).toMatch(message)
    expect(runtime.userProperties.has(TOKEN_KEY)).toBe(false)
  })

  it('keeps an earlier token when a new one is refused', () => {
    const runtime = fresh()
    runtime.runForClient('connect', [FAKE_TOKENS.valid])
    runtime.runForClient('connect', [FAKE_TOKENS.noScope])
    expect(runtime.userProperties.get(TOKEN_KEY)).toBe(FAKE_TOKENS.valid)
  })

  it('refuses something that is not a token without sending it anywhere', () => {
    const runtime = fresh()
    const result = runtime.runForClient('connect', ['https://example.com/?token=abc']) as ConnectionResult
    expect(result).toEqual({ ok: false, error: { code: 'SB_CLIENT_TOKEN_FORMAT', message: expect.stringMatching(/sbt_/) as unknown, field: 'token' } })
    expect(runtime.fetches).toEqual([])
  })

  it('reports an unreachable backend by code', async () => {
    const offline = await unusedLocalUrl()
    const out = path.join(dir, 'offline')
    await buildAll({ backendUrl: offline, outDir: out, onWarning: () => {} })
    const runtime = loadAppsScript(path.join(out, 'sheets-plugin'))
    const result = runtime.runForClient('connect', [FAKE_TOKENS.valid]) as ConnectionResult
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error.code).toBe('SB_CLIENT_UNREACHABLE')
    expect(runtime.userProperties.has(TOKEN_KEY)).toBe(false)
  })

  it('fails in AuthMode.NONE, where Apps Script refuses user properties (so onOpen must not call it)', () => {
    const runtime = fresh()
    expect(() => runtime.run('getConnection', [], 'NONE')).toThrow(/permission/)
  })

  it.each(['getSheetSetup', 'showSidebar', 'onHourlySync'])('%s fails in AuthMode.NONE too: only onOpen may run there', (name) => {
    expect(() => fresh().run(name, [{}], 'NONE')).toThrow(/permission/)
  })
})
