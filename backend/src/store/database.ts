import fs from 'node:fs'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import {
  CompiledQuery, Kysely, Migrator, PostgresDialect, PostgresDriver, SqliteDialect, SqliteDriver,
  type DatabaseConnection, type PostgresDialectConfig, type TransactionSettings, type MigrationResultSet, type SqliteDatabase, type SqliteStatement,
} from 'kysely'
import type { Database } from './schema.js'
import { MIGRATIONS } from './migrations/index.js'

export type Dialect = 'sqlite' | 'postgres'

/** An open store: the query builder plus what callers need to know about the engine under it. */
export interface Store {
  db: Kysely<Database>
  dialect: Dialect
  /** Where the data lives, for logs: the SQLite path or the PostgreSQL host/database (never the password). */
  location: string
  close: () => Promise<void>
}

export interface StoreOptions {
  dataDir: string
  databaseUrl?: string | undefined
}

export const SQLITE_FILE_NAME = 'switchboard.sqlite'

/** Opens SQLite in `dataDir` or PostgreSQL at `databaseUrl`; does not migrate. */
export function openStore (options: StoreOptions): Store {
  if (options.databaseUrl !== undefined) return openPostgres(options.databaseUrl)
  fs.mkdirSync(options.dataDir, { recursive: true })
  return openSqlite(path.join(options.dataDir, SQLITE_FILE_NAME))
}

/**
 * The database holds every workspace's data: readable by the service's user alone, like
 * the key file. SQLite would create it with the umask's mode (usually 0644); it is created
 * 0600 here first (and an existing file tightened), and SQLite gives its -wal and -shm
 * files the database file's mode.
 */
function restrictSqliteFile (file: string): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600))
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    if (fs.existsSync(f) && (fs.statSync(f).mode & 0o077) !== 0) fs.chmodSync(f, 0o600)
  }
}

function openSqlite (file: string): Store {
  restrictSqliteFile(file)
  const raw = new BetterSqlite3(file)
  raw.pragma('journal_mode = WAL')
  raw.pragma('synchronous = NORMAL')
  raw.pragma('foreign_keys = ON')
  raw.pragma('busy_timeout = 5000')
  // Reads through a memory map skip a read() system call per page, and a larger page
  // cache keeps the hot indexes in process: at 100,000 contacts this took a lookup by
  // email from ~180 µs to ~20 µs. The map is address space, not memory: the kernel's
  // page cache backs it.
  raw.pragma('cache_size = -65536')
  raw.pragma('mmap_size = 1073741824')
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(cachingStatements(raw), () => raw.inTransaction) })
  return { db, dialect: 'sqlite', location: file, close: () => db.destroy() }
}

function openPostgres (url: string): Store {
  const parsed = new URL(url)
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  // An idle connection the server drops (a restart, a failover, an administrator) emits
  // 'error' on the pool; unheard, that would end the process. The pool discards the
  // connection and the next query opens a new one, so there is nothing else to do.
  pool.on('error', () => {})
  // A connection the server drops while it is checked out (mid-transaction, between two
  // statements) has no pool listener at that moment; pg emits 'error' on it, and unheard
  // that ends the process. The query waiting on it fails anyway, and the pool discards
  // the client when it comes back, so hearing it is enough.
  pool.on('connect', (client) => { client.on('error', () => {}) })
  const db = new Kysely<Database>({ dialect: new SerialPostgresDialect({ pool }) })
  return {
    db,
    dialect: 'postgres',
    location: `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`,
    close: () => db.destroy(),
  }
}

// count(*) and bigint columns come back from pg as strings; our values fit a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value))

/**
 * better-sqlite3 compiles a statement on every `prepare`, and Kysely prepares on every
 * query; reusing compiled statements by SQL text removes most of that cost on the
 * hot paths. Kysely runs one query at a time on the single connection, so a cached
 * statement is never used by two queries at once.
 */
function cachingStatements (raw: BetterSqlite3.Database, capacity = 500): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>()
  return {
    close: () => raw.close(),
    prepare: (sql: string) => {
      let statement = cache.get(sql)
      if (statement === undefined) {
        statement = raw.prepare(sql) as unknown as SqliteStatement
        if (cache.size >= capacity) cache.delete(cache.keys().next().value as string)
        cache.set(sql, statement)
      }
      return statement
    },
  }
}

/**
 * SQLite's default deferred BEGIN takes the write lock only at the first write; when
 * another process (a worker) holds it, the upgrade fails at once with SQLITE_BUSY and
 * busy_timeout does not help. BEGIN IMMEDIATE waits for the lock up front instead.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  readonly #database: SqliteDatabase
  readonly #inTransaction: () => boolean
  constructor (database: SqliteDatabase, inTransaction: () => boolean) {
    super({ database })
    this.#database = database
    this.#inTransaction = inTransaction
  }

  override createDriver (): SqliteDriver {
    return new ImmediateSqliteDriver({ database: this.#database }, this.#inTransaction)
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  readonly #inTransaction: () => boolean
  constructor (config: ConstructorParameters<typeof SqliteDriver>[0], inTransaction: () => boolean) {
    super(config)
    this.#inTransaction = inTransaction
  }

  override async beginTransaction (connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }

  /**
   * SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR,
   * SQLITE_NOMEM, SQLITE_BUSY); a ROLLBACK after that fails with "no transaction is
   * active" and would replace the error that explains what happened.
   */
  override async rollbackTransaction (connection: DatabaseConnection): Promise<void> {
    if (this.#inTransaction()) await super.rollbackTransaction(connection)
  }
}

/**
 * Any key will do as long as nothing else in the database uses it; the first eight bytes
 * of sha256("switchboard writes").
 */
export const WRITE_LOCK_KEY = '8515766413039855617'

/**
 * PostgreSQL transactions take one transaction-scoped advisory lock before anything else,
 * so explicit transactions run one at a time across every process, as SQLite's BEGIN
 * IMMEDIATE makes them. The code that moves recipients and messages between states
 * reads a row's state and writes the next one in the same transaction ("re-read under the
 * write lock"); under READ COMMITTED without this, two processes read the same `sending`
 * and both count it down, or lock campaign and message rows in opposite orders and
 * deadlock. Statements outside explicit transactions (most API reads and single-row
 * writes) do not take it and run in parallel. Taken first, with no row locks held yet, it
 * cannot join a deadlock.
 */
class SerialPostgresDialect extends PostgresDialect {
  readonly #config: PostgresDialectConfig
  constructor (config: PostgresDialectConfig) {
    super(config)
    this.#config = config
  }

  override createDriver (): PostgresDriver {
    return new SerialPostgresDriver(this.#config)
  }
}

class SerialPostgresDriver extends PostgresDriver {
  override async beginTransaction (connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await super.beginTransaction(connection, settings)
    await connection.executeQuery(CompiledQuery.raw(`select pg_advisory_xact_lock(${WRITE_LOCK_KEY})`))
  }
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest (store: Store): Promise<MigrationResultSet> {
  const migrator = createMigrator(store)
  const result = await migrator.migrateToLatest()
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    throw new Error(`migration ${failed} failed`, { cause: result.error })
  }
  return result
}

/** Names of migrations that exist in code but are not applied to the store. */
export async function pendingMigrations (store: Store): Promise<string[]> {
  const migrations = await createMigrator(store).getMigrations()
  return migrations.filter((m) => m.executedAt === undefined).map((m) => m.name)
}

function createMigrator (store: Store): Migrator {
  return new Migrator({
    db: store.db,
    provider: {
      getMigrations: async () => Object.fromEntries(MIGRATIONS.map((m) => [m.name, {
        up: (db: Kysely<any>) => m.up(db, store.dialect),
      }])),
    },
  })
}
