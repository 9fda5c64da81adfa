import type { AuthContext } from './access.js'

/**
 * How long a resolved API token is trusted without asking the store again. Every add-on
 * request authenticates, and skipping the store read is what keeps the hot paths near
 * the speed of a bare route. Revocation, deactivation and role changes clear the cache
 * of the process that made them at once; other processes see them within this time.
 */
export const TOKEN_CACHE_TTL_MS = 2_000
const MAX_ENTRIES = 10_000

interface Entry {
  context: AuthContext
  lastUsedAt: string | null
  expiresAt: number
}

/** Resolved tokens, short-lived and bounded. Unknown tokens are never cached. */
export function createTokenCache (ttlMs = TOKEN_CACHE_TTL_MS) {
  const entries = new Map<string, Entry>()
  return {
    get (token: string, now: number): Entry | undefined {
      const entry = entries.get(token)
      if (entry === undefined) return undefined
      if (entry.expiresAt <= now) {
        entries.delete(token)
        return undefined
      }
      return entry
    },
    set (token: string, context: AuthContext, lastUsedAt: string | null, now: number): void {
      // Map keeps insertion order: the first key is the oldest entry.
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string)
      entries.set(token, { context, lastUsedAt, expiresAt: now + ttlMs })
    },
    clear (): void {
      entries.clear()
    },
  }
}
