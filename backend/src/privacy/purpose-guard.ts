import { createHash, randomBytes } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../store/schema.js'
import { newId, nowIso, type WorkspaceId } from '../ids.js'
import { SwitchboardError } from '../errors.js'
import type { AuditLog } from './audit-log.js'
import { roleAtLeast, type Role } from '../identity/access.js'
import { FORBIDDEN_PURPOSES, LIMITED_USE_SOURCES, originOfSource, resolvedColumns, type Origin, type Purpose } from './data-inventory.js'

/**
 * The one read layer for Google- and Microsoft-derived data (Limited Use). Every read
 * names its purpose:
 * - `own_feature`: a user of the workspace using a feature they can see: allowed.
 * - `security`, `legal`: allowed, and each record read is written to the audit log.
 * - `support`: a person at Switchboard; only under a consent the user recorded for
 *   exactly those records, before it expires or is revoked; each read audited.
 * - `analytics`: counts only, never content.
 * - `advertising`, `model_training`, `third_party_transfer`: always refused (and the
 *   attempt audited), whatever the caller.
 */

/** The kinds of record whose content may come from Google or Microsoft. */
export const RECORD_TYPES = ['activity', 'campaign', 'campaign_recipient', 'wa_message'] as const
export type RecordType = typeof RECORD_TYPES[number]

export interface RecordRef {
  type: RecordType
  id: string
}

export type Access =
  | { purpose: 'own_feature', userId: string }
  | { purpose: 'security' | 'legal', reason: string, userId?: string, staffId?: string, ip?: string }
  | { purpose: 'support', staffId: string, consentId: string, reason: string, ip?: string }
  | { purpose: 'analytics' | 'advertising' | 'model_training' | 'third_party_transfer' }

export interface GuardedRecord {
  type: RecordType
  id: string
  source: string
  origin: Origin
  /** The record's columns that the inventory lets leave the store (no credentials, no internal state). */
  fields: Record<string, unknown>
}

export interface OriginCounts {
  total: number
  byOrigin: Partial<Record<Origin, number>>
}

/** Longest a support consent may run: long enough for a ticket, short enough to forget. */
export const MAX_CONSENT_HOURS = 168
export const DEFAULT_CONSENT_HOURS = 24

const TABLE_OF: Record<RecordType, 'activities' | 'campaigns' | 'campaign_recipients' | 'wa_messages'> = {
  activity: 'activities',
  campaign: 'campaigns',
  campaign_recipient: 'campaign_recipients',
  wa_message: 'wa_messages',
}

function isForbidden (purpose: Purpose): boolean {
  return (FORBIDDEN_PURPOSES as readonly Purpose[]).includes(purpose)
}

function digest (token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export interface PurposeGuardDeps {
  db: Kysely<Database>
  audit: AuditLog
  /** The clock; tests move it to expire consents. */
  now?: () => Date
}

export function createPurposeGuard ({ db, audit, now = () => new Date() }: PurposeGuardDeps) {
  /** Rows of `type` with their provenance, restricted to the workspace. */
  async function load (ws: WorkspaceId, type: RecordType, ids: readonly string[]): Promise<GuardedRecord[]> {
    if (ids.length === 0) return []
    const table = TABLE_OF[type]
    const exported = resolvedColumns(table).filter((c) => c.exported).map((c) => c.name)
    let rows: Array<Record<string, unknown>>
    if (type === 'campaign_recipient') {
      // A recipient row inherits its provenance from its campaign (a Sheets campaign's rows are Google data).
      rows = await db.selectFrom('campaign_recipients as r').innerJoin('campaigns as c', 'c.id', 'r.campaign_id')
        .select([...exported.map((c) => sql.ref(`r.${c}`).as(c)), sql.ref<string>('c.source').as('__source')])
        .where('r.workspace_id', '=', ws).where('r.id', 'in', [...ids]).execute() as Array<Record<string, unknown>>
    } else if (type === 'wa_message') {
      // A campaign's message was filled from its row: it is as Google-derived as the campaign.
      rows = await db.selectFrom('wa_messages as m')
        .leftJoin('campaign_recipients as r', (join) => join.onRef('r.message_id', '=', 'm.id').onRef('r.workspace_id', '=', 'm.workspace_id'))
        .leftJoin('campaigns as c', 'c.id', 'r.campaign_id')
        .select([...exported.map((c) => sql.ref(`m.${c}`).as(c)), sql<string>`coalesce(c.source, m.source)`.as('__source')])
        .where('m.workspace_id', '=', ws).where('m.id', 'in', [...ids]).execute() as Array<Record<string, unknown>>
    } else {
      rows = await db.selectFrom(table as 'activities' | 'campaigns')
        .select([...exported.map((c) => sql.ref(c).as(c)), sql.ref<string>('source').as('__source')])
        .where('workspace_id', '=', ws).where('id', 'in', [...ids]).execute() as Array<Record<string, unknown>>
    }
    return rows.map(({ __source, ...fields }) => ({ type, id: String(fields['id']), source: String(__source), origin: originOfSource(String(__source)), fields }))
  }

  async function refuse (ws: WorkspaceId, access: Access, refs: readonly RecordRef[], why: string): Promise<never> {
    // A made-up workspace id gets no audit chain of its own.
    const exists = await db.selectFrom('workspaces').select('id').where('id', '=', ws).executeTakeFirst()
    if (exists !== undefined) {
      await audit.record(ws, {
        action: 'privacy.access_refused',
        actorUserId: 'userId' in access ? access.userId ?? null : null,
        targetType: refs[0]?.type ?? null,
        targetId: refs[0]?.id ?? null,
        details: { purpose: access.purpose, why, records: refs.length, ...('staffId' in access && access.staffId !== undefined ? { staffId: access.staffId } : {}) },
      })
    }
    throw new SwitchboardError(access.purpose === 'support' ? 'SB_PRIVACY_CONSENT_REQUIRED' : 'SB_PRIVACY_PURPOSE_REFUSED', 'purpose', { detail: why })
  }

  /** The consent, when it is this workspace's, unexpired, unrevoked, and covers every ref. */
  async function consentCovers (ws: WorkspaceId, consentId: string, refs: readonly RecordRef[]): Promise<string | undefined> {
    const consent = await db.selectFrom('support_consents').selectAll().where('workspace_id', '=', ws).where('id', '=', consentId).executeTakeFirst()
    if (consent === undefined) return 'no such consent in this workspace'
    if (consent.revoked_at !== null) return 'the consent was revoked'
    if (Date.parse(consent.expires_at) <= now().getTime()) return 'the consent has expired'
    const covered = new Set((JSON.parse(consent.records) as RecordRef[]).map((r) => `${r.type}:${r.id}`))
    if (!refs.every((r) => covered.has(`${r.type}:${r.id}`))) return 'a record is outside the consent'
    return undefined
  }

  async function staffActive (staffId: string): Promise<boolean> {
    const staff = await db.selectFrom('support_staff').select(['id']).where('id', '=', staffId).where('revoked_at', 'is', null).executeTakeFirst()
    return staff !== undefined
  }

  return {
    /**
     * Reads whole records for a purpose. Refuses analytics (counts only) and the
     * forbidden purposes; audits every security, legal and support read, record by record.
     */
    async read (ws: WorkspaceId, access: Access, refs: readonly RecordRef[]): Promise<GuardedRecord[]> {
      if (isForbidden(access.purpose)) return refuse(ws, access, refs, `${access.purpose} is never a permitted use of Google or Microsoft user data`)
      if (access.purpose === 'analytics') return refuse(ws, access, refs, 'analytics may use aggregated counts only')
      if (access.purpose === 'own_feature') {
        const user = await db.selectFrom('users').select('id').where('workspace_id', '=', ws).where('id', '=', access.userId).where('status', '=', 'active').executeTakeFirst()
        if (user === undefined) return refuse(ws, access, refs, 'only an active user of the workspace uses its features')
      }
      if (access.purpose === 'support') {
        if (!await staffActive(access.staffId)) return refuse(ws, access, refs, 'not an active support staff member')
        const problem = await consentCovers(ws, access.consentId, refs)
        if (problem !== undefined) return refuse(ws, access, refs, problem)
      }
      const out: GuardedRecord[] = []
      for (const type of RECORD_TYPES) {
        const ids = refs.filter((r) => r.type === type).map((r) => r.id)
        out.push(...await load(ws, type, ids))
      }
      if (access.purpose === 'security' || access.purpose === 'legal' || access.purpose === 'support') {
        const action = access.purpose === 'support' ? 'privacy.support_access' : access.purpose === 'security' ? 'privacy.security_access' : 'privacy.legal_access'
        for (const record of out) {
          await audit.record(ws, {
            action,
            actorUserId: access.purpose === 'support' ? null : access.userId ?? null,
            targetType: record.type,
            targetId: record.id,
            ip: access.ip ?? null,
            details: {
              purpose: access.purpose,
              origin: record.origin,
              reason: access.reason.slice(0, 200),
              ...(access.staffId === undefined ? {} : { staffId: access.staffId }),
              ...(access.purpose === 'support' ? { consentId: access.consentId } : {}),
            },
          })
        }
      }
      return out
    },

    /** How many records of a type the workspace holds, by origin: the only shape analytics gets. */
    async count (ws: WorkspaceId, access: Access, type: RecordType): Promise<OriginCounts> {
      if (isForbidden(access.purpose)) return refuse(ws, access, [], `${access.purpose} is never a permitted use of Google or Microsoft user data`)
      if (access.purpose === 'support') return refuse(ws, access, [], 'support reads named records under a consent')
      const rows = type === 'campaign_recipient'
        ? await db.selectFrom('campaign_recipients as r').innerJoin('campaigns as c', 'c.id', 'r.campaign_id')
          .select(['c.source as source', (eb) => eb.fn.countAll<number>().as('n')]).where('r.workspace_id', '=', ws).groupBy('c.source').execute()
        : type === 'wa_message'
          ? await db.selectFrom('wa_messages as m')
            .leftJoin('campaign_recipients as r', (join) => join.onRef('r.message_id', '=', 'm.id').onRef('r.workspace_id', '=', 'm.workspace_id'))
            .leftJoin('campaigns as c', 'c.id', 'r.campaign_id')
            .select([sql<string>`coalesce(c.source, m.source)`.as('source'), (eb) => eb.fn.countAll<number>().as('n')])
            .where('m.workspace_id', '=', ws).groupBy(sql`coalesce(c.source, m.source)`).execute()
          : await db.selectFrom(TABLE_OF[type] as 'activities' | 'campaigns').select(['source', (eb) => eb.fn.countAll<number>().as('n')]).where('workspace_id', '=', ws).groupBy('source').execute()
      const byOrigin: Partial<Record<Origin, number>> = {}
      let total = 0
      for (const r of rows) {
        const origin = originOfSource(r.source)
        byOrigin[origin] = (byOrigin[origin] ?? 0) + Number(r.n)
        total += Number(r.n)
      }
      return { total, byOrigin }
    },

    /** True when the record holds Google or Microsoft user data (its provenance says so). */
    isLimitedUse (record: GuardedRecord): boolean {
      return LIMITED_USE_SOURCES.includes(record.source)
    },
  }
}

export type PurposeGuard = ReturnType<typeof createPurposeGuard>

export interface SupportConsent {
  id: string
  grantedBy: string | null
  records: RecordRef[]
  createdAt: string
  expiresAt: string
  revokedAt: string | null
}

/**
 * Consents a user records for support staff to read named records, and the staff
 * themselves. The consent is the user's "affirmative agreement to view specific
 * messages" in Google's wording: specific records, for a limited time, revocable.
 */
export function createSupportAccess ({ db, audit, now = () => new Date() }: PurposeGuardDeps) {
  /** The record, with the user who brought it in, when it is in the workspace. */
  async function ownerOf (ws: WorkspaceId, ref: RecordRef): Promise<{ userId: string | null } | undefined> {
    if (ref.type === 'activity') {
      const row = await db.selectFrom('activities').select('author_user_id as userId').where('workspace_id', '=', ws).where('id', '=', ref.id).executeTakeFirst()
      return row
    }
    if (ref.type === 'wa_message') {
      return db.selectFrom('wa_messages').select('author_user_id as userId').where('workspace_id', '=', ws).where('id', '=', ref.id).executeTakeFirst()
    }
    if (ref.type === 'campaign') {
      return db.selectFrom('campaigns').select('created_by as userId').where('workspace_id', '=', ws).where('id', '=', ref.id).executeTakeFirst()
    }
    return db.selectFrom('campaign_recipients as r').innerJoin('campaigns as c', 'c.id', 'r.campaign_id').select('c.created_by as userId')
      .where('r.workspace_id', '=', ws).where('r.id', '=', ref.id).executeTakeFirst()
  }

  function toConsent (row: Database['support_consents']): SupportConsent {
    return { id: row.id, grantedBy: row.granted_by, records: JSON.parse(row.records) as RecordRef[], createdAt: row.created_at, expiresAt: row.expires_at, revokedAt: row.revoked_at }
  }

  return {
    /**
     * Records a consent. It can name only records of its own workspace; an agent can
     * consent only for records they brought in themselves (the email they logged, the
     * campaign they sent), admins and owners for any record of the workspace.
     */
    async grant (ws: WorkspaceId, userId: string, input: { records: RecordRef[], hours?: number | undefined, ip?: string | undefined, role?: Role | undefined }): Promise<SupportConsent> {
      const hours = input.hours ?? DEFAULT_CONSENT_HOURS
      if (!(hours > 0 && hours <= MAX_CONSENT_HOURS)) throw new SwitchboardError('SB_VALIDATION', 'hours', { detail: `must be between 1 and ${MAX_CONSENT_HOURS}` })
      const anyRecord = input.role === undefined || roleAtLeast(input.role, 'admin')
      for (const [i, ref] of input.records.entries()) {
        const owner = await ownerOf(ws, ref)
        if (owner === undefined) throw new SwitchboardError('SB_PRIVACY_RECORD_NOT_FOUND', `records/${i}`)
        if (!anyRecord && owner.userId !== userId) throw new SwitchboardError('SB_AUTH_ROLE_FORBIDDEN', `records/${i}`)
      }
      const at = now()
      const row = {
        id: newId('consent'),
        workspace_id: ws,
        granted_by: userId,
        records: JSON.stringify(input.records.map((r) => ({ type: r.type, id: r.id }))),
        created_at: at.toISOString(),
        expires_at: new Date(at.getTime() + hours * 3_600_000).toISOString(),
        revoked_at: null,
        revoked_by: null,
      }
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('support_consents').values(row).execute()
        await audit.record(ws, { action: 'privacy.consent_granted', actorUserId: userId, targetType: 'support_consent', targetId: row.id, ip: input.ip ?? null, details: { records: input.records.length, hours } }, trx)
      })
      return toConsent(row)
    },

    async revoke (ws: WorkspaceId, userId: string, id: string, ip?: string): Promise<SupportConsent> {
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('support_consents').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
        if (row === undefined) throw new SwitchboardError('SB_PRIVACY_CONSENT_NOT_FOUND')
        if (row.revoked_at !== null) return toConsent(row)
        const revokedAt = nowIso()
        await trx.updateTable('support_consents').set({ revoked_at: revokedAt, revoked_by: userId }).where('id', '=', id).execute()
        await audit.record(ws, { action: 'privacy.consent_revoked', actorUserId: userId, targetType: 'support_consent', targetId: id, ip: ip ?? null, details: {} }, trx)
        return toConsent({ ...row, revoked_at: revokedAt, revoked_by: userId })
      })
    },

    async list (ws: WorkspaceId): Promise<SupportConsent[]> {
      const rows = await db.selectFrom('support_consents').selectAll().where('workspace_id', '=', ws).orderBy('id', 'desc').limit(200).execute()
      return rows.map(toConsent)
    },

    /** Adds a support staff member; the token is returned once and only its digest is kept. */
    async createStaff (name: string): Promise<{ id: string, token: string }> {
      const token = `sbstaff_${randomBytes(24).toString('base64url')}`
      const id = newId('staff')
      await db.insertInto('support_staff').values({ id, name, token_hash: digest(token), created_at: nowIso(), revoked_at: null }).execute()
      return { id, token }
    },

    /** The active staff member a token belongs to. */
    async staffByToken (token: string): Promise<string | undefined> {
      const row = await db.selectFrom('support_staff').select('id').where('token_hash', '=', digest(token)).where('revoked_at', 'is', null).executeTakeFirst()
      return row?.id
    },
  }
}

export type SupportAccess = ReturnType<typeof createSupportAccess>
