import { sql, type Kysely, type Selectable, type Transaction, type Updateable } from 'kysely'
import type { CampaignState, Database, RecipientStatus } from '../store/schema.js'
import { newId, nowIso, type WorkspaceId } from '../ids.js'
import { COUNTER } from './recipient-status.js'

type Executor = Kysely<Database> | Transaction<Database>
type RecipientRow = Selectable<Database['campaign_recipients']>
type CampaignRow = Database['campaigns']

export interface Campaign {
  id: string
  name: string
  templateName: string
  templateLanguage: string
  templateCategory: string
  variableMapping: Record<string, string>
  phoneNumberId: string
  state: CampaignState
  stateReason: string | null
  scheduleAt: string | null
  source: string
  createdBy: string | null
  counts: Record<RecipientStatus | 'total' | 'replied', number>
  changeSeq: number
  startedAt: string | null
  completedAt: string | null
  createdAt: string
  updatedAt: string
}

export interface Recipient {
  id: string
  rowKey: string
  phone: string
  contactId: string | null
  variables: Record<string, string>
  status: RecipientStatus
  wamid: string | null
  errorCode: number | null
  reason: string | null
  attempts: number
  sentAt: string | null
  deliveredAt: string | null
  readAt: string | null
  failedAt: string | null
  repliedAt: string | null
  replyText: string | null
  changeSeq: number
  updatedAt: string
}

export function toCampaign (row: Selectable<CampaignRow>): Campaign {
  const r = row as unknown as Record<string, number>
  return {
    id: row.id,
    name: row.name,
    templateName: row.template_name,
    templateLanguage: row.template_language,
    templateCategory: row.template_category,
    variableMapping: JSON.parse(row.variable_mapping) as Record<string, string>,
    phoneNumberId: row.phone_number_id,
    state: row.state,
    stateReason: row.state_reason,
    scheduleAt: row.schedule_at,
    source: row.source,
    createdBy: row.created_by,
    counts: {
      total: Number(r['count_total']),
      pending: Number(r['count_pending']),
      sending: Number(r['count_sending']),
      sent: Number(r['count_sent']),
      delivered: Number(r['count_delivered']),
      read: Number(r['count_read']),
      failed: Number(r['count_failed']),
      unknown: Number(r['count_unknown']),
      cancelled: Number(r['count_cancelled']),
      replied: Number(r['count_replied']),
    },
    changeSeq: Number(row.change_seq),
    startedAt: row.started_at,
    completedAt: row.completed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export function toRecipient (row: RecipientRow): Recipient {
  return {
    id: row.id,
    rowKey: row.row_key,
    phone: row.phone,
    contactId: row.contact_id,
    variables: JSON.parse(row.variables) as Record<string, string>,
    status: row.status,
    wamid: row.wamid,
    errorCode: row.error_code,
    reason: row.reason,
    attempts: Number(row.attempts),
    sentAt: row.sent_at,
    deliveredAt: row.delivered_at,
    readAt: row.read_at,
    failedAt: row.failed_at,
    repliedAt: row.replied_at,
    replyText: row.reply_text,
    changeSeq: Number(row.change_seq),
    updatedAt: row.updated_at,
  }
}

/** A change to one recipient inside a transition: its status before and after, and the columns to set. */
export interface RecipientChange {
  id: string
  from: RecipientStatus
  to: RecipientStatus
  set?: Updateable<Database['campaign_recipients']>
  /** Counts the recipient as having replied (once). */
  replied?: boolean
}

export interface NewRecipient {
  rowKey: string
  phone: string
  contactId: string | null
  variables: Record<string, string>
}

/**
 * Campaigns and their recipients. Every change to recipients goes through `transition`,
 * which in one transaction bumps the campaign's change sequence (locking its row, so the
 * sequence follows commit order and the change feed never skips a row), stamps the
 * changed recipients with it, and moves the campaign's counters by the same deltas.
 */
export function createCampaignsRepository (db: Kysely<Database>) {
  async function bumpSeq (trx: Executor, ws: WorkspaceId, campaignId: string, deltas: Record<string, number>): Promise<number> {
    const sets: Record<string, unknown> = { change_seq: sql`change_seq + 1`, updated_at: nowIso() }
    for (const [column, delta] of Object.entries(deltas)) if (delta !== 0) sets[column] = sql`${sql.ref(column)} + ${delta}`
    const row = await trx.updateTable('campaigns').set(sets as Updateable<CampaignRow>)
      .where('workspace_id', '=', ws).where('id', '=', campaignId)
      .returning('change_seq').executeTakeFirstOrThrow()
    return Number(row.change_seq)
  }

  return {
    async create (ws: WorkspaceId, input: Pick<CampaignRow, 'name' | 'template_name' | 'template_language' | 'template_category' | 'variable_mapping' | 'phone_number_id' | 'schedule_at' | 'source' | 'created_by'>): Promise<Campaign> {
      const now = nowIso()
      const id = newId('campaign')
      await db.insertInto('campaigns').values({ id, workspace_id: ws, ...input, state: 'draft', state_reason: null, started_at: null, completed_at: null, created_at: now, updated_at: now }).execute()
      return (await this.get(ws, id))!
    },

    async get (ws: WorkspaceId, id: string, executor: Executor = db): Promise<Campaign | undefined> {
      const row = await executor.selectFrom('campaigns').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : toCampaign(row)
    },

    /** Newest first. */
    async list (ws: WorkspaceId, options: { limit: number, beforeId?: string | undefined }): Promise<Campaign[]> {
      let query = db.selectFrom('campaigns').selectAll().where('workspace_id', '=', ws)
      if (options.beforeId !== undefined) query = query.where('id', '<', options.beforeId)
      const rows = await query.orderBy('id', 'desc').limit(options.limit).execute()
      return rows.map(toCampaign)
    },

    async update (ws: WorkspaceId, id: string, changes: Updateable<CampaignRow>, executor: Executor = db): Promise<void> {
      await executor.updateTable('campaigns').set({ ...changes, updated_at: nowIso() }).where('workspace_id', '=', ws).where('id', '=', id).execute()
    },

    /**
     * Adds recipients as pending; rows whose key or phone the campaign already has are
     * skipped by the unique constraints (a retried chunk adds nobody). Returns the ids of
     * the rows inserted, by row key.
     */
    async addRecipients (trx: Transaction<Database>, ws: WorkspaceId, campaignId: string, recipients: readonly NewRecipient[]): Promise<Map<string, string>> {
      const inserted = new Map<string, string>()
      if (recipients.length === 0) return inserted
      const seq = await bumpSeq(trx, ws, campaignId, {})
      const now = nowIso()
      // SQLite allows 32,766 bound values per statement; 500 rows x 24 columns stays well under it.
      for (let i = 0; i < recipients.length; i += 500) {
        const rows = recipients.slice(i, i + 500).map((r) => ({
          id: newId('recipient'),
          workspace_id: ws,
          campaign_id: campaignId,
          row_key: r.rowKey,
          phone: r.phone,
          contact_id: r.contactId,
          variables: JSON.stringify(r.variables),
          status: 'pending' as const,
          wamid: null, message_id: null, error_code: null, reason: null,
          next_attempt_at: now,
          lease_owner: null, lease_until: null,
          sent_at: null, delivered_at: null, read_at: null, failed_at: null, replied_at: null, reply_text: null,
          change_seq: seq,
          created_at: now,
          updated_at: now,
        }))
        const result = await trx.insertInto('campaign_recipients').values(rows)
          .onConflict((oc) => oc.doNothing()).returning(['id', 'row_key']).execute()
        for (const row of result) inserted.set(row.row_key, row.id)
      }
      if (inserted.size > 0) await bumpSeq(trx, ws, campaignId, { count_total: inserted.size, count_pending: inserted.size })
      return inserted
    },

    /**
     * Applies recipient changes as one step of the change feed: one sequence number, the
     * rows stamped with it, and the counters moved by the same deltas. Changes whose
     * status does not move and that set nothing are dropped.
     */
    async transition (trx: Transaction<Database>, ws: WorkspaceId, campaignId: string, changes: readonly RecipientChange[]): Promise<void> {
      const effective = changes.filter((c) => c.from !== c.to || c.set !== undefined || c.replied === true)
      if (effective.length === 0) return
      const deltas: Record<string, number> = {}
      for (const change of effective) {
        if (change.from !== change.to) {
          deltas[COUNTER[change.from]] = (deltas[COUNTER[change.from]] ?? 0) - 1
          deltas[COUNTER[change.to]] = (deltas[COUNTER[change.to]] ?? 0) + 1
        }
        if (change.replied === true) deltas['count_replied'] = (deltas['count_replied'] ?? 0) + 1
      }
      const seq = await bumpSeq(trx, ws, campaignId, deltas)
      const now = nowIso()
      for (const change of effective) {
        await trx.updateTable('campaign_recipients')
          .set({ ...change.set, status: change.to, change_seq: seq, updated_at: now })
          .where('id', '=', change.id).where('campaign_id', '=', campaignId)
          .execute()
      }
    },

    async recipientsByKeys (ws: WorkspaceId, campaignId: string, rowKeys: readonly string[], phones: readonly string[], executor: Executor = db): Promise<RecipientRow[]> {
      if (rowKeys.length === 0 && phones.length === 0) return []
      const rows: RecipientRow[] = []
      // Chunked: a sheet chunk is up to 1,000 rows and SQLite bounds the values per statement.
      for (let i = 0; i < Math.max(rowKeys.length, phones.length); i += 400) {
        const keys = rowKeys.slice(i, i + 400)
        const numbers = phones.slice(i, i + 400)
        if (keys.length > 0) rows.push(...await executor.selectFrom('campaign_recipients').selectAll().where('workspace_id', '=', ws).where('campaign_id', '=', campaignId).where('row_key', 'in', keys).execute())
        if (numbers.length > 0) rows.push(...await executor.selectFrom('campaign_recipients').selectAll().where('workspace_id', '=', ws).where('campaign_id', '=', campaignId).where('phone', 'in', numbers).execute())
      }
      return [...new Map(rows.map((r) => [r.id, r])).values()]
    },

    /**
     * Recipients changed after a (sequence, id) position, oldest change first: the Sheets
     * add-on writes back only these. A step's rows share its sequence, so the id breaks ties
     * and a page can end inside a step without skipping the rest of it.
     */
    async changes (ws: WorkspaceId, campaignId: string, after: { seq: number, id: string }, limit: number): Promise<Recipient[]> {
      const rows = await db.selectFrom('campaign_recipients').selectAll()
        .where('workspace_id', '=', ws).where('campaign_id', '=', campaignId)
        .where((eb) => eb.or([eb('change_seq', '>', after.seq), eb.and([eb('change_seq', '=', after.seq), eb('id', '>', after.id)])]))
        .orderBy('change_seq').orderBy('id').limit(limit).execute()
      return rows.map(toRecipient)
    },

    async recipients (ws: WorkspaceId, campaignId: string, options: { limit: number, afterId?: string | undefined, status?: RecipientStatus | undefined }): Promise<Recipient[]> {
      let query = db.selectFrom('campaign_recipients').selectAll().where('workspace_id', '=', ws).where('campaign_id', '=', campaignId)
      if (options.afterId !== undefined) query = query.where('id', '>', options.afterId)
      if (options.status !== undefined) query = query.where('status', '=', options.status)
      const rows = await query.orderBy('id').limit(options.limit).execute()
      return rows.map(toRecipient)
    },

    /** The counters recomputed from the recipients, to check the incremental ones. */
    async recount (ws: WorkspaceId, campaignId: string): Promise<Record<RecipientStatus, number>> {
      const rows = await db.selectFrom('campaign_recipients').select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .where('workspace_id', '=', ws).where('campaign_id', '=', campaignId).groupBy('status').execute()
      const counts = { pending: 0, sending: 0, sent: 0, delivered: 0, read: 0, failed: 0, unknown: 0, cancelled: 0 }
      for (const row of rows) counts[row.status] = Number(row.n)
      return counts
    },
  }
}

export type CampaignsRepository = ReturnType<typeof createCampaignsRepository>
