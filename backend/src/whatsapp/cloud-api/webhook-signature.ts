import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * JSON the way Meta writes webhook bodies: every non-ASCII UTF-16 unit as `\uXXXX` with
 * lowercase hex (so emoji become surrogate pairs). Meta signs these exact bytes.
 */
export function asciiJson (value: unknown): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** The `X-Hub-Signature-256` header value for a body: `sha256=` + lowercase hex HMAC-SHA256. */
export function signWebhookBody (appSecret: string, rawBody: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`
}

/**
 * True when `header` is the signature of exactly these raw bytes. Verify the bytes as
 * received: parsing and re-serialising turns `\u00eb` back into `ë` and breaks the match.
 */
export function verifyWebhookSignature (appSecret: string, rawBody: string | Uint8Array, header: string | undefined): boolean {
  if (header === undefined || !header.startsWith('sha256=')) return false
  const given = Buffer.from(header.slice('sha256='.length), 'hex')
  const expected = createHmac('sha256', appSecret).update(rawBody).digest()
  // Constant-time compare so the signature cannot be learned byte by byte from timing.
  return given.length === expected.length && timingSafeEqual(given, expected)
}
