import type { RecipientStatus } from '../store/schema.js'

/**
 * A recipient's status only moves forward: pending → sending → sent → delivered → read.
 * `unknown` (the send got no answer) sits beside `sending` and is left by the first
 * webhook that names the message, so it is reconciled, never resent. `failed` and
 * `cancelled` end the story, except that nothing undoes a `read`.
 */
const RANK: Record<RecipientStatus, number> = {
  pending: 0,
  sending: 1,
  unknown: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  failed: 5,
  cancelled: 5,
}

/** The status after `incoming` arrives for a recipient in `current`; unchanged when it would go back. */
export function advanceRecipient (current: RecipientStatus, incoming: RecipientStatus): RecipientStatus {
  if (current === 'failed' || current === 'cancelled') return current
  if (incoming === 'failed') return current === 'read' ? current : 'failed'
  if (incoming === 'cancelled') return current === 'pending' ? 'cancelled' : current
  return RANK[incoming] > RANK[current] ? incoming : current
}

/** Statuses in which nothing more will happen to the recipient (for completion). */
export const SETTLED: ReadonlySet<RecipientStatus> = new Set(['sent', 'delivered', 'read', 'failed', 'unknown', 'cancelled'])

/** The campaign counter column for each status. */
export const COUNTER: Record<RecipientStatus, `count_${RecipientStatus}`> = {
  pending: 'count_pending',
  sending: 'count_sending',
  sent: 'count_sent',
  delivered: 'count_delivered',
  read: 'count_read',
  failed: 'count_failed',
  unknown: 'count_unknown',
  cancelled: 'count_cancelled',
}
