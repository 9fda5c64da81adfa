import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../store/schema.js'
import { newId, type WorkspaceId } from '../ids.js'
import { SwitchboardError } from '../errors.js'
import type { AuditLog } from './audit-log.js'
import { INVENTORY_TABLES, resolvedColumns } from './data-inventory.js'
import { RETENTION_POLICIES } from './retention-policies.js'
import type { Retention } from './retention.js'

export interface ExportJob {
  id: string
  kind: 'user' | 'workspace'
  status: 'queued' | 'building' | 'ready' | 'failed' | 'expired'
  progress: number
  sizeBytes: number | null
  createdAt: string
  completedAt: string | null
  expiresAt: string | null
}

function digest (token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** Files (uploaded attachments) travel as base64 text in the JSON. */
function binaryAsBase64 (_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { base64: Buffer.from(value).toString('base64') }
  // JSON.stringify hands Buffers to the replacer already converted by their toJSON.
  if (typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return { base64: Buffer.from((value as { data: number[] }).data).toString('base64') }
  }
  return value
}

/** RFC 4180 CSV of a table's rows, for spreadsheets: every field quoted, quotes doubled. */
export function toCsv (rows: ReadonlyArray<Record<string, unknown>>): string {
  if (rows.length === 0) return ''
  const columns = Object.keys(rows[0]!)
  const field = (v: unknown): string => {
    const text = v === null || v === undefined ? '' : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : typeof v === 'object' ? JSON.stringify(v) : String(v)
    // Text starting with =, +, -, @ or a tab would run as a formula in a spreadsheet (CSV injection).
    const safe = typeof v === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text
    return `"${safe.replace(/"/g, '""')}"`
  }
  return [columns.map(field).join(','), ...rows.map((r) => columns.map((c) => field(r[c])).join(','))].join('\r\n') + '\r\n'
}

/** Which rows of a table belong to one user, for their own export. */
const USER_ROWS: Record<string, string> = {
  users: 'id',
  api_tokens: 'user_id',
  addin_token_families: 'user_id',
  activities: 'author_user_id',
  audit_events: 'actor_user_id',
  support_consents: 'granted_by',
}

/**
 * Exports: a whole workspace (admins) or one user's own data, as one JSON archive (each
 * table as JSON rows and as CSV, for spreadsheets) built in
 * the background with progress, downloadable through a link that expires. What goes in
 * is what the inventory marks exported: never credentials or internal state.
 */
export function createExports ({ db, audit, retention, now = () => new Date() }: { db: Kysely<Database>, audit: AuditLog, retention: Retention, now?: () => Date }) {
  function toJob (row: Database['privacy_exports']): ExportJob {
    return { id: row.id, kind: row.kind, status: row.status, progress: row.progress, sizeBytes: row.size_bytes, createdAt: row.created_at, completedAt: row.completed_at, expiresAt: row.expires_at }
  }

  async function build (ws: WorkspaceId, id: string): Promise<void> {
    const job = await db.selectFrom('privacy_exports').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirstOrThrow()
    await db.updateTable('privacy_exports').set({ status: 'building', started_at: now().toISOString() }).where('id', '=', id).execute()
    try {
      const tables = INVENTORY_TABLES.filter(([table, decl]) => decl.exported && (job.kind === 'workspace' || table in USER_ROWS))
      const out: Record<string, unknown[]> = {}
      for (const [i, [table]] of tables.entries()) {
        const columns = resolvedColumns(table).filter((c) => c.exported).map((c) => c.name)
        // Table and column names come from the inventory, never from the request.
        let query = db.selectFrom(table as 'contacts').select(columns.map((c) => sql.ref(c).as(c)) as never)
          .where(sql<boolean>`${sql.ref(table === 'workspaces' ? 'id' : 'workspace_id')} = ${ws}`)
        if (job.kind === 'user') query = query.where(sql<boolean>`${sql.ref(USER_ROWS[table]!)} = ${job.subject_user_id}`)
        out[table] = await query.execute()
        await db.updateTable('privacy_exports').set({ progress: Math.floor(((i + 1) / tables.length) * 99) }).where('id', '=', id).execute()
      }
      const csv = Object.fromEntries(Object.entries(out).map(([table, rows]) => [table, toCsv(rows as Array<Record<string, unknown>>)]))
      const archive = Buffer.from(JSON.stringify({ format: 'switchboard-export/1', kind: job.kind, workspaceId: ws, generatedAt: now().toISOString(), tables: out, csv }, binaryAsBase64, 1))
      const days = (await retention.periods(ws)).export_archives ?? RETENTION_POLICIES.export_archives.defaultDays
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('privacy_export_files').values({ export_id: id, workspace_id: ws, archive }).execute()
        await trx.updateTable('privacy_exports').set({ status: 'ready', progress: 100, size_bytes: archive.length, completed_at: now().toISOString(), expires_at: new Date(now().getTime() + days * 86_400_000).toISOString() }).where('id', '=', id).execute()
      })
    } catch (error) {
      // The reason stays in our logs via the caller; the row says only that it failed.
      await db.updateTable('privacy_exports').set({ status: 'failed', error: 'build failed' }).where('id', '=', id).execute()
      throw error
    }
  }

  return {
    /** Queues an export and returns the job with its download token (shown once). `done` settles when the archive is built. */
    async request (ws: WorkspaceId, input: { kind: 'user' | 'workspace', userId: string, ip?: string | undefined }): Promise<{ job: ExportJob, token: string, done: Promise<void> }> {
      const token = `sbx_${randomBytes(24).toString('base64url')}`
      const row: Database['privacy_exports'] = {
        id: newId('export'), workspace_id: ws, kind: input.kind, subject_user_id: input.kind === 'user' ? input.userId : null, requested_by: input.userId,
        status: 'queued', progress: 0, token_hash: digest(token), size_bytes: null, error: null, created_at: now().toISOString(), started_at: null, completed_at: null, expires_at: null,
      }
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('privacy_exports').values(row).execute()
        await audit.record(ws, { action: 'privacy.export_requested', actorUserId: input.userId, targetType: 'export', targetId: row.id, ip: input.ip ?? null, details: { kind: input.kind } }, trx)
      })
      // In the background: the request answers at once, the client polls the job.
      const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => build(ws, row.id))
      done.catch(() => undefined)
      return { job: toJob(row), token, done }
    },

    /** The exports a user asked for, newest first (the web app's Privacy page lists them). */
    async listRequestedBy (ws: WorkspaceId, userId: string, limit = 20): Promise<ExportJob[]> {
      const rows = await db.selectFrom('privacy_exports').selectAll().where('workspace_id', '=', ws).where('requested_by', '=', userId).orderBy('created_at', 'desc').limit(limit).execute()
      return rows.map(toJob)
    },

    /**
     * The archive of a ready export, for the signed-in person who asked for it (the web app:
     * the session vouches for them, so no link token travels in a URL or the history); audited.
     */
    async downloadOwn (ws: WorkspaceId, id: string, actor: { userId: string, ip?: string | undefined }): Promise<Buffer> {
      const row = await db.selectFrom('privacy_exports').select(['requested_by', 'status', 'expires_at']).where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
      if (row === undefined || row.requested_by !== actor.userId || row.status !== 'ready' || row.expires_at === null || row.expires_at <= now().toISOString()) throw new SwitchboardError('SB_PRIVACY_EXPORT_NOT_FOUND')
      const file = await db.selectFrom('privacy_export_files').select('archive').where('export_id', '=', id).executeTakeFirst()
      if (file === undefined) throw new SwitchboardError('SB_PRIVACY_EXPORT_NOT_FOUND')
      await audit.record(ws, { action: 'privacy.export_downloaded', actorUserId: actor.userId, targetType: 'export', targetId: id, ip: actor.ip ?? null, details: {} })
      return Buffer.from(file.archive)
    },

    async get (ws: WorkspaceId, id: string): Promise<ExportJob | undefined> {
      const row = await db.selectFrom('privacy_exports').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : toJob(row)
    },

    /** The archive, when the token matches and the link has not expired; audited. */
    async download (ws: WorkspaceId, id: string, token: string, actor: { userId: string, ip?: string | undefined }): Promise<Buffer> {
      const row = await db.selectFrom('privacy_exports').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
      const given = Buffer.from(digest(token))
      if (row === undefined || row.status !== 'ready' || row.expires_at === null || Date.parse(row.expires_at) <= now().getTime() ||
        !timingSafeEqual(given, Buffer.from(row.token_hash))) throw new SwitchboardError('SB_PRIVACY_EXPORT_NOT_FOUND')
      const file = await db.selectFrom('privacy_export_files').select('archive').where('export_id', '=', id).executeTakeFirst()
      if (file === undefined) throw new SwitchboardError('SB_PRIVACY_EXPORT_NOT_FOUND')
      await audit.record(ws, { action: 'privacy.export_downloaded', actorUserId: actor.userId, targetType: 'export', targetId: id, ip: actor.ip ?? null, details: { kind: row.kind } })
      return Buffer.from(file.archive as Uint8Array)
    },
  }
}

export type Exports = ReturnType<typeof createExports>
