/** Google stops a Workspace add-on's execution after 30 seconds. */
export const ADDON_LIMIT_MS = 30_000

/**
 * A second backend call starts only if this much of the 30 seconds is left. UrlFetchApp
 * cannot be given a timeout (Google fixes it at 60 s), so the only defence against a slow
 * backend is not to start a call that could outlive the execution: past this point the
 * action answers with what it has and a Refresh button instead.
 */
export const SECOND_CALL_MIN_MS = 12_000

/** The time budget of one execution. */
export interface Deadline {
  /** Milliseconds left before Google stops the execution. */
  remaining: () => number
  /** Whether another backend call can still finish in time. */
  allowsAnotherCall: () => boolean
}

/** A deadline that started at `startedAt` on the clock `now`. */
export function createDeadline (now: () => number, startedAt = now(), limitMs = ADDON_LIMIT_MS): Deadline {
  const remaining = (): number => limitMs - (now() - startedAt)
  return { remaining, allowsAnotherCall: () => remaining() >= SECOND_CALL_MIN_MS }
}
