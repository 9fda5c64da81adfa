import { createHash } from 'node:crypto'
import { sql, type Kysely, type Transaction } from 'kysely'
import type { Database } from '../store/schema.js'
import type { Dialect } from '../store/database.js'
import { newId, nowIso, type WorkspaceId } from '../ids.js'

/** Actions the audit log records. Content (message bodies, contact fields) never goes in `details`. */
export const AUDIT_ACTIONS = [
  'workspace.created',
  'user.created', 'user.login', 'user.login_failed', 'user.locked', 'user.logout',
  'user.role_changed', 'user.deactivated', 'user.reactivated', 'user.password_changed',
  'token.created', 'token.revoked',
  'addin.signed_in', 'addin.signin_revoked',
  'whatsapp.connected', 'whatsapp.signup_failed', 'whatsapp.disconnected', 'whatsapp.number_paused',
  // Limited Use: every human or non-feature read of Google- and Microsoft-derived data, and every refusal.
  'privacy.consent_granted', 'privacy.consent_revoked', 'privacy.support_access', 'privacy.security_access',
  'privacy.legal_access', 'privacy.access_refused',
  'privacy.retention_changed', 'privacy.retention_swept', 'privacy.export_requested', 'privacy.export_downloaded',
  'privacy.contact_erased', 'privacy.user_erased', 'privacy.workspace_erasure_requested',
  'campaign.started', 'campaign.cancelled',
  // Outbound webhooks: where the workspace's events go, and who changed that.
  'webhook.endpoint_created', 'webhook.endpoint_updated', 'webhook.endpoint_deleted', 'webhook.secret_rotated',
  'webhook.endpoint_disabled', 'webhook.redelivered',
  // A Google account bound to a user at their first Google sign-in (issue 15 item 11).
  'user.google_bound', 'workspace.google_domain_set',
] as const
export type AuditAction = typeof AUDIT_ACTIONS[number]

export interface AuditEntry {
  action: AuditAction
  actorUserId?: string | null
  actorTokenId?: string | null
  targetType?: string | null
  targetId?: string | null
  ip?: string | null
  details?: Record<string, string | number | boolean | null>
}

export interface AuditEvent {
  id: string
  seq: number
  action: string
  actorUserId: string | null
  actorTokenId: string | null
  targetType: string | null
  targetId: string | null
  ip: string | null
  details: Record<string, unknown>
  createdAt: string
}

const GENESIS = '0'.repeat(64)

/** The bytes each link of the chain hashes; field order is fixed so verification can recompute it. */
function linkHash (prevHash: string, row: Omit<Database['audit_events'], 'hash' | 'prev_hash' | 'id'>): string {
  const canonical = JSON.stringify([
    row.workspace_id, row.seq, row.actor_user_id, row.actor_token_id, row.action,
    row.target_type, row.target_id, row.ip, row.details, row.created_at,
  ])
  return createHash('sha256').update(prevHash).update(canonical).digest('hex')
}

export function createAuditLog (db: Kysely<Database>, dialect: Dialect) {
  async function append (trx: Transaction<Database>, ws: WorkspaceId, entry: AuditEntry): Promise<void> {
    if (dialect === 'postgres') {
      // Two writers must not both extend the chain from the same head.
      await sql`select pg_advisory_xact_lock(hashtext(${'audit:' + ws}))`.execute(trx)
    }
    const head = await trx.selectFrom('audit_events').select(['seq', 'hash'])
      .where('workspace_id', '=', ws).orderBy('seq', 'desc').limit(1).executeTakeFirst()
    // With every event pruned by retention, the chain continues from the anchor.
    const start = head ?? await trx.selectFrom('audit_anchors').select(['seq', 'hash']).where('workspace_id', '=', ws).executeTakeFirst()
    const row = {
      workspace_id: ws,
      seq: (start?.seq ?? 0) + 1,
      actor_user_id: entry.actorUserId ?? null,
      actor_token_id: entry.actorTokenId ?? null,
      action: entry.action,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId ?? null,
      ip: entry.ip ?? null,
      details: JSON.stringify(entry.details ?? {}),
      created_at: nowIso(),
    }
    const prevHash = start?.hash ?? GENESIS
    await trx.insertInto('audit_events')
      .values({ id: newId('audit'), ...row, prev_hash: prevHash, hash: linkHash(prevHash, row) })
      .execute()
  }

  return {
    /** Appends an event inside the caller's transaction, or in its own when none is given. */
    async record (ws: WorkspaceId, entry: AuditEntry, trx?: Transaction<Database>): Promise<void> {
      if (trx !== undefined) return append(trx, ws, entry)
      await db.transaction().execute((own) => append(own, ws, entry))
    },

    /** Newest first; the web app's audit page filters by actor and by a time range (`from` inclusive, `to` exclusive, ISO instants). */
    async list (ws: WorkspaceId, options: { limit: number, beforeSeq?: number | undefined, action?: string | undefined, actorUserId?: string | undefined, from?: string | undefined, to?: string | undefined }): Promise<AuditEvent[]> {
      let query = db.selectFrom('audit_events').selectAll().where('workspace_id', '=', ws)
      if (options.beforeSeq !== undefined) query = query.where('seq', '<', options.beforeSeq)
      if (options.action !== undefined) query = query.where('action', '=', options.action)
      if (options.actorUserId !== undefined) query = query.where('actor_user_id', '=', options.actorUserId)
      if (options.from !== undefined) query = query.where('created_at', '>=', options.from)
      if (options.to !== undefined) query = query.where('created_at', '<', options.to)
      const rows = await query.orderBy('seq', 'desc').limit(options.limit).execute()
      return rows.map((r) => ({
        id: r.id,
        seq: r.seq,
        action: r.action,
        actorUserId: r.actor_user_id,
        actorTokenId: r.actor_token_id,
        targetType: r.target_type,
        targetId: r.target_id,
        ip: r.ip,
        details: JSON.parse(r.details) as Record<string, unknown>,
        createdAt: r.created_at,
      }))
    },

    /** Recomputes the workspace's chain; returns the first broken seq, or null when intact. */
    async verify (ws: WorkspaceId): Promise<{ events: number, brokenAtSeq: number | null }> {
      const rows = await db.selectFrom('audit_events').selectAll().where('workspace_id', '=', ws).orderBy('seq').execute()
      // After retention pruned old events the chain starts at the anchor: the hash of the
      // last removed link, which the database only lets point at a link that existed.
      const anchor = await db.selectFrom('audit_anchors').select(['seq', 'hash']).where('workspace_id', '=', ws).executeTakeFirst()
      let prev = anchor?.hash ?? GENESIS
      let expectedSeq = (anchor?.seq ?? 0) + 1
      for (const row of rows) {
        const { id: _id, hash, prev_hash: prevHash, ...content } = row
        if (row.seq !== expectedSeq || prevHash !== prev || linkHash(prev, content) !== hash) {
          return { events: rows.length, brokenAtSeq: row.seq }
        }
        prev = hash
        expectedSeq += 1
      }
      return { events: rows.length, brokenAtSeq: null }
    },
  }
}

export type AuditLog = ReturnType<typeof createAuditLog>
