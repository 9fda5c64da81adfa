import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { afterAll, describe, expect, it, onTestFinished } from 'vitest'
import { buildApp } from '../app.js'
import { loadConfig } from '../config.js'
import { bearer, createWorkspace } from '../../test/helper.js'
import { migrateToLatest, openStore, SQLITE_FILE_NAME } from './database.js'

/**
 * SQLite on a disk that fills up: a small tmpfs of its own (mounting needs root, which CI
 * has), filled to the last byte by a file beside the database. Writes must fail cleanly,
 * the database must stay intact, and writing must work again once the space is back.
 */

function mountSmallDisk (megabytes: number): string | undefined {
  if (process.getuid?.() !== 0) return undefined
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-small-disk-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir], { stdio: 'ignore' })
    return dir
  } catch {
    fs.rmdirSync(dir)
    return undefined
  }
}

/** Writes until the disk refuses; returns the filler's path. */
function fillDisk (dir: string): string {
  const filler = path.join(dir, 'filler')
  const fd = fs.openSync(filler, 'w')
  const chunk = Buffer.alloc(64 * 1024, 1)
  try {
    for (;;) fs.writeSync(fd, chunk)
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC')
  }
  // The last, partial chunk too: not a byte left.
  try {
    for (;;) fs.writeSync(fd, chunk.subarray(0, 512))
  } catch {}
  fs.closeSync(fd)
  return filler
}

const disk = mountSmallDisk(8)
afterAll(() => {
  if (disk === undefined) return
  execFileSync('umount', ['-l', disk])
  fs.rmdirSync(disk)
})

describe('SQLite on a full disk', () => {
  it.skipIf(disk === undefined)('refuses writes with 507 SB_STORE_FULL, keeps every stored record intact, and writes again once space returns', async () => {
    const config = loadConfig({ DATA_DIR: disk!, LOG_LEVEL: 'silent' })
    let store = openStore(config)
    await migrateToLatest(store)
    let app = await buildApp({ config, store, logger: false })
    onTestFinished(async () => { await app.close(); await store.close() })
    const ws = await createWorkspace({ app, store, config, dir: disk!, sandbox: undefined })
    const create = (i: number) => app.inject({ method: 'POST', url: '/api/v1/contacts', headers: bearer(ws.token), payload: { name: `Contact ${i} ${'x'.repeat(150)}`, emails: [`c${i}@example.com`], tags: ['disk', `batch-${i % 50}`] } })
    const count = async (): Promise<number> => {
      const row = await store.db.selectFrom('contacts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      return Number(row.n)
    }

    const filler = fillDisk(disk!)
    let stored = 0
    let refused: { statusCode: number, headers: Record<string, unknown>, json: () => any } | undefined
    for (let i = 0; i < 20_000 && refused === undefined; i += 1) {
      const r = await create(i)
      if (r.statusCode === 201) stored += 1
      else refused = r
    }
    expect(refused, 'no write was refused').toBeDefined()
    expect(refused!.statusCode, JSON.stringify(refused!.json())).toBe(507)
    expect(refused!.json()).toEqual({ code: 'SB_STORE_FULL', message: expect.stringMatching(/disk is full; nothing was stored/) })
    expect(refused!.headers['retry-after']).toBe('60')
    // Nothing half-written: every 201 is a contact, the refused one is not.
    expect(await count()).toBe(stored)
    // Reads still work while the disk is full.
    const listed = await app.inject({ method: 'GET', url: '/api/v1/contacts?limit=5', headers: bearer(ws.token) })
    expect(listed.statusCode).toBe(200)
    // Refused again while nothing has changed.
    expect((await create(99_999)).statusCode).toBe(507)
    expect(await count()).toBe(stored)

    // Space returns: writes work again, in the same process.
    fs.rmSync(filler)
    const after = await create(100_000)
    expect(after.statusCode, after.body).toBe(201)
    expect(await count()).toBe(stored + 1)

    // The file itself is sound, also when opened afresh.
    await app.close()
    await store.close()
    store = openStore(config)
    app = await buildApp({ config, store, logger: false })
    const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(store.db)
    expect(check.rows).toEqual([{ integrity_check: 'ok' }])
    expect(await count()).toBe(stored + 1)
    expect(fs.existsSync(path.join(disk!, SQLITE_FILE_NAME))).toBe(true)
  }, 120_000)
})
