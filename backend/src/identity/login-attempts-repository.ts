import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.js'
import { nowIso } from '../ids.js'
import { normaliseEmail } from '../crm/normalise.js'
import { hashSecret } from './secrets.js'

/** How long a row outlives its last failure: past any lock (an hour at most). */
const KEEP_MS = 24 * 3_600_000

/**
 * The key failed sign-ins are counted under: one email from one source address. Any email,
 * with or without an account, so that locking behaves the same for both.
 */
export function attemptKey (email: string, ip: string | null): string {
  return hashSecret(`${normaliseEmail(email)}\n${ip ?? ''}`)
}

export function createLoginAttemptsRepository (db: Kysely<Database>) {
  return {
    async get (key: string): Promise<{ failedCount: number, lockedUntil: string | null } | undefined> {
      const row = await db.selectFrom('login_attempts').select(['failed_count', 'locked_until']).where('attempt_key', '=', key).executeTakeFirst()
      return row === undefined ? undefined : { failedCount: row.failed_count, lockedUntil: row.locked_until }
    },

    /** Records one more failure (and the lock it earns); sweeps rows idle for a day. */
    async recordFailure (key: string, failedCount: number, lockedUntil: string | null): Promise<void> {
      const now = nowIso()
      await db.insertInto('login_attempts').values({ attempt_key: key, failed_count: failedCount, locked_until: lockedUntil, updated_at: now })
        .onConflict((oc) => oc.column('attempt_key').doUpdateSet({ failed_count: failedCount, locked_until: lockedUntil, updated_at: now }))
        .execute()
      await db.deleteFrom('login_attempts').where('updated_at', '<', new Date(Date.now() - KEEP_MS).toISOString()).execute()
    },

    async clear (key: string): Promise<void> {
      await db.deleteFrom('login_attempts').where('attempt_key', '=', key).execute()
    },
  }
}

export type LoginAttemptsRepository = ReturnType<typeof createLoginAttemptsRepository>
