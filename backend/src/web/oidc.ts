import { createHash, randomBytes } from 'node:crypto'
import { createRemoteJWKSet, customFetch, jwtVerify, type JWTPayload } from 'jose'
import { SwitchboardError } from '../errors.js'
import { createOutboundFetch, hostOf } from '../privacy/outbound.js'
import type { GoogleIdentity } from '../identity/google-id-token.js'
import type { OidcProviderConfig } from '../config.js'

/**
 * OpenID Connect sign-in for the web app: authorization code with PKCE (S256), `state`
 * against login CSRF, `nonce` against ID-token replay, and the ID token verified with
 * jose against the provider's published keys (signature, issuer, audience, expiry). Written
 * on jose and fetch rather than @fastify/oauth2: the redirect and code exchange are a few
 * lines, and the checks that matter (nonce, tenant, verified email) are ours either way.
 */
export type ProviderName = 'google' | 'microsoft'

export const PROVIDER_LABELS: Record<ProviderName, string> = { google: 'Google', microsoft: 'Microsoft' }

interface Discovery {
  issuer: string
  authorization_endpoint: string
  token_endpoint: string
  jwks_uri: string
}

/** What the browser carries between the redirect and the callback (in an httpOnly cookie). */
export interface PendingSignIn {
  provider: ProviderName
  state: string
  nonce: string
  verifier: string
  next: string
}

function random (): string {
  return randomBytes(32).toString('base64url')
}

export function newPendingSignIn (provider: ProviderName, next: string): PendingSignIn {
  return { provider, state: random(), nonce: random(), verifier: random(), next }
}

export function encodePending (pending: PendingSignIn): string {
  return Buffer.from(JSON.stringify(pending)).toString('base64url')
}

export function decodePending (cookie: string | undefined): PendingSignIn | undefined {
  if (cookie === undefined) return undefined
  try {
    const value = JSON.parse(Buffer.from(cookie, 'base64url').toString('utf8')) as Partial<PendingSignIn>
    if (typeof value.state !== 'string' || typeof value.nonce !== 'string' || typeof value.verifier !== 'string' || typeof value.next !== 'string') return undefined
    if (value.provider !== 'google' && value.provider !== 'microsoft') return undefined
    return value as PendingSignIn
  } catch {
    return undefined
  }
}

function failed (cause?: unknown): SwitchboardError {
  return new SwitchboardError('SB_WEB_OIDC_FAILED', undefined, cause === undefined ? undefined : { cause })
}

export function createOidcClient (name: ProviderName, provider: OidcProviderConfig) {
  let discovery: Promise<Discovery> | undefined
  let keys: ReturnType<typeof createRemoteJWKSet> | undefined

  // No transfer (privacy/outbound.ts): discovery goes only to the configured issuer; the
  // token and key requests only to the hosts that issuer's own discovery document names.
  const toIssuer = createOutboundFetch([hostOf(provider.issuer)])
  let toProvider: typeof fetch = toIssuer

  async function discover (): Promise<Discovery> {
    discovery ??= (async () => {
      const response = await toIssuer(`${provider.issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000) })
      if (!response.ok) throw new Error(`discovery answered ${response.status}`)
      const found = await response.json() as Discovery
      toProvider = createOutboundFetch([hostOf(provider.issuer), hostOf(found.token_endpoint), hostOf(found.jwks_uri)])
      return found
    })()
    // A failed discovery is retried on the next sign-in instead of being cached.
    return discovery.catch((error: unknown) => {
      discovery = undefined
      throw failed(error)
    })
  }

  /** Issuers the ID token may name: the discovered one; Google also signs as the bare host name. */
  function issuers (discovered: string): string[] {
    return name === 'google' && discovered === 'https://accounts.google.com' ? [discovered, 'accounts.google.com'] : [discovered]
  }

  return {
    name,

    async authorizationUrl (pending: PendingSignIn, redirectUri: string): Promise<string> {
      const { authorization_endpoint: endpoint } = await discover()
      const url = new URL(endpoint)
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: provider.clientId,
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: createHash('sha256').update(pending.verifier).digest('base64url'),
        code_challenge_method: 'S256',
        prompt: 'select_account',
      }).toString()
      return url.href
    },

    /** Exchanges the code and returns the email the provider vouches for; any failed check is SB_WEB_OIDC_FAILED. */
    /** The verified email, and for Google the account (`sub`) and Workspace domain (`hd`) behind it. */
    async verifiedEmail (code: string, pending: PendingSignIn, redirectUri: string): Promise<{ email: string, google?: GoogleIdentity }> {
      const meta = await discover()
      let idToken: unknown
      try {
        const response = await toProvider(meta.token_endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: provider.clientId, client_secret: provider.clientSecret, code_verifier: pending.verifier }),
          signal: AbortSignal.timeout(10_000),
        })
        if (!response.ok) throw new Error(`token endpoint answered ${response.status}`)
        idToken = ((await response.json()) as { id_token?: unknown }).id_token
      } catch (error) {
        throw failed(error)
      }
      if (typeof idToken !== 'string') throw failed()
      keys ??= createRemoteJWKSet(new URL(meta.jwks_uri), { [customFetch]: toProvider })
      let payload: JWTPayload
      try {
        ({ payload } = await jwtVerify(idToken, keys, { issuer: issuers(meta.issuer), audience: provider.clientId, algorithms: ['RS256', 'ES256'] }))
      } catch (error) {
        throw failed(error)
      }
      if (payload['nonce'] !== pending.nonce) throw failed()
      if (name === 'microsoft') {
        // One tenant only: its directory vouches for the accounts' emails.
        if (payload['tid'] !== provider.tenantId) throw failed()
        const email = payload['email'] ?? payload['preferred_username']
        if (typeof email !== 'string' || !email.includes('@')) throw failed()
        return { email }
      }
      const email = payload['email']
      if (typeof email !== 'string' || payload['email_verified'] !== true || typeof payload.sub !== 'string') throw failed()
      const hd = payload['hd']
      return { email, google: { email, subject: payload.sub, hostedDomain: typeof hd === 'string' ? hd.toLowerCase() : undefined } }
    },
  }
}

export type OidcClient = ReturnType<typeof createOidcClient>
