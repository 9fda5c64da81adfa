import { sql, type Kysely, type Transaction } from 'kysely'
import type { Database } from '../../store/schema.js'
import type { Dialect } from '../../store/database.js'
import { asWorkspaceId, newId, nowIso, type WorkspaceId } from '../../ids.js'
import { refill, type BucketShape } from './rate-limits.js'

type Executor = Kysely<Database> | Transaction<Database>

/** A running campaign and the number it sends from: the unit the sender claims work for. */
export interface RunningCampaign {
  campaignId: string
  workspaceId: WorkspaceId
  phoneNumberId: string
  templateName: string
  templateLanguage: string
  stateReason: string | null
  /** Absent when the campaign's number is gone (disconnected). */
  number: {
    status: 'active' | 'paused'
    pausedReason: string | null
    throughputPerSecond: number
    messagingLimitTier: string | null
  } | undefined
}

/** A recipient the claim moved to this worker, with what the send needs. */
export interface ClaimedRecipient {
  id: string
  campaignId: string
  workspaceId: WorkspaceId
  phone: string
  contactId: string | null
  variables: string
  /** Including the attempt just claimed. */
  attempts: number
  messageId: string | null
}

/** A recipient whose lease ran out while `sending`. */
export interface ExpiredRecipient {
  id: string
  campaignId: string
  workspaceId: WorkspaceId
  messageId: string | null
}

/** A recipient's columns as a result is applied to it. */
export interface RecipientState {
  id: string
  campaignId: string
  status: Database['campaign_recipients']['status']
  wamid: string | null
  sentAt: string | null
  leaseOwner: string | null
  leaseUntil: string | null
  attempts: number
  messageId: string | null
}

// SQLite binds at most 32,766 values per statement; every IN list here stays far below.
const IN_CHUNK = 500

/** The bucket row of a sending number (rate_buckets is shared by every worker process). */
export function numberBucketKey (phoneNumberId: string): string {
  return `number:${phoneNumberId}`
}

/**
 * The sender's SQL over campaign_recipients, campaigns and rate_buckets. Claims follow
 * backend-notes §4.2 (one UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING; on
 * PostgreSQL the inner SELECT adds FOR UPDATE SKIP LOCKED so concurrent workers skip each
 * other's rows instead of waiting); SQLite's single writer makes the statement atomic.
 * Status changes are left to the caller, which applies them through `transition`.
 */
export function createOutboxRepository (db: Kysely<Database>, dialect: Dialect) {
  return {
    /**
     * Refreshes PostgreSQL's statistics of the recipients table. A campaign's rows arrive
     * in bulk just before it starts, and until autovacuum next analyzes the table (a minute
     * or more later, or never where it is turned off) the planner believes there are a few
     * dozen pending rows: it then sorts every pending row for each claim instead of walking
     * the index to the first few, 47 ms against 3 ms per claim at 20,000 pending, all of it
     * under the store's write lock. SQLite's planner needs no statistics for this query.
     */
    async analyzeRecipients (): Promise<void> {
      if (dialect === 'postgres') await sql`analyze campaign_recipients`.execute(db)
    },

    /** Scheduled campaigns whose time has come start running. Returns their ids. */
    async startDue (now: string): Promise<string[]> {
      const rows = await db.updateTable('campaigns')
        .set({ state: 'running', state_reason: null, started_at: sql`coalesce(started_at, ${now})`, updated_at: now })
        .where('state', '=', 'scheduled').where('schedule_at', '<=', now)
        .returning('id').execute()
      return rows.map((r) => r.id)
    },

    /** Running campaigns with their numbers' state and limits. */
    async running (): Promise<RunningCampaign[]> {
      const rows = await db.selectFrom('campaigns as c')
        .leftJoin('whatsapp_numbers as n', (join) => join.onRef('n.id', '=', 'c.phone_number_id').onRef('n.workspace_id', '=', 'c.workspace_id'))
        .select([
          'c.id', 'c.workspace_id', 'c.phone_number_id', 'c.template_name', 'c.template_language', 'c.state_reason',
          'n.id as number_id', 'n.status as number_status', 'n.paused_reason', 'n.throughput_per_second', 'n.messaging_limit_tier',
        ])
        .where('c.state', '=', 'running').orderBy('c.id').execute()
      return rows.map((r) => ({
        campaignId: r.id,
        workspaceId: asWorkspaceId(r.workspace_id),
        phoneNumberId: r.phone_number_id,
        templateName: r.template_name,
        templateLanguage: r.template_language,
        stateReason: r.state_reason,
        number: r.number_id === null
          ? undefined
          : { status: r.number_status!, pausedReason: r.paused_reason, throughputPerSecond: Number(r.throughput_per_second), messagingLimitTier: r.messaging_limit_tier },
      }))
    },

    /**
     * Takes up to `want` tokens from a number's bucket inside `trx` (the row is locked by
     * the transaction: SQLite's BEGIN IMMEDIATE, or FOR UPDATE on PostgreSQL), so several
     * processes share one rate. Returns the whole tokens granted and the tokens left.
     * `settle` writes the bucket back after the caller knows how many it used; unused
     * tokens stay in the bucket, so nothing is lost by asking for more than is claimed.
     */
    async openBucket (trx: Transaction<Database>, key: string, shape: BucketShape, nowMs: number): Promise<{ available: number, settle: (used: number) => Promise<number> }> {
      let query = trx.selectFrom('rate_buckets').select(['tokens', 'updated_ms']).where('key', '=', key)
      if (dialect === 'postgres') query = query.forUpdate()
      const row = await query.executeTakeFirst()
      // A new bucket starts full: at most one burst, which the shape keeps small.
      const available = row === undefined ? shape.capacity : refill(Number(row.tokens), Number(row.updated_ms), nowMs, shape)
      return {
        available,
        settle: async (used: number): Promise<number> => {
          const tokens = available - used
          await trx.insertInto('rate_buckets').values({ key, tokens, updated_ms: nowMs })
            .onConflict((oc) => oc.column('key').doUpdateSet({ tokens, updated_ms: nowMs })).execute()
          return tokens
        },
      }
    },

    /**
     * Leases up to `limit` due pending recipients of `campaignIds` to `workerId`: sets the
     * lease and counts the attempt; the caller moves them to `sending` in the same
     * transaction. Skips numbers that got a message in the last `pairSince` window or have
     * one in flight (Meta's pair rate: one message per user every 6 s).
     */
    async claim (trx: Transaction<Database>, input: { campaignIds: readonly string[], limit: number, workerId: string, leaseUntil: string, now: string, pairSince: string }): Promise<ClaimedRecipient[]> {
      if (input.limit < 1 || input.campaignIds.length === 0) return []
      const rows = await trx.updateTable('campaign_recipients')
        .set((eb) => ({ lease_owner: input.workerId, lease_until: input.leaseUntil, attempts: eb('attempts', '+', 1) }))
        // Only the id test out here: a status test too lets SQLite walk the status index
        // over every pending row instead of looking the few ids up by key.
        .where('id', 'in', (eb) => {
          let inner = eb.selectFrom('campaign_recipients as r').select('r.id')
            .where('r.campaign_id', 'in', input.campaignIds)
            .where('r.status', '=', 'pending')
            .where('r.next_attempt_at', '<=', input.now)
            .where(({ not, exists, selectFrom }) => not(exists(selectFrom('campaign_recipients as p').select(sql.lit(1).as('one'))
              .whereRef('p.workspace_id', '=', 'r.workspace_id').whereRef('p.phone', '=', 'r.phone').whereRef('p.id', '<>', 'r.id')
              .where((w) => w.or([w('p.status', '=', 'sending'), w('p.sent_at', '>', input.pairSince)])))))
            .orderBy('r.next_attempt_at').limit(input.limit)
          if (dialect === 'postgres') inner = inner.forUpdate().skipLocked()
          return inner
        })
        .returning(['id', 'campaign_id', 'workspace_id', 'phone', 'contact_id', 'variables', 'attempts', 'message_id'])
        .execute()
      return rows.map((r) => ({
        id: r.id,
        campaignId: r.campaign_id,
        workspaceId: asWorkspaceId(r.workspace_id),
        phone: r.phone,
        contactId: r.contact_id,
        variables: r.variables,
        attempts: Number(r.attempts),
        messageId: r.message_id,
      }))
    },

    /** Recipients in `sending` whose lease ended before `now`, oldest lease first. */
    async expired (now: string, limit: number, executor: Executor = db): Promise<ExpiredRecipient[]> {
      const rows = await executor.selectFrom('campaign_recipients').select(['id', 'campaign_id', 'workspace_id', 'message_id'])
        .where('status', '=', 'sending').where('lease_until', '<', now)
        .orderBy('lease_until').limit(limit).execute()
      return rows.map((r) => ({ id: r.id, campaignId: r.campaign_id, workspaceId: asWorkspaceId(r.workspace_id), messageId: r.message_id }))
    },

    /** The current state of recipients, read inside the transaction that changes them. */
    async states (trx: Transaction<Database>, ids: readonly string[]): Promise<Map<string, RecipientState>> {
      const out = new Map<string, RecipientState>()
      for (let i = 0; i < ids.length; i += IN_CHUNK) {
        const rows = await trx.selectFrom('campaign_recipients')
          .select(['id', 'campaign_id', 'status', 'wamid', 'sent_at', 'lease_owner', 'lease_until', 'attempts', 'message_id'])
          .where('id', 'in', ids.slice(i, i + IN_CHUNK)).execute()
        for (const r of rows) {
          out.set(r.id, { id: r.id, campaignId: r.campaign_id, status: r.status, wamid: r.wamid, sentAt: r.sent_at, leaseOwner: r.lease_owner, leaseUntil: r.lease_until, attempts: Number(r.attempts), messageId: r.message_id })
        }
      }
      return out
    },

    /**
     * Unique users the workspace reached in the moving window since `since`, as Meta counts
     * toward the messaging limit: numbers sent to (or possibly sent to: in flight, or
     * unknown) since then, except contacts who wrote to us in that time, whose service
     * window made the message free of the limit.
     */
    async uniqueUsersSince (ws: WorkspaceId, since: string): Promise<number> {
      const row = await db.selectFrom('campaign_recipients as r')
        .leftJoin('contacts as c', 'c.id', 'r.contact_id')
        .select((eb) => eb.fn.count<number>('r.phone').distinct().as('n'))
        .where('r.workspace_id', '=', ws)
        .where((eb) => eb.or([
          eb('r.sent_at', '>=', since),
          eb.and([eb('r.sent_at', 'is', null), eb('r.status', 'in', ['sending', 'unknown']), eb('r.updated_at', '>=', since)]),
        ]))
        .where((eb) => eb.or([eb('c.last_inbound_at', 'is', null), eb('c.last_inbound_at', '<', since)]))
        .executeTakeFirst()
      return Number(row?.n ?? 0)
    },

    /**
     * Running campaigns with nothing pending or in flight are completed, in the caller's
     * transaction (which announces them). Returns them.
     */
    async completeFinished (now: string, executor: Executor = db): Promise<Array<{ campaignId: string, workspaceId: WorkspaceId }>> {
      const rows = await executor.updateTable('campaigns')
        .set({ state: 'completed', state_reason: null, completed_at: now, updated_at: now })
        .where('state', '=', 'running').where('count_pending', '=', 0).where('count_sending', '=', 0)
        .returning(['id', 'workspace_id']).execute()
      return rows.map((r) => ({ campaignId: r.id, workspaceId: asWorkspaceId(r.workspace_id) }))
    },

    /**
     * Pauses the workspace's running and scheduled campaigns (those of one number, or all),
     * with the reason people will see. Returns the ids paused.
     */
    async pauseCampaigns (ws: WorkspaceId, reason: string, filter: { phoneNumberId?: string, campaignId?: string }, executor: Executor = db): Promise<string[]> {
      let query = executor.updateTable('campaigns').set({ state: 'paused', state_reason: reason, updated_at: nowIso() })
        .where('workspace_id', '=', ws).where('state', 'in', ['running', 'scheduled'])
      if (filter.phoneNumberId !== undefined) query = query.where('phone_number_id', '=', filter.phoneNumberId)
      if (filter.campaignId !== undefined) query = query.where('id', '=', filter.campaignId)
      const rows = await query.returning('id').execute()
      return rows.map((r) => r.id)
    },

    /**
     * Sets (or with null clears) a running campaign's reason without changing its state:
     * deferral by the daily limit is visible but needs no one to resume it. Only a reason
     * starting with `prefix` is cleared, so a person's note is never erased.
     */
    async setRunningReason (campaignIds: readonly string[], reason: string | null, prefix: string): Promise<void> {
      if (campaignIds.length === 0) return
      let query = db.updateTable('campaigns').set({ state_reason: reason, updated_at: nowIso() })
        .where('id', 'in', campaignIds).where('state', '=', 'running')
      query = reason === null
        ? query.where('state_reason', 'like', `${prefix}%`)
        : query.where((eb) => eb.or([eb('state_reason', 'is', null), eb('state_reason', '<>', reason)]))
      await query.execute()
    },

    /**
     * Records campaign sends in their contacts' threads as `sending`, in one statement per
     * claim (the rows `MessagesRepository.createOutbound` would write one by one). Returns
     * the new ids in order.
     */
    async insertMessages (trx: Transaction<Database>, ws: WorkspaceId, rows: ReadonlyArray<{ contactId: string | null, phoneNumberId: string, waId: string, body: string, templateName: string, templateLanguage: string }>, now: string): Promise<string[]> {
      const ids = rows.map(() => newId('message'))
      // A multi-row insert's text depends on its row count and each text is a cached statement: chunks of 50 keep the shapes few.
      for (let i = 0; i < rows.length; i += 50) {
        await trx.insertInto('wa_messages').values(rows.slice(i, i + 50).map((r, j) => ({
          id: ids[i + j]!,
          workspace_id: ws,
          contact_id: r.contactId,
          phone_number_id: r.phoneNumberId,
          direction: 'out' as const,
          wamid: null,
          wa_id: r.waId,
          type: 'template',
          body: r.body,
          template_name: r.templateName,
          template_language: r.templateLanguage,
          status: 'sending' as const,
          status_at: now,
          error_code: null,
          error_title: null,
          context_wamid: null,
          author_user_id: null,
          source: 'campaign',
          created_at: now,
        }))).execute()
      }
      return ids
    },

    /** Puts campaign messages back to `sending` for another attempt (a recipient keeps one thread row across attempts). */
    async resetMessages (trx: Transaction<Database>, ws: WorkspaceId, messageIds: readonly string[], now: string): Promise<void> {
      if (messageIds.length === 0) return
      await trx.updateTable('wa_messages').set({ status: 'sending', status_at: now, error_code: null, error_title: null })
        .where('workspace_id', '=', ws).where('id', 'in', messageIds).execute()
    },
  }
}

export type OutboxRepository = ReturnType<typeof createOutboxRepository>
