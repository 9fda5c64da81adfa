import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely'
import { SwitchboardError } from '../errors.js'

/** Page size when the client sends none; the schemas cap it at 200. */
export const DEFAULT_PAGE_SIZE = 50

const ID = /^[a-z]{2,3}_[0-9a-z]{26}$/
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/

/**
 * The opaque cursor for a page that ends at `key` (a record id, or `occurredAt id` for
 * timelines). Opaque so clients cannot build one and so the ordering can change later.
 */
export function encodeCursor (key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url')
}

function decode (cursor: string): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8')
  // Node decodes garbage leniently; only a cursor we could have issued round-trips.
  if (encodeCursor(key) !== cursor) throw new SwitchboardError('SB_CURSOR_INVALID', 'cursor')
  return key
}

/** The id a page-by-id cursor points after; `SB_CURSOR_INVALID` for anything we did not issue. */
export function decodeIdCursor (cursor: string): string {
  const id = decode(cursor)
  if (!ID.test(id)) throw new SwitchboardError('SB_CURSOR_INVALID', 'cursor')
  return id
}

/** The (time, id) position a timeline cursor points after. */
export function decodeTimeCursor (cursor: string): { at: string, id: string } {
  const [at, id, ...rest] = decode(cursor).split(' ')
  if (at === undefined || id === undefined || rest.length > 0 || !TIMESTAMP.test(at) || !ID.test(id)) {
    throw new SwitchboardError('SB_CURSOR_INVALID', 'cursor')
  }
  return { at, id }
}

/** The cursor of a timeline page ending at this row. */
export function encodeTimeCursor (at: string, id: string): string {
  return encodeCursor(`${at} ${id}`)
}

/**
 * Cuts the `limit + 1` rows a list query fetched into a page and the cursor of the next
 * one (null on the last page): the extra row only tells whether more exist.
 */
export function toPage<T> (rows: readonly T[], limit: number, cursorOf: (last: T) => string): { items: T[], nextCursor: string | null } {
  if (rows.length <= limit) return { items: [...rows], nextCursor: null }
  const items = rows.slice(0, limit)
  return { items, nextCursor: cursorOf(items[items.length - 1] as T) }
}

/** Escapes LIKE's wildcards and the escape character itself, so user input only ever matches literally. */
export function escapeLike (text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}

/** `column LIKE '%text%'`, with `text` matched literally. Callers pass lower-cased keys on both sides. */
export function likeContains (column: Expression<unknown>, text: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`${column} like ${`%${escapeLike(text)}%`} escape '\\'`
}

/** `column LIKE 'text%'`, with `text` matched literally. */
export function likeStartsWith (column: Expression<unknown>, text: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`${column} like ${`${escapeLike(text)}%`} escape '\\'`
}
