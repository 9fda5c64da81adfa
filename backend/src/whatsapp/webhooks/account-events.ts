import type { Transaction } from 'kysely'
import type { Database } from '../../store/schema.js'
import { nowIso, type WorkspaceId } from '../../ids.js'
import type { AccountItem, NumberLimitItem } from './account-envelope.js'

/** Throughput of a number Meta upgraded (`THROUGHPUT_UPGRADE`): "up to 1,000 messages per second" (throughput page). */
const HIGH_THROUGHPUT = 1000

/** Prefix of the pause reason an account stop writes, so its lifting resumes only what it paused. */
const ACCOUNT_STOP_PREFIX = 'WhatsApp account'

/**
 * Keeps a number's messaging limit and throughput current from `phone_number_quality_update`
 * (until now read only at signup or a manual refresh). False when no number of the
 * workspace has that display number.
 */
export async function applyNumberLimit (trx: Transaction<Database>, ws: WorkspaceId, item: NumberLimitItem): Promise<boolean> {
  const numbers = await trx.selectFrom('whatsapp_numbers').select(['id', 'display_phone_number']).where('workspace_id', '=', ws).execute()
  const number = numbers.find((n) => n.display_phone_number.replace(/\D/g, '') === item.displayDigits)
  if (number === undefined) return false
  const set: { messaging_limit_tier?: string, throughput_per_second?: number, throughput_level?: string, updated_at: string } = { updated_at: nowIso() }
  if (item.tier !== null) set.messaging_limit_tier = item.tier
  if (item.throughputUpgrade) {
    set.throughput_per_second = HIGH_THROUGHPUT
    set.throughput_level = 'HIGH'
  }
  await trx.updateTable('whatsapp_numbers').set(set).where('workspace_id', '=', ws).where('id', '=', number.id).execute()
  return true
}

/**
 * `account_update`: a ban, a scheduled ban, a restriction or partner removal pauses every
 * number of the workspace and every running or scheduled campaign, with the reason; a
 * reinstatement resumes the numbers that an account stop paused (campaigns stay paused for
 * a person to resume: they were stopped for a reason worth reading).
 */
export async function applyAccountUpdate (trx: Transaction<Database>, ws: WorkspaceId, item: AccountItem): Promise<void> {
  const now = nowIso()
  if (item.effect === 'stop') {
    await trx.updateTable('whatsapp_numbers').set({ status: 'paused', paused_reason: item.reason, paused_at: now, updated_at: now })
      .where('workspace_id', '=', ws).execute()
    await trx.updateTable('campaigns').set({ state: 'paused', state_reason: item.reason, updated_at: now })
      .where('workspace_id', '=', ws).where('state', 'in', ['running', 'scheduled']).execute()
  } else if (item.effect === 'resume') {
    await trx.updateTable('whatsapp_numbers').set({ status: 'active', paused_reason: null, paused_at: null, updated_at: now })
      .where('workspace_id', '=', ws).where('status', '=', 'paused').where('paused_reason', 'like', `${ACCOUNT_STOP_PREFIX}%`).execute()
  }
}
