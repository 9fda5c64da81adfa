import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from './store/schema.js'
import { nowIso, type WorkspaceId } from './ids.js'
import { SwitchboardError } from './errors.js'

/** JSON with object keys sorted, so the same body hashes the same however a client orders its fields. */
function canonical (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

export interface IdempotentResult<T> {
  status: number
  body: T
  /** True when this is the stored answer of an earlier request with the same key. */
  replayed: boolean
}

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{8,255}$/

/**
 * Idempotency keys for requests a client may retry (a sheet chunk after a timeout): the
 * same key with the same body gets the first answer again, without doing the work twice;
 * the same key with another body, or on another endpoint, is refused; a key whose first
 * request is still running is a 409. Only answers that did the work are kept: a refused
 * request (any 4xx) or a failure (5xx, a crash) releases the key, so a refused request
 * stores nothing and a retry runs again (and is refused again, unless what refused it,
 * say a paused campaign, has changed).
 */
export function createIdempotency (db: Kysely<Database>) {
  return {
    async run<T> (ws: WorkspaceId, key: string, scope: string, body: unknown, handler: () => Promise<{ status: number, body: T }>): Promise<IdempotentResult<T>> {
      if (!IDEMPOTENCY_KEY_PATTERN.test(key)) throw new SwitchboardError('SB_IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key')
      const requestHash = createHash('sha256').update(canonical(body)).digest('hex')
      const claimed = await db.insertInto('idempotency_keys')
        .values({ workspace_id: ws, key, scope, request_hash: requestHash, status_code: null, response: null, created_at: nowIso() })
        .onConflict((oc) => oc.columns(['workspace_id', 'key']).doNothing())
        .executeTakeFirst()
      if (Number(claimed.numInsertedOrUpdatedRows ?? 0) === 0) {
        const earlier = await db.selectFrom('idempotency_keys').selectAll().where('workspace_id', '=', ws).where('key', '=', key).executeTakeFirstOrThrow()
        if (earlier.scope !== scope || earlier.request_hash !== requestHash) throw new SwitchboardError('SB_IDEMPOTENCY_KEY_REUSED', 'Idempotency-Key')
        if (earlier.status_code === null || earlier.response === null) throw new SwitchboardError('SB_IDEMPOTENCY_IN_PROGRESS', 'Idempotency-Key')
        return { status: earlier.status_code, body: JSON.parse(earlier.response) as T, replayed: true }
      }
      const store = async (status: number, response: unknown): Promise<void> => {
        await db.updateTable('idempotency_keys').set({ status_code: status, response: JSON.stringify(response) })
          .where('workspace_id', '=', ws).where('key', '=', key).execute()
      }
      try {
        const result = await handler()
        await store(result.status, result.body)
        return { ...result, replayed: false }
      } catch (error) {
        await db.deleteFrom('idempotency_keys').where('workspace_id', '=', ws).where('key', '=', key).execute()
        throw error
      }
    },
  }
}

export type Idempotency = ReturnType<typeof createIdempotency>
