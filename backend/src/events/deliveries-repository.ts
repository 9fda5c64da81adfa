import { sql, type Kysely, type Selectable, type Transaction } from 'kysely'
import type { Database } from '../store/schema.js'
import type { Dialect } from '../store/database.js'
import { asWorkspaceId, newId, type WorkspaceId } from '../ids.js'
import { SwitchboardError } from '../errors.js'
import { DEFAULT_PAGE_SIZE, encodeCursor, toPage } from '../crm/paging.js'
import type { WebhookDelivery, WebhookDeliveryDetail, WebhookDeliveryQuery } from './schemas.js'

type DeliveryRow = Selectable<Database['webhook_deliveries']>

/** A delivery this worker now holds, with what sending it needs. */
export interface ClaimedDelivery {
  seq: number
  id: string
  workspaceId: WorkspaceId
  endpointId: string
  eventId: string
  /** Including the attempt just claimed. */
  attempts: number
  createdAt: string
  url: string
  /** Sealed; the worker opens them. */
  secret: string
  previousSecret: string | null
  previousSecretUntil: string | null
  body: string
}

/** What one attempt came to, and the state it leaves its delivery in. */
export interface Settlement {
  seq: number
  workspaceId: WorkspaceId
  attempt: { attempt: number, attemptedAt: string, durationMs: number, statusCode: number | null, error: string | null }
  next: { status: 'delivered' | 'failed', at: string } | { status: 'pending', nextAttemptAt: string }
  /** The receiver answered 410 Gone: no more deliveries to this endpoint until an admin turns it back on. */
  disableEndpoint?: { endpointId: string, reason: string }
}

function toDelivery (row: DeliveryRow & { event_type: string }): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: Number(row.attempts),
    nextAttemptAt: row.status === 'pending' || row.status === 'delivering' ? row.next_attempt_at : null,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    redeliveryOf: row.redelivery_of,
    createdAt: row.created_at,
    completedAt: row.completed_at,
  }
}

function decodeSeqCursor (cursor: string): number {
  const key = Buffer.from(cursor, 'base64url').toString('utf8')
  if (encodeCursor(key) !== cursor || !/^\d{1,15}$/.test(key)) throw new SwitchboardError('SB_CURSOR_INVALID', 'cursor')
  return Number(key)
}

/**
 * The delivery outbox's SQL. A claim takes due `pending` deliveries that are at the head
 * of their queue (no earlier delivery of the same endpoint and ordering key is still
 * pending or being delivered), so one contact's events reach an endpoint in the order
 * they happened while other contacts' events go out beside them. It is one statement,
 * WITH due AS MATERIALIZED (SELECT … LIMIT n) UPDATE … FROM due RETURNING: atomic on
 * SQLite's single writer; on PostgreSQL the SELECT takes FOR UPDATE SKIP LOCKED, so
 * workers in several processes skip each other's rows and never hold the same delivery,
 * and a second worker looking at a queue whose head another has just locked still sees
 * that head as pending and leaves the rest of the queue alone. It runs outside any
 * explicit transaction, so it does not wait for the store's write lock.
 */
export function createDeliveriesRepository (db: Kysely<Database>, dialect: Dialect) {
  return {
    async claim (input: { workerId: string, limit: number, now: string, leaseUntil: string }): Promise<ClaimedDelivery[]> {
      if (input.limit < 1) return []
      const claimed = await db
        // Materialised, so the LIMIT applies once: PostgreSQL may re-run a LIMIT subquery of
        // `seq IN (…)` for each candidate row, and with SKIP LOCKED each run can return other
        // rows, so one claim took more than it asked for.
        .with((cte) => cte('due').materialized(), (qb) => {
          let due = qb.selectFrom('webhook_deliveries as d')
            .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
            .select('d.seq')
            .where('d.status', '=', 'pending')
            .where('d.next_attempt_at', '<=', input.now)
            .where('e.status', '=', 'active')
            .where(({ not, exists, selectFrom }) => not(exists(selectFrom('webhook_deliveries as p').select(sql.lit(1).as('one'))
              .whereRef('p.endpoint_id', '=', 'd.endpoint_id').whereRef('p.ordering_key', '=', 'd.ordering_key')
              .whereRef('p.seq', '<', 'd.seq').where('p.status', 'in', ['pending', 'delivering']))))
            .orderBy('d.next_attempt_at').orderBy('d.seq').limit(input.limit)
          if (dialect === 'postgres') due = due.forUpdate('d').skipLocked()
          return due
        })
        .updateTable('webhook_deliveries')
        .from('due')
        .set((eb) => ({ status: 'delivering', lease_owner: input.workerId, lease_until: input.leaseUntil, attempts: eb('webhook_deliveries.attempts', '+', 1), updated_at: input.now }))
        .whereRef('webhook_deliveries.seq', '=', 'due.seq')
        .where('webhook_deliveries.status', '=', 'pending')
        .returning(['webhook_deliveries.seq'])
        .execute()
      if (claimed.length === 0) return []
      const rows = await db.selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
        .innerJoin('webhook_events as v', 'v.id', 'd.event_id')
        .select(['d.seq', 'd.id', 'd.workspace_id', 'd.endpoint_id', 'd.event_id', 'd.attempts', 'd.created_at',
          'e.url', 'e.secret', 'e.previous_secret', 'e.previous_secret_until', 'v.body'])
        .where('d.seq', 'in', claimed.map((c) => Number(c.seq))).orderBy('d.seq').execute()
      return rows.map((r) => ({
        seq: Number(r.seq),
        id: r.id,
        workspaceId: asWorkspaceId(r.workspace_id),
        endpointId: r.endpoint_id,
        eventId: r.event_id,
        attempts: Number(r.attempts),
        createdAt: r.created_at,
        url: r.url,
        secret: r.secret,
        previousSecret: r.previous_secret,
        previousSecretUntil: r.previous_secret_until,
        body: r.body,
      }))
    },

    /**
     * Deliveries left `delivering` past their lease (the worker died or hung) go back to
     * pending, to be sent again: the receiver may get it twice, which `webhook-id` lets
     * it notice. Returns how many.
     */
    async requeueExpired (now: string): Promise<number> {
      const result = await db.updateTable('webhook_deliveries')
        .set({ status: 'pending', lease_owner: null, lease_until: null, next_attempt_at: now, updated_at: now, last_error: 'the worker stopped before the receiver answered; sent again' })
        .where('status', '=', 'delivering').where('lease_until', '<', now)
        .executeTakeFirst()
      return Number(result.numUpdatedRows)
    },

    /**
     * Writes attempts and their outcomes in one transaction. A delivery whose lease this
     * worker lost meanwhile keeps its state (someone else holds it); its attempt is still
     * logged, because it happened.
     */
    async settle (trx: Transaction<Database>, workerId: string, settlement: Settlement): Promise<boolean> {
      const { seq, next } = settlement
      const common = { lease_owner: null, lease_until: null, last_status_code: settlement.attempt.statusCode, last_error: settlement.attempt.error, updated_at: settlement.attempt.attemptedAt }
      const set = next.status === 'pending'
        ? { ...common, status: 'pending' as const, next_attempt_at: next.nextAttemptAt }
        : { ...common, status: next.status, completed_at: next.at }
      const updated = await trx.updateTable('webhook_deliveries').set(set)
        .where('seq', '=', seq).where('status', '=', 'delivering').where('lease_owner', '=', workerId)
        .executeTakeFirst()
      await trx.insertInto('webhook_attempts').values({
        workspace_id: settlement.workspaceId,
        delivery_seq: seq,
        attempt: settlement.attempt.attempt,
        attempted_at: settlement.attempt.attemptedAt,
        duration_ms: settlement.attempt.durationMs,
        status_code: settlement.attempt.statusCode,
        error: settlement.attempt.error,
      }).execute()
      return updated.numUpdatedRows > 0n
    },

    /** The delivery log, newest first. */
    async list (ws: WorkspaceId, query: WebhookDeliveryQuery): Promise<{ items: WebhookDelivery[], nextCursor: string | null }> {
      const limit = query.limit ?? DEFAULT_PAGE_SIZE
      let select = db.selectFrom('webhook_deliveries as d').innerJoin('webhook_events as v', 'v.id', 'd.event_id')
        .selectAll('d').select('v.type as event_type').where('d.workspace_id', '=', ws)
      if (query.cursor !== undefined) select = select.where('d.seq', '<', decodeSeqCursor(query.cursor))
      if (query.endpointId !== undefined) select = select.where('d.endpoint_id', '=', query.endpointId)
      if (query.status !== undefined) select = select.where('d.status', '=', query.status)
      if (query.eventType !== undefined) select = select.where('v.type', '=', query.eventType)
      const rows = await select.orderBy('d.seq', 'desc').limit(limit + 1).execute()
      const page = toPage(rows, limit, (last) => encodeCursor(String(last.seq)))
      return { items: page.items.map(toDelivery), nextCursor: page.nextCursor }
    },

    async detail (ws: WorkspaceId, id: string): Promise<WebhookDeliveryDetail | undefined> {
      const row = await db.selectFrom('webhook_deliveries as d').innerJoin('webhook_events as v', 'v.id', 'd.event_id')
        .selectAll('d').select(['v.type as event_type', 'v.body']).where('d.workspace_id', '=', ws).where('d.id', '=', id).executeTakeFirst()
      if (row === undefined) return undefined
      const attempts = await db.selectFrom('webhook_attempts').selectAll().where('workspace_id', '=', ws).where('delivery_seq', '=', row.seq).orderBy('attempt').orderBy('id').execute()
      return {
        delivery: toDelivery(row),
        attemptLog: attempts.map((a) => ({ attempt: a.attempt, attemptedAt: a.attempted_at, durationMs: a.duration_ms, statusCode: a.status_code, error: a.error })),
        body: row.body,
      }
    },

    /**
     * Sends the event of delivery `id` to its endpoint again. A delivery waiting for its
     * next retry is simply made due now (a second copy would only queue behind it); one
     * being sent is left alone; a delivered or failed one is queued again as a new
     * delivery (the original keeps its history), at the back of its contact's queue.
     */
    async redeliver (ws: WorkspaceId, id: string, now: string, executor: Kysely<Database> | Transaction<Database> = db): Promise<{ delivery: WebhookDelivery, created: boolean } | undefined> {
      const original = await executor.selectFrom('webhook_deliveries as d').innerJoin('webhook_events as v', 'v.id', 'd.event_id')
        .selectAll('d').select('v.type as event_type').where('d.workspace_id', '=', ws).where('d.id', '=', id).executeTakeFirst()
      if (original === undefined) return undefined
      if (original.status === 'delivering') return { delivery: toDelivery(original), created: false }
      if (original.status === 'pending') {
        await executor.updateTable('webhook_deliveries').set({ next_attempt_at: now, updated_at: now }).where('seq', '=', original.seq).where('status', '=', 'pending').execute()
        return { delivery: toDelivery({ ...original, next_attempt_at: now, updated_at: now }), created: false }
      }
      const row = {
        id: newId('webhookDelivery'),
        workspace_id: ws,
        endpoint_id: original.endpoint_id,
        event_id: original.event_id,
        ordering_key: original.ordering_key,
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: now,
        lease_owner: null,
        lease_until: null,
        last_status_code: null,
        last_error: null,
        redelivery_of: original.id,
        created_at: now,
        updated_at: now,
        completed_at: null,
      }
      const [inserted] = await executor.insertInto('webhook_deliveries').values(row).returning('seq').execute()
      return { delivery: toDelivery({ ...row, seq: Number(inserted!.seq), event_type: original.event_type }), created: true }
    },

    /** Deliveries waiting or being sent, for health checks and tests. */
    async backlog (): Promise<number> {
      const row = await db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('status', 'in', ['pending', 'delivering']).executeTakeFirst()
      return Number(row?.n ?? 0)
    },
  }
}

export type DeliveriesRepository = ReturnType<typeof createDeliveriesRepository>
