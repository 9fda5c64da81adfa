import type { SubmitRecipientsRequest } from '../../../apps-script/src/core/api-types.js'
import type { KeyedChunk } from './campaign-client.js'
import type { DataRow } from './rows.js'

/** The backend takes at most this many rows per request. */
export const CHUNK_ROWS = 1000

/**
 * A segment is a fixed run of CHUNK_ROWS data rows in sheet order; its chunk is the rows of
 * it that still need submitting. Fixed boundaries keep a retried chunk's contents, and so its
 * Idempotency-Key, the same after an outage, however many rows of other segments got in.
 */
export interface Segment {
  index: number
  rows: DataRow[]
}

/** Cuts rows into segments of CHUNK_ROWS by their position among the data rows. */
export function segmentsOf (rows: readonly DataRow[]): Segment[] {
  const segments: Segment[] = []
  for (let i = 0; i < rows.length; i += CHUNK_ROWS) segments.push({ index: segments.length, rows: rows.slice(i, i + CHUNK_ROWS) })
  return segments
}

/** The request body for some rows. */
export function chunkBody (rows: readonly DataRow[], resendFailed: boolean): SubmitRecipientsRequest {
  const body: SubmitRecipientsRequest = { rows: rows.map((r) => r.phoneCell === 'number' ? { rowKey: r.rowKey, phone: r.phone, phoneCell: 'number', variables: r.variables } : { rowKey: r.rowKey, phone: r.phone, variables: r.variables }) }
  if (resendFailed) body.resendFailed = true
  return body
}

/**
 * The Idempotency-Key of a chunk: the campaign and a digest of exactly what is sent. A run
 * retried after a failure sends the same rows and so the same key, and the backend answers
 * from its record instead of doing the work again; a chunk with other contents can never
 * collide with it.
 */
export function chunkKey (campaignId: string, body: SubmitRecipientsRequest, digest: (text: string) => string): string {
  return `sheets:${campaignId}:${digest(JSON.stringify(body))}`
}

/** Rows that might hold the same number: the last seven digits, enough to match however it was written. */
export function phoneKey (phone: string): string {
  const digits = phone.replace(/\D/g, '')
  return digits.length >= 7 ? digits.slice(-7) : digits
}

/**
 * Groups chunks into batches sent side by side (fetchAll), at most `parallel` at a time,
 * never putting two chunks that may share a number in the same batch: concurrent chunks
 * cannot see each other's rows, so a number in both would be answered "accepted" in one
 * and "existing" in the other, instead of "same number as row N". Order is kept.
 */
export function batchesOf (chunks: readonly KeyedChunk[], parallel: number): KeyedChunk[][] {
  const batches: KeyedChunk[][] = []
  let current: KeyedChunk[] = []
  let keys = new Set<string>()
  for (const chunk of chunks) {
    const own = new Set(chunk.body.rows.map((r) => phoneKey(r.phone)).filter((k) => k !== ''))
    const clash = [...own].some((k) => keys.has(k))
    if (current.length >= parallel || clash) {
      batches.push(current)
      current = []
      keys = new Set()
    }
    current.push(chunk)
    for (const k of own) keys.add(k)
  }
  if (current.length > 0) batches.push(current)
  return batches
}
