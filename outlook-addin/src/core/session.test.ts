import { describe, expect, it } from 'vitest'
import { createPkce, createSession, NetworkError, SignInRequiredError, type TokenStore } from './session.js'
import { createHash } from 'node:crypto'

const BACKEND = 'https://crm.example.test'

function memoryStore (initial: string | null): TokenStore & { value: string | null } {
  const store = {
    value: initial,
    get: () => store.value,
    set: async (v: string | null) => { store.value = v },
  }
  return store
}

const grant = (n: number) => ({ accessToken: `sba_${n}`, refreshToken: `sbr_${n}`, expiresIn: 900, user: { id: 'usr_1', email: 'a@example.com', displayName: 'Ada' }, workspace: { id: 'ws_1', name: 'Acme' } })
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

describe('createPkce', () => {
  it('makes an S256 challenge of a 43-character verifier', async () => {
    const { verifier, challenge } = await createPkce()
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(challenge).toBe(createHash('sha256').update(verifier).digest('base64url'))
  })
})

describe('session', () => {
  it('refreshes once for concurrent calls (a rotated token sent twice would sign the add-in out)', async () => {
    const store = memoryStore('sbr_0')
    const calls: string[] = []
    let round = 0
    const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const url = String(input)
      calls.push(url.replace(BACKEND, ''))
      if (url.endsWith('/oauth/addin/token')) {
        expect(JSON.parse(String(init?.body))).toMatchObject({ grantType: 'refresh_token', refreshToken: `sbr_${round}` })
        await new Promise((resolve) => setTimeout(resolve, 10))
        return json(200, grant(++round))
      }
      return json(200, { ok: true })
    }
    const session = createSession({ backendUrl: BACKEND, store, openDialog: async () => '', fetch })
    await Promise.all([session.api('GET', '/me'), session.api('GET', '/me'), session.api('GET', '/me')])
    expect(calls.filter((c) => c === '/oauth/addin/token')).toHaveLength(1)
    expect(store.value).toBe('sbr_1')
  })

  it('retries a 401 once with a fresh token, then asks for sign-in and forgets a refused refresh token', async () => {
    const store = memoryStore('sbr_0')
    let refreshes = 0
    const fetch = async (input: RequestInfo | URL): Promise<Response> => {
      if (String(input).endsWith('/oauth/addin/token')) {
        refreshes++
        return refreshes === 1 ? json(200, grant(1)) : json(400, { code: 'SB_ADDIN_GRANT_INVALID', message: 'sign in again' })
      }
      return json(401, { code: 'SB_UNAUTHENTICATED', message: 'no' })
    }
    const session = createSession({ backendUrl: BACKEND, store, openDialog: async () => '', fetch })
    await expect(session.api('GET', '/me')).rejects.toBeInstanceOf(SignInRequiredError)
    expect(store.value).toBeNull()
  })

  it('tells a network failure apart from a refusal', async () => {
    const session = createSession({ backendUrl: BACKEND, store: memoryStore('sbr_0'), openDialog: async () => '', fetch: async () => { throw new TypeError('Failed to fetch') } })
    await expect(session.resume()).rejects.toBeInstanceOf(NetworkError)
  })

  it('refuses a dialog answer whose state is not the one it sent', async () => {
    const session = createSession({ backendUrl: BACKEND, store: memoryStore(null), openDialog: async () => JSON.stringify({ code: 'sbc_x', state: 'someone-elses' }), fetch: async () => json(200, grant(1)) })
    await expect(session.signIn()).rejects.toThrow(/did not match/)
  })
})
