import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * CSRF tokens for the web app's forms. A session's token is an HMAC of the session id
 * (which only the httpOnly cookie holds), so it is per session, needs no storage, ends
 * with the session, and reveals nothing about the session id itself. The sign-in form
 * comes before any session: it is bound the same way to a random pre-session cookie
 * (double submit), so another site cannot sign a browser in to an account of its choosing.
 */
export const SIGN_IN_COOKIE = 'sb_signin'

export function csrfTokenFor (secret: string, purpose: 'session' | 'sign-in'): string {
  return createHmac('sha256', secret).update(`switchboard-csrf:${purpose}`).digest('base64url')
}

export function newSignInSecret (): string {
  return randomBytes(32).toString('base64url')
}

/** Constant-time comparison of the submitted token with the expected one. */
export function csrfMatches (secret: string | undefined, purpose: 'session' | 'sign-in', submitted: unknown): boolean {
  if (secret === undefined || secret === '' || typeof submitted !== 'string') return false
  const expected = Buffer.from(csrfTokenFor(secret, purpose))
  const given = Buffer.from(submitted)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
