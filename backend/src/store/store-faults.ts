/**
 * Recognises the store failing underneath a request, from either engine: unreachable
 * (PostgreSQL restarting, a dropped connection, SQLite busy past its timeout) or out of
 * disk. Such a request stored nothing (its transaction rolled back, or never began), so
 * the client is told to try again rather than shown a bare 500.
 */
export type StoreFault = 'unavailable' | 'full'

/** Node's socket errors when PostgreSQL is down or goes away. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'])

/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception), 57P01–57P03 (the server shutting
 * down or starting up), 53300 (too many connections); 53100 is disk_full.
 */
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300'])

/** What pg throws, without a code, when the server closes a connection under a query. */
const PG_CLOSED_MESSAGES = [/^Connection terminated/, /connection error and is not queryable/, /^Client was closed and is not queryable/, /timeout exceeded when trying to connect/]

export function storeFault (error: unknown): StoreFault | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { code, message } = error as { code?: unknown, message?: unknown }
  if (typeof code === 'string') {
    if (code === 'SQLITE_FULL' || code === '53100') return 'full'
    if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_')) return 'unavailable'
    if (NETWORK_CODES.has(code) || PG_UNAVAILABLE.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return 'unavailable'
  }
  if (typeof message === 'string' && PG_CLOSED_MESSAGES.some((pattern) => pattern.test(message))) return 'unavailable'
  return undefined
}
