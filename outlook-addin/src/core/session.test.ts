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
  it('starts this pane\'s own family once for concurrent calls, and leaves the stored sign-in token as it is', async () => {
    const store = memoryStore('sbs_0')
    const calls: string[] = []
    let round = 0
    const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const url = String(input)
      calls.push(url.replace(BACKEND, ''))
      if (url.endsWith('/oauth/addin/token')) {
        expect(JSON.parse(String(init?.body))).toEqual({ grantType: 'sign_in', clientId: 'outlook-addin', signInToken: 'sbs_0' })
        await new Promise((resolve) => setTimeout(resolve, 10))
        return json(200, grant(++round))
      }
      return json(200, { ok: true })
    }
    const session = createSession({ backendUrl: BACKEND, store, openDialog: async () => '', fetch })
    await Promise.all([session.api('GET', '/me'), session.api('GET', '/me'), session.api('GET', '/me')])
    expect(calls.filter((c) => c === '/oauth/addin/token')).toHaveLength(1)
    // Other panes read the same roaming value: it is never rotated from here.
    expect(store.value).toBe('sbs_0')
  })

  it('retries a refresh whose answer was lost once with the same token, then never presents that token again', async () => {
    const store = memoryStore('sbs_0')
    const bodies: Array<Record<string, string>> = []
    let down = false
    const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const url = String(input)
      if (url.endsWith('/oauth/addin/token')) {
        const body = JSON.parse(String(init?.body)) as Record<string, string>
        bodies.push(body)
        if (down) throw new TypeError('Failed to fetch')
        return json(200, grant(bodies.length))
      }
      return (init?.headers as Record<string, string>).authorization === 'Bearer sba_1' ? json(401, { code: 'SB_UNAUTHENTICATED', message: 'expired' }) : json(200, { ok: true })
    }
    const session = createSession({ backendUrl: BACKEND, store, openDialog: async () => '', fetch })
    expect(await session.resume()).toBe(true)
    down = true
    await expect(session.api('GET', '/me')).rejects.toBeInstanceOf(NetworkError)
    expect(bodies.slice(1).map((b) => b.refreshToken)).toEqual(['sbr_1', 'sbr_1'])
    down = false
    await session.api('GET', '/me')
    // Back online: a new family from the sign-in token, not the token whose fate is unknown.
    expect(bodies.at(-1)).toEqual({ grantType: 'sign_in', clientId: 'outlook-addin', signInToken: 'sbs_0' })
  })

  it('retries a 401 once with a fresh token, then asks for sign-in and forgets a refused sign-in token', async () => {
    const store = memoryStore('sbs_0')
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
    const session = createSession({ backendUrl: BACKEND, store: memoryStore('sbs_0'), openDialog: async () => '', fetch: async () => { throw new TypeError('Failed to fetch') } })
    await expect(session.resume()).rejects.toBeInstanceOf(NetworkError)
  })

  it('refuses a dialog answer whose state is not the one it sent', async () => {
    const session = createSession({ backendUrl: BACKEND, store: memoryStore(null), openDialog: async () => JSON.stringify({ code: 'sbc_x', state: 'someone-elses' }), fetch: async () => json(200, grant(1)) })
    await expect(session.signIn()).rejects.toThrow(/did not match/)
  })
})
