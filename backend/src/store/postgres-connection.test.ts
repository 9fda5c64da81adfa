import pg from 'pg'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../../test/helper.js'
import { TEST_DATABASE_URL } from '../../test/postgres.js'
import { storeFault } from './store-faults.js'

describe.skipIf(TEST_DATABASE_URL === undefined)('PostgreSQL connections dropped by the server', () => {
  it('a connection cut mid-transaction fails that transaction as "unavailable", does not end the process, and the next query gets a fresh one', async () => {
    const { store, config } = await buildTestApp()
    const admin = new pg.Client({ connectionString: config.databaseUrl })
    await admin.connect()
    try {
      const cut = store.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)
        // What a restart or an administrator does to this session, between two of its statements.
        await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid])
        await new Promise((resolve) => setTimeout(resolve, 200))
        await sql`select 1`.execute(trx)
      })
      const error = await cut.then(() => undefined, (e: unknown) => e)
      expect(storeFault(error), String(error)).toBe('unavailable')
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(store.db)
      expect(rows).toEqual([{ one: 1 }])
    } finally {
      await admin.end()
    }
  })
})
