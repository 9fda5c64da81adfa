import { randomFillSync } from 'node:crypto'
import { monotonicFactory } from 'ulidx'

// ulidx draws each random character from its own crypto call by default; drawing from a
// pool refilled 4 KiB at a time makes ids several times cheaper on the hot paths.
const pool = new Uint8Array(4096)
let poolAt = pool.length
function prng (): number {
  if (poolAt >= pool.length) {
    randomFillSync(pool)
    poolAt = 0
  }
  // In [0, 1): byte / 256 maps every byte to exactly one of the 32 ULID characters, evenly.
  return pool[poolAt++]! / 256
}

// Monotonic: ids made in the same millisecond still sort in the order they were made, so
// "newest first" by (created_at, id) is exact for rows written back to back.
const ulid = monotonicFactory(prng)

export { asWorkspaceId, type WorkspaceId } from './workspace-id.js'

const PREFIXES = {
  workspace: 'ws',
  user: 'usr',
  token: 'tok',
  audit: 'aud',
  company: 'co',
  contact: 'ct',
  pipeline: 'pl',
  stage: 'st',
  deal: 'dl',
  activity: 'act',
  connection: 'wac',
  message: 'msg',
  campaign: 'cmp',
  recipient: 'rcp',
  consent: 'cns',
  export: 'exp',
  deletion: 'del',
  staff: 'stf',
  // Outbound webhooks.
  webhookEndpoint: 'whe',
  event: 'evt',
  webhookDelivery: 'whd',
} as const

/**
 * New ids are ULIDs behind a type prefix: sortable by creation time (so cursor
 * pagination can page by id) and readable in logs (`ct_…` is a contact).
 */
export function newId (kind: keyof typeof PREFIXES): string {
  return `${PREFIXES[kind]}_${ulid().toLowerCase()}`
}

/** Current time as the ISO-8601 UTC string stored in every timestamp column. */
export function nowIso (): string {
  return new Date().toISOString()
}
