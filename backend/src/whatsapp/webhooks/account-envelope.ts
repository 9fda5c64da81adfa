/**
 * The account-level webhook fields: `phone_number_quality_update` (messaging limit and
 * throughput of one number) and `account_update` (bans, restrictions, partner removal of the
 * WABA). Pure, like `envelope.ts`, which calls it for these two fields.
 */

type Json = Record<string, unknown>

/**
 * A number's messaging limit or throughput changed. Meta names the number by its display
 * phone number, not its id (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/phone_number_quality_update/).
 */
export interface NumberLimitItem {
  kind: 'number_limit'
  wabaId: string
  /** Digits of `display_phone_number`. */
  displayDigits: string
  event: string
  /** The tier in the TIER_* spelling, from `max_daily_conversations_per_business` or else `current_limit`; null when neither says. */
  tier: string | null
  /** `THROUGHPUT_UPGRADE`: the number now runs at the higher throughput level. */
  throughputUpgrade: boolean
}

/** Something happened to the WABA: a ban, a restriction, partner removal, or their lifting. */
export interface AccountItem {
  kind: 'account'
  wabaId: string
  event: string
  /** `stop`: nothing may be sent (campaigns pause with the reason); `resume`: a ban or restriction was lifted; `info`: nothing to do. */
  effect: 'stop' | 'resume' | 'info'
  /** What people read, from constant text and Meta's enum values only. */
  reason: string
}

const TIERS_BY_COUNT: Record<string, string> = { 50: 'TIER_50', 250: 'TIER_250', 1000: 'TIER_1K', 2000: 'TIER_2K', 10000: 'TIER_10K', 100000: 'TIER_100K', '-1': 'TIER_UNLIMITED' }

/**
 * Meta: `current_limit` "will be removed in February, 2026. Use
 * `max_daily_conversations_per_business` instead" (same page). Both are read, the newer first;
 * the count (250, 2000, …, -1 for unlimited) becomes our TIER_* spelling.
 */
export function tierOf (value: Json): string | null {
  const max = value['max_daily_conversations_per_business']
  const count = typeof max === 'number' ? String(max) : typeof max === 'string' ? max.trim() : undefined
  if (count !== undefined) {
    if (TIERS_BY_COUNT[count] !== undefined) return TIERS_BY_COUNT[count]!
    if (/^TIER_[0-9A-Z_]{1,20}$/.test(count)) return count
  }
  const current = value['current_limit']
  if (typeof current === 'string' && /^TIER_[0-9A-Z_]{1,20}$/.test(current)) return current
  return null
}

export function readNumberLimit (value: Json, wabaId: string): NumberLimitItem | string {
  const display = value['display_phone_number']
  const digits = typeof display === 'string' ? display.replace(/\D/g, '') : ''
  if (!/^\d{6,15}$/.test(digits)) return 'display_phone_number'
  const event = typeof value['event'] === 'string' && /^[A-Z_]{1,40}$/.test(value['event']) ? value['event'] : 'UNKNOWN'
  return { kind: 'number_limit', wabaId, displayDigits: digits, event, tier: tierOf(value), throughputUpgrade: event === 'THROUGHPUT_UPGRADE' }
}

/** `account_update` events that stop sending, and the ones that lift a stop. */
const STOPPING = new Set(['DISABLED_UPDATE', 'ACCOUNT_RESTRICTION', 'PARTNER_REMOVED', 'ACCOUNT_OFFBOARDED'])
const RESUMING = new Set(['ACCOUNT_RECONNECTED'])

export function readAccountUpdate (value: Json, wabaId: string): AccountItem | string {
  const event = typeof value['event'] === 'string' && /^[A-Z_]{1,40}$/.test(value['event']) ? value['event'] : undefined
  if (event === undefined) return 'event'
  const ban = typeof value['ban_info'] === 'object' && value['ban_info'] !== null ? (value['ban_info'] as Json)['waba_ban_state'] : undefined
  const banState = typeof ban === 'string' && /^[A-Z_]{1,40}$/.test(ban) ? ban : undefined
  if (banState === 'DISABLE') return { kind: 'account', wabaId, event, effect: 'stop', reason: 'WhatsApp account banned by Meta (account_update DISABLE)' }
  if (banState === 'REINSTATE') return { kind: 'account', wabaId, event, effect: 'resume', reason: 'WhatsApp account reinstated by Meta' }
  if (banState === 'SCHEDULE_FOR_DISABLE') return { kind: 'account', wabaId, event, effect: 'stop', reason: 'WhatsApp account scheduled for a ban by Meta (account_update SCHEDULE_FOR_DISABLE)' }
  if (STOPPING.has(event)) return { kind: 'account', wabaId, event, effect: 'stop', reason: `WhatsApp account stopped by Meta (account_update ${event})` }
  if (RESUMING.has(event)) return { kind: 'account', wabaId, event, effect: 'resume', reason: `WhatsApp account resumed by Meta (account_update ${event})` }
  return { kind: 'account', wabaId, event, effect: 'info', reason: `account_update ${event}` }
}
