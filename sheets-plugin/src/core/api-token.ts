import { CLIENT_ERROR_CODES } from '../../../apps-script/src/core/backend-client.js'

/** Every Switchboard API token starts with this; secret scanners key on it too. */
export const API_TOKEN_PREFIX = 'sbt_'

// Far above a real token (45 characters) but small enough for a 9 KB user property.
const MAX_TOKEN_LENGTH = 200

export type TokenCheck =
  | { ok: true, token: string }
  | { ok: false, code: typeof CLIENT_ERROR_CODES.tokenFormat }

/**
 * Normalises a pasted token and rejects what cannot be one before any request is made,
 * so a stray paste (a URL, a sentence) never travels as a bearer credential.
 */
export function checkApiToken (input: string): TokenCheck {
  const token = input.trim()
  const wellFormed = token.startsWith(API_TOKEN_PREFIX) && token.length > API_TOKEN_PREFIX.length &&
    token.length <= MAX_TOKEN_LENGTH && /^[A-Za-z0-9_-]+$/.test(token)
  return wellFormed ? { ok: true, token } : { ok: false, code: CLIENT_ERROR_CODES.tokenFormat }
}
