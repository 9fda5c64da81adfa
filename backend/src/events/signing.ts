import { createHmac, randomBytes } from 'node:crypto'

/**
 * Deliveries are signed as Standard Webhooks 1.0 specifies
 * (github.com/standard-webhooks/standard-webhooks, spec/standard-webhooks.md), so
 * receivers can use its libraries in any language, or the few lines in the README:
 *
 * - `webhook-id`: the event id (`evt_…`), the same in every retry and redelivery;
 * - `webhook-timestamp`: this attempt's time, in whole Unix seconds;
 * - `webhook-signature`: `v1,<base64 HMAC-SHA256>` of `<id>.<timestamp>.<raw body>`, keyed
 *   with the endpoint secret's bytes (`whsec_<base64>`). After a rotation the previous
 *   secret signs too, for a day, space-separated after the current one ("zero downtime
 *   secret rotation", as the spec has it).
 *
 * The timestamp is part of what is signed, so a receiver that refuses timestamps more
 * than a few minutes old cannot be fed an old delivery again (replay).
 */

const SECRET_PREFIX = 'whsec_'

/** A new endpoint secret: 32 random bytes (the spec asks for 24 to 64). */
export function newSigningSecret (): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`
}

/** The key bytes of a `whsec_…` secret. */
export function secretKey (secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('not a webhook signing secret')
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64')
}

/** One `v1,<base64>` signature of a delivery. */
export function sign (secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.`).update(body).digest('base64')
  return `v1,${mac}`
}

/** The three Standard Webhooks headers of one attempt, signed with every given secret (current first). */
export function signedHeaders (secrets: readonly string[], id: string, timestamp: number, body: string): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  // The signed content is dot-joined: an id with a dot in it could shift the boundaries.
  if (id.includes('.')) throw new Error('event ids must not contain a dot')
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((s) => sign(s, id, timestamp, body)).join(' '),
  }
}
