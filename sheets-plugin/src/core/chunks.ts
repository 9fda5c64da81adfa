import type { SubmitRecipientsRequest } from '../../../apps-script/src/core/api-types.js'
import type { KeyedChunk } from './campaign-client.js'
import type { DataRow } from './rows.js'

/** The backend takes at most this many rows per request. */
export const CHUNK_ROWS = 1000

/**
 * A segment is a fixed range of row ids (the hidden, durable row identity), holding about
 * CHUNK_ROWS rows when the submission starts; its chunk is the rows of it that still need
 * submitting. Ranges of ids, not positions: a sort or deleted rows between slices move rows
 * in the sheet but never from one segment to another, so no row lands in a segment already
 * done and none is sent twice; and a retried chunk keeps its contents, and so its
 * Idempotency-Key, after an outage.
 */
export interface Segment {
  index: number
  rows: DataRow[]
}

/** The first row id of each segment: every CHUNK_ROWS-th id in sorted order. */
export function segmentBoundaries (rows: readonly DataRow[]): string[] {
  const keys = rows.map((r) => r.rowKey).sort()
  return keys.filter((_, i) => i % CHUNK_ROWS === 0)
}

/** Puts rows into the segments `boundaries` define (computed from `rows` when not given), sheet order kept within each. */
export function segmentsOf (rows: readonly DataRow[], boundaries: readonly string[] = segmentBoundaries(rows)): Segment[] {
  const segments: Segment[] = boundaries.map((_, index) => ({ index, rows: [] }))
  if (segments.length === 0) return segments
  for (const row of rows) {
    // The last boundary at or below the id; ids below the first belong to the first segment.
    let low = 0
    let high = boundaries.length - 1
    while (low < high) {
      const mid = Math.ceil((low + high) / 2)
      if (boundaries[mid]! <= row.rowKey) low = mid
      else high = mid - 1
    }
    segments[low]!.rows.push(row)
  }
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
