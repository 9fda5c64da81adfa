import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { migrateToLatest, openStore } from '../src/store/database.js'

/**
 * Throwaway PostgreSQL databases for tests, one per test like the SQLite files. Each
 * test process migrates one template database once; every test then gets
 * `CREATE DATABASE … TEMPLATE` of it, which copies files instead of replaying
 * migrations (tens of milliseconds).
 */
// Empty counts as unset: the SQLite project clears it, since `.ci/run` exports it for the whole run.
export const TEST_DATABASE_URL = process.env['TEST_DATABASE_URL'] === '' ? undefined : process.env['TEST_DATABASE_URL']

/** Every database these tests create starts with this, so a sweep can find leftovers. */
export const TEST_DATABASE_PREFIX = 'sbtest_'

let template: Promise<string> | undefined

function urlFor (database: string): string {
  const url = new URL(TEST_DATABASE_URL!)
  url.pathname = `/${database}`
  return url.toString()
}

async function admin<T> (work: (client: pg.Client) => Promise<T>, url = TEST_DATABASE_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

async function createTemplate (): Promise<string> {
  const name = `${TEST_DATABASE_PREFIX}${process.pid}_tpl_${randomBytes(4).toString('hex')}`
  await admin((c) => c.query(`create database ${name}`))
  const store = openStore({ dataDir: '/nonexistent', databaseUrl: urlFor(name) })
  await migrateToLatest(store)
  // A template may have no open connections when it is copied.
  await store.close()
  return name
}

/** A new, migrated database; `drop` removes it. */
export async function freshPostgresDatabase (): Promise<{ url: string, drop: () => Promise<void> }> {
  template ??= createTemplate()
  const source = await template
  const name = `${TEST_DATABASE_PREFIX}${process.pid}_${randomBytes(6).toString('hex')}`
  await admin((c) => c.query(`create database ${name} template ${source}`))
  return {
    url: urlFor(name),
    drop: () => admin(async (c) => { await c.query(`drop database if exists ${name} with (force)`) }),
  }
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Drops the test databases whose test process is gone (a killed or finished run); the
 * vitest global setup calls it. Databases of a run still going on this machine stay.
 */
export async function dropTestDatabases (url: string): Promise<void> {
  await admin(async (c) => {
    const { rows } = await c.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${TEST_DATABASE_PREFIX}%`])
    for (const { datname } of rows) {
      const pid = Number(datname.slice(TEST_DATABASE_PREFIX.length).split('_')[0])
      if (Number.isInteger(pid) && alive(pid)) continue
      await c.query(`drop database if exists ${datname} with (force)`)
    }
  }, url)
}
