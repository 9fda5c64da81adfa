import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.js'
import { newId, nowIso } from '../ids.js'

/**
 * Meta's Data Deletion Request Callback: when someone removes our app in their Facebook
 * settings, Meta POSTs a `signed_request` (`<signature>.<payload>`, both base64url; the
 * signature is HMAC-SHA256 of the payload part under our app secret) and expects
 * `{ url, confirmation_code }`, where the url shows the request's status.
 */

export interface SignedRequest {
  userId: string
  issuedAt: number | undefined
}

function fromBase64Url (part: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(part)) return undefined
  return Buffer.from(part, 'base64url')
}

/** The verified payload, or undefined when anything about it is wrong (no detail: an oracle helps forgers). */
export function parseSignedRequest (signedRequest: string, appSecret: string): SignedRequest | undefined {
  const parts = signedRequest.split('.')
  if (parts.length !== 2 || appSecret === '') return undefined
  const [signaturePart, payloadPart] = parts as [string, string]
  const signature = fromBase64Url(signaturePart)
  const payloadBytes = fromBase64Url(payloadPart)
  if (signature === undefined || payloadBytes === undefined) return undefined
  const expected = createHmac('sha256', appSecret).update(payloadPart).digest()
  // Constant time, and only on equal lengths (timingSafeEqual throws otherwise).
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return undefined
  let payload: unknown
  try {
    payload = JSON.parse(payloadBytes.toString('utf8'))
  } catch {
    return undefined
  }
  if (typeof payload !== 'object' || payload === null) return undefined
  const p = payload as Record<string, unknown>
  if (typeof p['algorithm'] !== 'string' || p['algorithm'].toUpperCase() !== 'HMAC-SHA256') return undefined
  const userId = typeof p['user_id'] === 'string' || typeof p['user_id'] === 'number' ? String(p['user_id']) : undefined
  if (userId === undefined || userId === '') return undefined
  return { userId, issuedAt: typeof p['issued_at'] === 'number' ? p['issued_at'] : undefined }
}

/** Signs a payload the way Meta does; for tests and the sandbox. */
export function signRequest (payload: object, appSecret: string): string {
  const payloadPart = Buffer.from(JSON.stringify(payload)).toString('base64url')
  return `${createHmac('sha256', appSecret).update(payloadPart).digest('base64url')}.${payloadPart}`
}

function sha256 (text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

export interface DeletionStatus {
  kind: 'workspace' | 'meta_user'
  status: 'received' | 'completed' | 'failed'
  summary: Record<string, unknown>
  requestedAt: string
  completedAt: string | null
}

export function createDeletionRequests (db: Kysely<Database>) {
  return {
    /**
     * Records a receipt and returns its confirmation code (shown once; we keep its digest).
     * The receipt names nobody: the subject is a digest, the summary holds counts.
     */
    async record (kind: 'workspace' | 'meta_user', subject: string, status: 'received' | 'completed', summary: Record<string, number | string>): Promise<string> {
      const code = randomBytes(12).toString('base64url')
      const at = nowIso()
      await db.insertInto('deletion_requests').values({
        id: newId('deletion'), kind, code_hash: sha256(code), subject_digest: sha256(`${kind}:${subject}`), status,
        summary: JSON.stringify(summary), requested_at: at, completed_at: status === 'completed' ? at : null,
      }).execute()
      return code
    },

    async complete (code: string, summary: Record<string, number | string>): Promise<void> {
      await db.updateTable('deletion_requests').set({ status: 'completed', summary: JSON.stringify(summary), completed_at: nowIso() }).where('code_hash', '=', sha256(code)).execute()
    },

    async status (code: string): Promise<DeletionStatus | undefined> {
      const row = await db.selectFrom('deletion_requests').selectAll().where('code_hash', '=', sha256(code)).executeTakeFirst()
      if (row === undefined) return undefined
      return { kind: row.kind, status: row.status, summary: JSON.parse(row.summary) as Record<string, unknown>, requestedAt: row.requested_at, completedAt: row.completed_at }
    },

    /**
     * A Facebook user removed our app. Switchboard keys nothing to a Facebook user id (its
     * users sign in with email, Google or Microsoft; WhatsApp contacts are phone numbers),
     * so there is nothing to delete; the receipt says so, and is kept for its period.
     */
    async metaUser (userId: string): Promise<string> {
      return this.record('meta_user', userId, 'completed', { recordsKeyedToThisFacebookUser: 0 })
    },
  }
}

export type DeletionRequests = ReturnType<typeof createDeletionRequests>
