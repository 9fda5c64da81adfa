import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { migrateToLatest, openStore, SQLITE_FILE_NAME } from './database.js'

function tempDir (): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-perm-'))
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

const modeOf = (file: string): number => fs.statSync(file).mode & 0o777

describe('the SQLite file is readable by the service alone', () => {
  it('creates the database, its WAL and shared-memory files 0600 whatever the umask', async () => {
    const dir = tempDir()
    const previous = process.umask(0o022)
    try {
      const store = openStore({ dataDir: dir })
      await migrateToLatest(store)
      const file = path.join(dir, SQLITE_FILE_NAME)
      expect(modeOf(file).toString(8)).toBe('600')
      for (const extra of [`${file}-wal`, `${file}-shm`]) if (fs.existsSync(extra)) expect(modeOf(extra).toString(8), extra).toBe('600')
      await store.close()
    } finally {
      process.umask(previous)
    }
  })

  it('tightens a database file an older version created 0644', async () => {
    const dir = tempDir()
    const file = path.join(dir, SQLITE_FILE_NAME)
    fs.writeFileSync(file, '', { mode: 0o644 })
    fs.chmodSync(file, 0o644)
    const store = openStore({ dataDir: dir })
    expect(modeOf(file).toString(8)).toBe('600')
    await store.close()
  })
})
