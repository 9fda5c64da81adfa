import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../store/schema.js'

/**
 * Encrypts credentials at rest (WhatsApp business tokens) with AES-256-GCM.
 *
 * Each ciphertext is bound to where it lives by authenticated data (table, column,
 * row id, workspace): a value copied into another row or workspace fails to decrypt
 * instead of quietly working. The envelope names its key id, so keys can be rotated
 * by adding a new key and re-encrypting lazily.
 *
 * Envelope: `v1:<kid>:<iv b64url>:<ciphertext b64url>:<tag b64url>`.
 */
export interface SecretBox {
  keyId: string
  seal: (plaintext: string, binding: SecretBinding) => string
  open: (envelope: string, binding: SecretBinding) => string
}

/** Where a secret is stored; it becomes the AEAD's additional data. */
export interface SecretBinding {
  table: string
  column: string
  rowId: string
  workspaceId: string
}

export const KEY_FILE_NAME = 'secret.key'

function aad (binding: SecretBinding): Buffer {
  return Buffer.from(`${binding.workspaceId}|${binding.table}|${binding.column}|${binding.rowId}`, 'utf8')
}

/** A short, stable id for a key that reveals nothing about it. */
function keyIdOf (key: Buffer): string {
  return createHash('sha256').update('switchboard key id').update(key).digest('base64url').slice(0, 8)
}

/** Builds a box over one or more 32-byte keys; the first seals, any opens. */
export function createSecretBox (keys: readonly Buffer[]): SecretBox {
  const first = keys[0]
  if (first === undefined) throw new Error('at least one key is needed')
  for (const key of keys) if (key.length !== 32) throw new Error('keys must be 32 bytes')
  const byId = new Map(keys.map((key) => [keyIdOf(key), key]))
  const keyId = keyIdOf(first)
  return {
    keyId,
    seal (plaintext, binding) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', first, iv)
      cipher.setAAD(aad(binding))
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return ['v1', keyId, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join(':')
    },
    open (envelope, binding) {
      const [version, kid, iv, ciphertext, tag] = envelope.split(':')
      if (version !== 'v1' || kid === undefined || iv === undefined || ciphertext === undefined || tag === undefined) {
        throw new Error('not a sealed secret')
      }
      const key = byId.get(kid)
      if (key === undefined) throw new Error(`no key with id ${kid}`)
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
      decipher.setAAD(aad(binding))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8')
    },
  }
}

/**
 * The keys to use: `SWITCHBOARD_SECRET_KEY` (base64 of 32 bytes; older keys after it,
 * comma-separated, still open old envelopes), or for the embedded default a key
 * generated once into the data folder, readable by the owner only.
 */
export function loadSecretKeys (configured: string | undefined, dataDir: string): Buffer[] {
  if (configured !== undefined) return configured.split(',').map((k) => Buffer.from(k.trim(), 'base64'))
  const file = path.join(dataDir, KEY_FILE_NAME)
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true })
    // 'wx' fails if another process created it first; then we read theirs.
    try {
      fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
  // One key per line, the sealing key first: `keys rotate` puts a new key on top while it re-wraps.
  return fs.readFileSync(file, 'utf8').split('\n').map((k) => k.trim()).filter((k) => k !== '').map((k) => Buffer.from(k, 'base64'))
}

/** Every sealed column in the store: the secrets `keys rotate` re-wraps and the plaintext scan looks for. Each row has `id` and `workspace_id`. */
export const SEALED_COLUMNS = [
  { table: 'whatsapp_connections', column: 'access_token' },
  { table: 'webhook_endpoints', column: 'secret' },
  { table: 'webhook_endpoints', column: 'previous_secret' },
] as const

/**
 * Re-encrypts every sealed secret under the box's sealing key (its first), so older keys
 * can be retired. Each value is opened and sealed again with the same binding; values
 * already under the sealing key are left alone, so a rerun after a crash is harmless.
 */
export async function rewrapSecrets (db: Kysely<Database>, box: SecretBox): Promise<{ total: number, rewrapped: number }> {
  let total = 0
  let rewrapped = 0
  for (const { table, column } of SEALED_COLUMNS) {
    // Table and column names come from the list above, never from input.
    const rows = await db.selectFrom(table as 'whatsapp_connections').select(['id', 'workspace_id', sql.ref<string | null>(column).as('sealed')])
      .where(sql.ref(column), 'is not', null).execute()
    total += rows.length
    for (const row of rows) {
      const sealed = row.sealed!
      if (sealed.split(':')[1] === box.keyId) continue
      const binding = { table, column, rowId: row.id, workspaceId: row.workspace_id }
      const resealed = box.seal(box.open(sealed, binding), binding)
      // Only if nobody changed it meanwhile (a reconnect or a rotation seals a new secret itself).
      const result = await db.updateTable(table as 'whatsapp_connections').set({ [column]: resealed } as never)
        .where('id', '=', row.id).where(sql.ref(column), '=', sealed).executeTakeFirst()
      rewrapped += Number(result.numUpdatedRows)
    }
  }
  return { total, rewrapped }
}

/**
 * Rotation for the embedded key file: a new key goes on top (so both open), secrets are
 * re-wrapped under it, then the old keys are dropped. Returns the new key's id.
 */
export async function rotateKeyFile (db: Kysely<Database>, dataDir: string): Promise<{ keyId: string, total: number, rewrapped: number }> {
  const file = path.join(dataDir, KEY_FILE_NAME)
  const old = loadSecretKeys(undefined, dataDir)
  const fresh = randomBytes(32)
  const write = (keys: Buffer[]): void => {
    const tmp = `${file}.tmp`
    fs.writeFileSync(tmp, keys.map((k) => k.toString('base64')).join('\n') + '\n', { mode: 0o600 })
    fs.renameSync(tmp, file)
  }
  write([fresh, ...old])
  const box = createSecretBox([fresh, ...old])
  const result = await rewrapSecrets(db, box)
  write([fresh])
  return { keyId: box.keyId, ...result }
}
