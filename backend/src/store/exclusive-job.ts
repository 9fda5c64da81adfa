import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import type { Store } from './database.js'

/**
 * Periodic jobs that every process schedules but one at a time should run (the retention
 * sweep, starting scheduled campaigns and completing finished ones). On PostgreSQL the
 * first process to take the job's advisory lock runs it and the others skip that turn;
 * the lock is a session lock on one pooled connection, so a process that dies mid-job
 * lets go of it with its connection. On SQLite the store is one file on one machine and
 * its BEGIN IMMEDIATE already runs writers one at a time; the job runs in every process
 * that asks, which is why each job is written to be harmless twice.
 */

/** The job's advisory-lock key: the first eight bytes of sha256 of its name, as a signed 64-bit integer. */
export function jobLockKey (name: string): string {
  return createHash('sha256').update(`switchboard job ${name}`).digest().readBigInt64BE(0).toString()
}

/** Runs `work` unless another process is running the job `name` right now; `ran` says which. */
export async function runExclusive<T> (store: Store, name: string, work: () => Promise<T>): Promise<{ ran: true, result: T } | { ran: false }> {
  if (store.dialect !== 'postgres') return { ran: true, result: await work() }
  const key = jobLockKey(name)
  return await store.db.connection().execute(async (connection) => {
    const taken = await sql<{ taken: boolean }>`select pg_try_advisory_lock(${key}::bigint) as taken`.execute(connection)
    if (taken.rows[0]?.taken !== true) return { ran: false as const }
    try {
      return { ran: true as const, result: await work() }
    } finally {
      await sql`select pg_advisory_unlock(${key}::bigint)`.execute(connection)
    }
  })
}

/** `runExclusive` bound to a store and a job name, for code that should not know the store. */
export type ExclusiveRunner = <T>(work: () => Promise<T>) => Promise<{ ran: true, result: T } | { ran: false }>

export function exclusiveJob (store: Store, name: string): ExclusiveRunner {
  return (work) => runExclusive(store, name, work)
}
