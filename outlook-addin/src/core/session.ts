import type { AddinToken, AddinTokenRequest, ApiError } from '../../../backend/src/api.js'

/** The client id and redirect page the backend registers for this add-in (backend/src/identity/addin-auth.ts). */
export const CLIENT_ID = 'outlook-addin'
/**
 * The roaming setting that keeps the sign-in token. A new name: the single refresh token the
 * setting before it held is not resumed (those panes sign in once more).
 */
export const SIGN_IN_SETTING = 'switchboard.signInToken'

/** The backend answered with an error body. */
export class BackendError extends Error {
  readonly status: number
  readonly code: string
  readonly field: string | undefined
  constructor (status: number, body: Partial<ApiError> | null) {
    super(body?.message ?? `Switchboard answered ${status}`)
    this.name = 'BackendError'
    this.status = status
    this.code = body?.code ?? 'SB_UNKNOWN'
    this.field = body?.field
  }
}

/** The backend could not be reached at all (offline, DNS, TLS, a proxy): nothing happened on the server. */
export class NetworkError extends Error {
  constructor (cause: unknown) {
    super('Switchboard cannot be reached', { cause })
    this.name = 'NetworkError'
  }
}

/** The person must sign in (again): no refresh token, or the backend refused it. */
export class SignInRequiredError extends Error {
  constructor () {
    super('Sign in to Switchboard')
    this.name = 'SignInRequiredError'
  }
}

/** Where the sign-in token is kept between pane loads (roaming settings in Outlook). */
export interface TokenStore {
  get: () => string | null
  set: (value: string | null) => Promise<void>
}

export interface SessionDeps {
  backendUrl: string
  store: TokenStore
  /** Opens the sign-in page in a dialog and resolves with what the landing page sent back. */
  openDialog: (url: string) => Promise<string>
  fetch?: typeof fetch
}

export interface SignedInUser {
  id: string
  email: string
  displayName: string
  workspaceName: string
}

function base64url (bytes: Uint8Array): string {
  let text = ''
  for (const byte of bytes) text += String.fromCharCode(byte)
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function randomText (bytes: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)))
}

/** PKCE S256 (RFC 7636): a fresh verifier per sign-in and its SHA-256 challenge. */
export async function createPkce (): Promise<{ verifier: string, challenge: string }> {
  const verifier = randomText(32)
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))
  return { verifier, challenge: base64url(new Uint8Array(digest)) }
}

/** The backend refused this pane's refresh token (its family is gone): start a new family from the sign-in token. */
class FamilyLostError extends Error {}

/**
 * The add-in's sign-in and every backend call. Several panes run at once and each has its
 * own in-memory copy of roaming settings, so they share only the sign-in token kept there
 * (never rotated); each pane instance trades it for a token family of its own, and keeps
 * that family's access and refresh tokens in memory. Refreshes rotate the pane's refresh
 * token, one at a time. A refresh whose answer is lost is retried at once (the backend
 * answers a retry within its grace window with the same successor); if that fails too, the
 * token is dropped rather than presented again later, when the backend would read it as
 * stolen, and the pane starts a new family from the sign-in token instead.
 */
export function createSession (deps: SessionDeps) {
  const doFetch = deps.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init))
  const redirectUri = `${deps.backendUrl}/outlook/signed-in.html`
  let accessToken: string | null = null
  // This pane instance's refresh token: memory only, so no other pane ever presents it.
  let refreshToken: string | null = null
  let user: SignedInUser | null = null
  let refreshing: Promise<void> | null = null

  async function send (path: string, init: RequestInit): Promise<Response> {
    try {
      return await doFetch(`${deps.backendUrl}${path}`, init)
    } catch (error) {
      throw new NetworkError(error)
    }
  }

  async function errorOf (response: Response): Promise<BackendError> {
    const body = await response.json().catch(() => null) as Partial<ApiError> | null
    return new BackendError(response.status, body)
  }

  async function tokenCall (request: AddinTokenRequest): Promise<void> {
    const response = await send('/oauth/addin/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) })
    if (!response.ok) {
      const error = await errorOf(response)
      if (error.code === 'SB_ADDIN_GRANT_INVALID') {
        accessToken = null
        refreshToken = null
        if (request.grantType === 'refresh_token') throw new FamilyLostError()
        user = null
        // The sign-in itself is gone (signed out, revoked, expired): stop presenting it.
        await deps.store.set(null)
        throw new SignInRequiredError()
      }
      throw error
    }
    const grant = await response.json() as AddinToken
    accessToken = grant.accessToken
    refreshToken = grant.refreshToken
    user = { id: grant.user.id, email: grant.user.email, displayName: grant.user.displayName, workspaceName: grant.workspace.name }
    if (grant.signInToken !== undefined) await deps.store.set(grant.signInToken)
  }

  /** Rotates this pane's refresh token; true when done, false when the family is gone. */
  async function rotate (): Promise<boolean> {
    const token = refreshToken
    if (token === null) return false
    for (let attempt = 0; ; attempt++) {
      try {
        await tokenCall({ grantType: 'refresh_token', clientId: CLIENT_ID, refreshToken: token })
        return true
      } catch (error) {
        if (error instanceof FamilyLostError) return false
        if (!(error instanceof NetworkError)) throw error
        if (attempt === 0) continue
        // Its fate is unknown and the grace window will pass: never present it again.
        if (refreshToken === token) refreshToken = null
        throw error
      }
    }
  }

  function refresh (): Promise<void> {
    refreshing ??= (async () => {
      if (await rotate()) return
      const signInToken = deps.store.get()
      if (signInToken === null) throw new SignInRequiredError()
      await tokenCall({ grantType: 'sign_in', clientId: CLIENT_ID, signInToken })
    })().finally(() => { refreshing = null })
    return refreshing
  }

  return {
    user: (): SignedInUser | null => user,

    /** Resumes an earlier sign-in from the stored sign-in token; false when there is none to resume. */
    async resume (): Promise<boolean> {
      if (accessToken !== null) return true
      if (refreshing !== null) {
        await refreshing.catch(() => undefined)
        if (accessToken !== null) return true
      }
      if (deps.store.get() === null) return false
      try {
        await refresh()
        return true
      } catch (error) {
        if (error instanceof SignInRequiredError) return false
        throw error
      }
    },

    /** The dialog flow: our sign-in page, a code back through messageParent, exchanged with the PKCE verifier. */
    async signIn (): Promise<void> {
      const { verifier, challenge } = await createPkce()
      const state = randomText(24)
      const query = new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: redirectUri, response_type: 'code', code_challenge: challenge, code_challenge_method: 'S256', state })
      const answer = JSON.parse(await deps.openDialog(`${deps.backendUrl}/oauth/addin/authorize?${query.toString()}`)) as { code?: unknown, state?: unknown }
      // A message whose state is not ours did not come from the sign-in we started.
      if (answer.state !== state || typeof answer.code !== 'string') throw new Error('The sign-in answer did not match this sign-in; try again')
      await tokenCall({ grantType: 'authorization_code', clientId: CLIENT_ID, code: answer.code, codeVerifier: verifier, redirectUri })
    },

    /** Signs out every pane of this sign-in: the backend revokes it, and roaming settings forget it. */
    async signOut (): Promise<void> {
      const signInToken = deps.store.get()
      accessToken = null
      refreshToken = null
      user = null
      await deps.store.set(null)
      if (signInToken !== null) {
        // Best effort: the token is gone from here either way, and it expires by itself.
        await send('/oauth/addin/revoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: CLIENT_ID, signInToken }) }).catch(() => undefined)
      }
    },

    /** Calls /api/v1; on a 401 refreshes once and retries, else asks for sign-in. */
    async api<T> (method: string, path: string, body?: unknown): Promise<T> {
      for (let attempt = 0; ; attempt++) {
        if (accessToken === null) await refresh()
        const headers: Record<string, string> = { authorization: `Bearer ${accessToken ?? ''}` }
        if (body !== undefined) headers['content-type'] = 'application/json'
        const response = await send(`/api/v1${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
        if (response.status === 401 && attempt === 0) {
          accessToken = null
          continue
        }
        if (response.status === 401) throw new SignInRequiredError()
        if (!response.ok) throw await errorOf(response)
        return await response.json() as T
      }
    },
  }
}

export type Session = ReturnType<typeof createSession>
