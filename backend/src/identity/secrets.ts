import { createHash, randomBytes } from 'node:crypto'

/** SHA-256 hex of a high-entropy secret (API token, session id); what the store keeps instead of the secret. */
export function hashSecret (secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

export interface NewApiToken {
  /** Shown to the user once and never stored. */
  token: string
  /** The visible start, e.g. `sbt_3kq9x2ab`, stored and listed. */
  prefix: string
  hash: string
}

/**
 * `sbt_` + 8 visible characters + `_` + 32 secret characters (base62-ish from base64url).
 * The fixed `sbt_` start lets secret scanners recognise leaked tokens.
 */
export function generateApiToken (): NewApiToken {
  const visible = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 8).toLowerCase()
  const secret = randomBytes(24).toString('base64url')
  const prefix = `sbt_${visible}`
  const token = `${prefix}_${secret}`
  return { token, prefix, hash: hashSecret(token) }
}

/** A session cookie value: 256 random bits. */
export function generateSessionId (): string {
  return randomBytes(32).toString('base64url')
}
