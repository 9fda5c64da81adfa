import type { MessageStatus } from '../store/schema.js'

/**
 * Delivery statuses only move forward: accepted < sent < delivered < read. Meta delivers
 * webhooks out of order and more than once, so a late `sent` must never undo a
 * `delivered`. `failed` ends the story, except that it cannot undo a `read` (the user
 * saw it). `unknown` (no answer to the send) is left by any webhook that names the message.
 */
const RANK: Record<MessageStatus, number> = {
  sending: 0,
  unknown: 0,
  accepted: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  failed: 5,
  received: 0,
}

/** Meta's webhook status names mapped to ours; `played` (voice) counts as read. */
export function statusFromWebhook (status: string): MessageStatus | undefined {
  switch (status) {
    case 'sent':
    case 'delivered':
    case 'read':
    case 'failed':
      return status
    case 'played':
      return 'read'
    default:
      return undefined
  }
}

/** The status after `incoming` arrives for a message currently in `current`; unchanged when it would go back. */
export function advanceStatus (current: MessageStatus, incoming: MessageStatus): MessageStatus {
  if (current === 'failed' || current === 'received') return current
  if (incoming === 'failed') return current === 'read' ? current : 'failed'
  return RANK[incoming] > RANK[current] ? incoming : current
}
