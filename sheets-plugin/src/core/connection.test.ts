import { describe, expect, it } from 'vitest'
import type { Me, WhatsappNumber } from '../../../apps-script/src/core/api-types.js'
import { BackendError } from '../../../apps-script/src/core/backend-client.js'
import { createConnectionActions, type TokenStore } from './connection.js'

const ME: Me = {
  user: { id: 'usr_01hzx3q9m7c8v5b4n2k6j1h0ga', email: 'ada@example.com', displayName: 'Ada', role: 'agent', status: 'active', lastLoginAt: null, loginCount: 1, createdAt: '2026-01-01T00:00:00.000Z' },
  workspace: { id: 'wsp_01hzx3q9m7c8v5b4n2k6j1h0gb', name: 'Acme', timeZone: 'UTC', defaultCountry: null },
  scopes: ['crm:read'],
  via: 'token',
}
const TOKEN = 'sbt_abcd1234_secret'

function memoryStore (initial: string | null = null): TokenStore & { value: string | null } {
  const store = {
    value: initial,
    read: () => store.value,
    write: (token: string) => { store.value = token },
    clear: () => { store.value = null },
  }
  return store
}

describe('createConnectionActions', () => {
  it('connect stores the token only after the backend accepted it', () => {
    const tokens = memoryStore()
    const asked: string[] = []
    const actions = createConnectionActions({ tokens, fetchMe: (token) => { asked.push(token); return ME } })
    expect(actions.connect(` ${TOKEN} `)).toEqual({ ok: true, connection: { workspaceName: 'Acme', user: { email: 'ada@example.com', displayName: 'Ada', role: 'agent' }, timeZone: 'UTC', sendingNumber: null } })
    expect(asked).toEqual([TOKEN])
    expect(tokens.value).toBe(TOKEN)
  })

  it('connect returns the backend\'s code and a sentence, and keeps the previous token', () => {
    const tokens = memoryStore('sbt_old_token')
    const actions = createConnectionActions({ tokens, fetchMe: () => { throw new BackendError('SB_UNAUTHENTICATED', 'Sign in or send a valid API token', 401) } })
    const result = actions.connect(TOKEN)
    expect(result).toEqual({ ok: false, error: { code: 'SB_UNAUTHENTICATED', message: expect.stringMatching(/revoked/) as unknown } })
    expect(tokens.value).toBe('sbt_old_token')
  })

  it('connect rejects a malformed token without calling the backend', () => {
    const actions = createConnectionActions({ tokens: memoryStore(), fetchMe: () => { throw new Error('must not be called') } })
    const result = actions.connect('hello')
    expect(result.ok === false && result.error.code).toBe('SB_CLIENT_TOKEN_FORMAT')
    expect(result.ok === false && result.error.field).toBe('token')
  })

  it('lets unexpected errors through, so Apps Script logs them', () => {
    const actions = createConnectionActions({ tokens: memoryStore(), fetchMe: () => { throw new TypeError('bug') } })
    expect(() => actions.connect(TOKEN)).toThrow(TypeError)
  })

  it('getConnection is null without a token and asks the backend with one', () => {
    const tokens = memoryStore()
    const actions = createConnectionActions({ tokens, fetchMe: () => ME })
    expect(actions.getConnection()).toEqual({ ok: true, connection: null })
    tokens.value = TOKEN
    const result = actions.getConnection()
    expect(result.ok && result.connection?.workspaceName).toBe('Acme')
  })

  it('getConnection reports a revoked token but does not delete it', () => {
    const tokens = memoryStore(TOKEN)
    const actions = createConnectionActions({ tokens, fetchMe: () => { throw new BackendError('SB_UNAUTHENTICATED', 'x', 401) } })
    expect(actions.getConnection().ok).toBe(false)
    expect(tokens.value).toBe(TOKEN)
  })

  it('shows the active sending number, and connects without one when the token may not read numbers', () => {
    const number = (status: 'active' | 'paused', display: string): WhatsappNumber => ({
      id: display, displayPhoneNumber: display, verifiedName: 'Acme', qualityRating: null, messagingLimitTier: null, throughputLevel: null,
      throughputPerSecond: 80, registered: true, status, pausedReason: null, pausedAt: null,
    })
    const withNumbers = createConnectionActions({ tokens: memoryStore(), fetchMe: () => ME, fetchNumbers: () => [number('paused', '+1 555 0001'), number('active', '+1 555 0002')] })
    const connected = withNumbers.connect(TOKEN)
    expect(connected.ok && connected.connection?.sendingNumber).toEqual({ displayPhoneNumber: '+1 555 0002', verifiedName: 'Acme', status: 'active' })

    const refused = createConnectionActions({ tokens: memoryStore(), fetchMe: () => ME, fetchNumbers: () => { throw new BackendError('SB_AUTH_SCOPE_MISSING', 'x', 403) } })
    const stillConnected = refused.connect(TOKEN)
    expect(stillConnected.ok && stillConnected.connection?.sendingNumber).toBeNull()

    const down = createConnectionActions({ tokens: memoryStore(), fetchMe: () => ME, fetchNumbers: () => { throw new BackendError('SB_CLIENT_UNREACHABLE', 'x', 0) } })
    expect(down.connect(TOKEN).ok).toBe(false)
  })

  it('disconnect clears the token', () => {
    const tokens = memoryStore(TOKEN)
    expect(createConnectionActions({ tokens, fetchMe: () => ME }).disconnect()).toEqual({ ok: true, connection: null })
    expect(tokens.value).toBeNull()
  })
})
