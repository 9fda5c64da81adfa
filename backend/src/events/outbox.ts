import type { Transaction } from 'kysely'
import type { Database } from '../store/schema.js'
import { newId, type WorkspaceId } from '../ids.js'
import { EVENT_CATALOG, type EventData, type EventType } from './catalog.js'

/**
 * Where code that changes something announces it. `emit` runs inside the transaction
 * that makes the change: the event and its deliveries commit with it or not at all, so
 * nothing a caller was told succeeded is ever missing from the outbox, and nothing rolled
 * back is ever sent. `data` may be a function: it is called only when some endpoint of
 * the workspace wants the event, so a workspace without endpoints pays one indexed read;
 * it answers undefined when what happened may not be announced after all (Limited Use).
 */
export interface EventSink {
  emit<T extends EventType>(trx: Transaction<Database>, ws: WorkspaceId, type: T, data: EventData<T> | (() => Promise<EventData<T> | undefined>)): Promise<void>
}

/** For code built without an outbox (a repository under test on its own). */
export const NO_EVENTS: EventSink = { emit: async () => {} }

export interface EventOutbox extends EventSink {
  /** Called (after the current I/O turn) whenever deliveries were queued in this process; returns the removal. */
  onQueued (wake: () => void): () => void
  /** Says deliveries were queued some other way (a redelivery). */
  queued (): void
}

export function createEventOutbox (options: { now?: () => Date } = {}): EventOutbox {
  const now = options.now ?? (() => new Date())
  const wakers: Array<() => void> = []
  let scheduled = false

  function notify (): void {
    if (scheduled || wakers.length === 0) return
    scheduled = true
    // By the next turn the emitting transaction has usually committed; a worker that looks
    // too early finds nothing and its poll picks the rows up.
    setImmediate(() => {
      scheduled = false
      for (const wake of wakers) wake()
    })
  }

  // The webhook processor applies a hundred webhooks per transaction: the workspace's
  // endpoints are read once per transaction, not once per status (bench/events.ts).
  const endpointsByTransaction = new WeakMap<Transaction<Database>, Map<WorkspaceId, Array<{ id: string, types: ReadonlySet<string> }>>>()
  async function activeEndpoints (trx: Transaction<Database>, ws: WorkspaceId): Promise<Array<{ id: string, types: ReadonlySet<string> }>> {
    let byWorkspace = endpointsByTransaction.get(trx)
    if (byWorkspace === undefined) {
      byWorkspace = new Map()
      endpointsByTransaction.set(trx, byWorkspace)
    }
    let endpoints = byWorkspace.get(ws)
    if (endpoints === undefined) {
      const rows = await trx.selectFrom('webhook_endpoints').select(['id', 'event_types'])
        .where('workspace_id', '=', ws).where('status', '=', 'active').execute()
      endpoints = rows.map((e) => ({ id: e.id, types: new Set(JSON.parse(e.event_types) as string[]) }))
      byWorkspace.set(ws, endpoints)
    }
    return endpoints
  }

  return {
    async emit (trx, ws, type, data) {
      const targets = (await activeEndpoints(trx, ws)).filter((e) => e.types.has(type))
      if (targets.length === 0) return
      const payload = typeof data === 'function' ? await data() : data
      if (payload === undefined) return
      const id = newId('event')
      const at = now().toISOString()
      const orderingKey = (EVENT_CATALOG[type].orderingKey as (d: EventData<typeof type>) => string)(payload)
      // Serialised once: every attempt and redelivery sends (and signs) exactly these bytes.
      const body = JSON.stringify({ id, type, timestamp: at, workspaceId: ws, data: payload })
      await trx.insertInto('webhook_events').values({ id, workspace_id: ws, type, ordering_key: orderingKey, body, created_at: at }).execute()
      await trx.insertInto('webhook_deliveries').values(targets.map((endpoint) => ({
        id: newId('webhookDelivery'),
        workspace_id: ws,
        endpoint_id: endpoint.id,
        event_id: id,
        ordering_key: orderingKey,
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: at,
        lease_owner: null,
        lease_until: null,
        last_status_code: null,
        last_error: null,
        redelivery_of: null,
        created_at: at,
        updated_at: at,
        completed_at: null,
      }))).execute()
      notify()
    },

    queued: notify,

    onQueued (wake) {
      wakers.push(wake)
      return () => {
        const index = wakers.indexOf(wake)
        if (index >= 0) wakers.splice(index, 1)
      }
    },
  }
}
