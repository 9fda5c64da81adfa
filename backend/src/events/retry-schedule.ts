/**
 * When a failed delivery is tried again. Exponential steps with jitter, as Standard
 * Webhooks recommends ("a retry schedule … with an exponential backoff … and some level of
 * random jitter"), compressed into the 24 hours a delivery is kept trying: after that it
 * is given up (and can be redelivered by hand from the delivery log).
 */

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE

/** Wait after the n-th failed attempt (the last step repeats). */
export const RETRY_DELAYS_MS: readonly number[] = [5 * SECOND, 30 * SECOND, 2 * MINUTE, 10 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 4 * HOUR, 6 * HOUR, 8 * HOUR]

/** How long after it was queued a delivery is still tried. */
export const GIVE_UP_AFTER_MS = 24 * HOUR

/** A receiver's Retry-After is honoured up to this. */
const RETRY_AFTER_CAP_MS = 6 * HOUR

export interface RetryInput {
  /** Attempts made so far, the failed one included. */
  attempts: number
  /** When the delivery was queued. */
  queuedAtMs: number
  /** When the failed attempt ended. */
  nowMs: number
  /** The receiver's Retry-After, already in milliseconds. */
  retryAfterMs?: number | undefined
  /** In [0, 1); the jitter's source. */
  random?: () => number
}

/**
 * The time of the next attempt, or `give_up`. The step is scaled by 0.8–1.2; a longer
 * Retry-After wins. An attempt that would fall after the 24 hours is moved to their end,
 * so a delivery always gets a last try at the deadline; a failure at or past it gives up.
 */
export function nextAttempt (input: RetryInput): { at: number } | 'give_up' {
  const deadline = input.queuedAtMs + GIVE_UP_AFTER_MS
  if (input.nowMs >= deadline) return 'give_up'
  const step = RETRY_DELAYS_MS[Math.min(Math.max(input.attempts, 1), RETRY_DELAYS_MS.length) - 1]!
  const jittered = step * (0.8 + 0.4 * (input.random ?? Math.random)())
  const wait = Math.max(jittered, Math.min(input.retryAfterMs ?? 0, RETRY_AFTER_CAP_MS))
  return { at: Math.min(Math.round(input.nowMs + wait), deadline) }
}

/** A Retry-After header (seconds, or an HTTP date) in milliseconds from `nowMs`; undefined when absent or unreadable. */
export function retryAfterMs (header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined
  const trimmed = header.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * SECOND
  const at = Date.parse(trimmed)
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs)
}
