import { createRemoteJWKSet, customFetch, jwtVerify, type JWTVerifyGetKey } from 'jose'
import { createOutboundFetch, hostOf } from '../privacy/outbound.js'

/** The identity an add-on's Google ID token proves. */
export interface GoogleIdentity {
  email: string
  subject: string
  /**
   * The `hd` claim: the Google Workspace domain of the account, absent for consumer accounts.
   * Google: "You must check this claim when restricting access to a resource to only members
   * of certain domains" (https://developers.google.com/identity/openid-connect/openid-connect#an-id-tokens-payload).
   */
  hostedDomain?: string | undefined
}

export interface GoogleIdTokenOptions {
  /** Where Google publishes its signing keys; configurable so tests sign with a local key. */
  jwksUrl: string
  /** The OAuth client ids of our Apps Script projects: a token minted for another app is refused. */
  audiences: readonly string[]
  issuers: readonly string[]
}

export const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'] as const
export const GOOGLE_JWKS_URL = 'https://www.googleapis.com/oauth2/v3/certs'

/** True when the string has the shape of a JWT (three base64url parts); only then is it worth verifying. */
export function looksLikeJwt (token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token) && token.length < 8192
}

/**
 * Verifies `ScriptApp.getIdentityToken()` tokens from the Gmail add-on: Google's
 * signature (keys fetched from the JWKS URL and cached by jose), the issuer, that the
 * audience is one of our add-ons, that it has not expired, and that Google verified the
 * email, which is what maps the token to a Switchboard user.
 */
export function createGoogleIdTokenVerifier (options: GoogleIdTokenOptions) {
  // No transfer: the key fetch may reach only the configured JWKS host.
  const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(options.jwksUrl), {
    cooldownDuration: 30_000, timeoutDuration: 5_000, [customFetch]: createOutboundFetch([hostOf(options.jwksUrl)]),
  })
  return {
    async verify (token: string): Promise<GoogleIdentity | undefined> {
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: [...options.issuers],
          audience: [...options.audiences],
          algorithms: ['RS256'],
          clockTolerance: 30,
          requiredClaims: ['exp', 'iat', 'sub', 'email'],
        })
        if (payload['email_verified'] !== true || typeof payload['email'] !== 'string' || payload.sub === undefined) return undefined
        const hd = payload['hd']
        return { email: payload['email'], subject: payload.sub, hostedDomain: typeof hd === 'string' ? hd.toLowerCase() : undefined }
      } catch {
        // Expired, forged, for another app, or Google's keys unreachable: not a sign-in.
        return undefined
      }
    },
  }
}

export type GoogleIdTokenVerifier = ReturnType<typeof createGoogleIdTokenVerifier>
