import type { ExpressionBuilder, Kysely } from 'kysely'
import type { Database } from '../store/schema.js'
import { asWorkspaceId, type WorkspaceId } from '../ids.js'
import { SwitchboardError } from '../errors.js'
import type { AuditLog } from './audit-log.js'
import type { ExclusiveRunner } from '../store/exclusive-job.js'
import { RETENTION_KEYS, RETENTION_POLICIES, WORKSPACE_RETENTION_KEYS, type RetentionKey } from './retention-policies.js'

export type RetentionPeriods = Record<RetentionKey, number>

/** What one sweep removed, by retention key: counts only. */
export type SweepReport = Partial<Record<RetentionKey, number>>

const DAY_MS = 86_400_000

export interface RetentionDeps {
  db: Kysely<Database>
  audit: AuditLog
  /** The clock; tests move it instead of waiting days. */
  now?: () => Date
}

/**
 * Retention: per-category periods (defaults in retention-policies.ts, changeable per
 * workspace within bounds) and the sweeper that applies them. Content columns are
 * emptied while the row stays (a message still shows who, when and its status), whole
 * rows go where nothing else needs them, and old audit events go behind an anchor so the
 * chain still verifies.
 */
export function createRetention ({ db, audit, now = () => new Date() }: RetentionDeps) {
  function cutoff (days: number): string {
    return new Date(now().getTime() - days * DAY_MS).toISOString()
  }

  async function periods (ws: WorkspaceId): Promise<RetentionPeriods> {
    const rows = await db.selectFrom('privacy_settings').select(['key', 'days']).where('workspace_id', '=', ws).execute()
    const out = Object.fromEntries(RETENTION_KEYS.map((k) => [k, RETENTION_POLICIES[k].defaultDays])) as RetentionPeriods
    for (const r of rows) if ((WORKSPACE_RETENTION_KEYS as string[]).includes(r.key)) out[r.key as RetentionKey] = r.days
    return out
  }

  async function sweepWorkspace (ws: WorkspaceId): Promise<SweepReport> {
    const p = await periods(ws)
    const report: SweepReport = {}
    const add = (key: RetentionKey, n: bigint | number | undefined): void => {
      const count = Number(n ?? 0)
      if (count > 0) report[key] = (report[key] ?? 0) + count
    }

    const bodies = cutoff(p.whatsapp_message_bodies)
    const marker = `[deleted after ${p.whatsapp_message_bodies} days]`
    add('whatsapp_message_bodies', (await db.updateTable('wa_messages').set({ body: marker })
      .where('workspace_id', '=', ws).where('created_at', '<', bodies).where('body', 'is not', null).where('body', 'not like', '[deleted after %')
      .executeTakeFirst()).numUpdatedRows)
    // Rows still waiting to go out keep their values: a campaign paused or scheduled for
    // longer than the period must still send what the user submitted.
    add('whatsapp_message_bodies', (await db.updateTable('campaign_recipients').set({ variables: '{}', reply_text: null })
      .where('workspace_id', '=', ws).where('created_at', '<', bodies).where('status', 'not in', ['pending', 'sending'])
      .where((eb) => eb.or([eb('variables', '<>', '{}'), eb('reply_text', 'is not', null)]))
      .executeTakeFirst()).numUpdatedRows)

    add('logged_email_bodies', (await db.updateTable('activities').set({ body: null })
      .where('workspace_id', '=', ws).where('type', '=', 'email').where('created_at', '<', cutoff(p.logged_email_bodies)).where('body', 'is not', null)
      .executeTakeFirst()).numUpdatedRows)
    // Uploaded attachment files are email content like the bodies, and go with them.
    add('logged_email_bodies', (await db.deleteFrom('email_attachments')
      .where('workspace_id', '=', ws).where('created_at', '<', cutoff(p.logged_email_bodies))
      .executeTakeFirst()).numDeletedRows)

    const logins = cutoff(p.login_activity)
    add('login_activity', (await db.deleteFrom('sessions').where('workspace_id', '=', ws).where('expires_at', '<', logins).executeTakeFirst()).numDeletedRows)
    add('login_activity', (await db.deleteFrom('api_tokens').where('workspace_id', '=', ws).where('revoked_at', '<', logins).executeTakeFirst()).numDeletedRows)
    add('login_activity', (await db.deleteFrom('addin_auth_codes').where('workspace_id', '=', ws).where('expires_at', '<', logins).executeTakeFirst()).numDeletedRows)
    add('login_activity', (await db.deleteFrom('addin_token_families').where('workspace_id', '=', ws)
      .where((eb) => eb.or([eb('expires_at', '<', logins), eb('revoked_at', '<', logins)])).executeTakeFirst()).numDeletedRows)
    add('login_activity', (await db.deleteFrom('addin_sign_ins').where('workspace_id', '=', ws)
      .where((eb) => eb.or([eb('expires_at', '<', logins), eb('revoked_at', '<', logins)])).executeTakeFirst()).numDeletedRows)

    add('support_consents', (await db.deleteFrom('support_consents').where('workspace_id', '=', ws)
      .where((eb) => eb.or([eb('expires_at', '<', cutoff(p.support_consents)), eb('revoked_at', '<', cutoff(p.support_consents))])).executeTakeFirst()).numDeletedRows)

    // A build cut short by a restart never finishes: after an hour it is reported failed, so the user asks again.
    await db.updateTable('privacy_exports').set({ status: 'failed', error: 'interrupted' }).where('workspace_id', '=', ws)
      .where('status', 'in', ['queued', 'building']).where('created_at', '<', new Date(now().getTime() - 3_600_000).toISOString()).execute()
    const expiredExports = await db.selectFrom('privacy_exports').select('id').where('workspace_id', '=', ws).where('status', '=', 'ready').where('expires_at', '<', now().toISOString()).execute()
    if (expiredExports.length > 0) {
      const ids = expiredExports.map((e) => e.id)
      await db.deleteFrom('privacy_export_files').where('export_id', 'in', ids).execute()
      await db.updateTable('privacy_exports').set({ status: 'expired' }).where('id', 'in', ids).execute()
      add('export_archives', ids.length)
    }

    // Outbound webhook events go with their deliveries and attempts once none is waiting to be
    // sent; inbound message texts in them follow the message bodies' period when it is shorter.
    const settled = (eb: ExpressionBuilder<Database, 'webhook_events'>) => eb.not(eb.exists(eb.selectFrom('webhook_deliveries as d').select('d.seq')
      .whereRef('d.event_id', '=', 'webhook_events.id').where('d.status', 'in', ['pending', 'delivering'])))
    add('outbound_webhooks', (await db.deleteFrom('webhook_events').where('workspace_id', '=', ws)
      .where('created_at', '<', cutoff(p.outbound_webhooks)).where(settled).executeTakeFirst()).numDeletedRows)
    add('whatsapp_message_bodies', (await db.deleteFrom('webhook_events').where('workspace_id', '=', ws).where('type', '=', 'message.received')
      .where('created_at', '<', bodies).where(settled).executeTakeFirst()).numDeletedRows)

    add('audit_log', await pruneAudit(ws, cutoff(p.audit_log)))
    return report
  }

  /**
   * Moves the workspace's audit anchor to its newest event older than the cutoff, then
   * deletes the events up to it (the trigger allows exactly those). Verification starts
   * from the anchor's hash, so what is left still proves it was not altered.
   */
  async function pruneAudit (ws: WorkspaceId, before: string): Promise<number> {
    return db.transaction().execute(async (trx) => {
      const last = await trx.selectFrom('audit_events').select(['seq', 'hash']).where('workspace_id', '=', ws).where('created_at', '<', before)
        .orderBy('seq', 'desc').limit(1).executeTakeFirst()
      if (last === undefined) return 0
      const anchor = await trx.selectFrom('audit_anchors').select('seq').where('workspace_id', '=', ws).executeTakeFirst()
      if (anchor !== undefined && anchor.seq >= last.seq) return 0
      const updatedAt = now().toISOString()
      if (anchor === undefined) await trx.insertInto('audit_anchors').values({ workspace_id: ws, seq: last.seq, hash: last.hash, updated_at: updatedAt }).execute()
      else await trx.updateTable('audit_anchors').set({ seq: last.seq, hash: last.hash, updated_at: updatedAt }).where('workspace_id', '=', ws).execute()
      const deleted = await trx.deleteFrom('audit_events').where('workspace_id', '=', ws).where('seq', '<=', last.seq).executeTakeFirst()
      return Number(deleted.numDeletedRows)
    })
  }

  /** The periods shared by all workspaces (operational data that belongs to none). */
  async function sweepGlobal (): Promise<SweepReport> {
    const report: SweepReport = {}
    const days = (k: RetentionKey): string => cutoff(RETENTION_POLICIES[k].defaultDays)
    const set = (key: RetentionKey, n: bigint): void => { if (n > 0n) report[key] = Number(n) }
    set('webhook_inbox', (await db.deleteFrom('webhook_inbox').where('processed_at', 'is not', null).where('received_at', '<', days('webhook_inbox')).executeTakeFirst()).numDeletedRows)
    set('delivery_events', (await db.deleteFrom('wa_status_events').where('received_at', '<', days('delivery_events')).executeTakeFirst()).numDeletedRows)
    set('idempotency_keys', (await db.deleteFrom('idempotency_keys').where('created_at', '<', days('idempotency_keys')).executeTakeFirst()).numDeletedRows)
    set('deletion_receipts', (await db.deleteFrom('deletion_requests').where('requested_at', '<', days('deletion_receipts')).executeTakeFirst()).numDeletedRows)
    return report
  }

  return {
    periods,

    /** Changes one of the workspace's periods, within the policy's bounds; audited. */
    async setPeriod (ws: WorkspaceId, key: string, days: number, actor: { userId: string, ip?: string | undefined }): Promise<RetentionPeriods> {
      if (!(WORKSPACE_RETENTION_KEYS as string[]).includes(key)) throw new SwitchboardError('SB_VALIDATION', 'key', { detail: `must be one of ${WORKSPACE_RETENTION_KEYS.join(', ')}` })
      const policy = RETENTION_POLICIES[key as RetentionKey]
      if (!Number.isInteger(days) || days < policy.minDays || days > policy.maxDays) throw new SwitchboardError('SB_VALIDATION', 'days', { detail: `must be a whole number from ${policy.minDays} to ${policy.maxDays}` })
      const at = now().toISOString()
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('privacy_settings').values({ workspace_id: ws, key, days, updated_at: at, updated_by: actor.userId })
          .onConflict((oc) => oc.columns(['workspace_id', 'key']).doUpdateSet({ days, updated_at: at, updated_by: actor.userId })).execute()
        await audit.record(ws, { action: 'privacy.retention_changed', actorUserId: actor.userId, targetType: 'retention', targetId: key, ip: actor.ip ?? null, details: { days } }, trx)
      })
      return periods(ws)
    },

    /** One pass over every workspace and the shared tables; each workspace's pass is audited when it removed anything. */
    async sweep (): Promise<{ workspaces: Record<string, SweepReport>, global: SweepReport }> {
      const workspaces: Record<string, SweepReport> = {}
      const ids = await db.selectFrom('workspaces').select('id').execute()
      for (const { id } of ids) {
        const ws = asWorkspaceId(id)
        const report = await sweepWorkspace(ws)
        if (Object.keys(report).length > 0) {
          workspaces[id] = report
          // Recorded after the prune, so the audit record of this sweep is never the one it removes.
          await audit.record(ws, { action: 'privacy.retention_swept', details: report })
        }
      }
      return { workspaces, global: await sweepGlobal() }
    },
  }
}

export type Retention = ReturnType<typeof createRetention>

/**
 * Runs the sweeper every `intervalMs` (hourly by default: periods are days, so an hour
 * late is nothing) until stopped. A failed pass is logged and retried next time. Every
 * API process with workers starts one; `exclusive` (the store's job lock) lets one of
 * them sweep at a time, and the others skip that turn.
 */
export function startRetentionSweeper (
  retention: Retention,
  logger: { info: (o: object, m: string) => void, error: (o: object, m: string) => void },
  options: { intervalMs?: number, exclusive?: ExclusiveRunner } = {},
): () => void {
  const exclusive: ExclusiveRunner = options.exclusive ?? (async (work) => ({ ran: true, result: await work() }))
  let running = false
  const pass = async (): Promise<void> => {
    if (running) return
    running = true
    try {
      const outcome = await exclusive(() => retention.sweep())
      // Counts only: which workspace lost how many rows of which kind.
      if (outcome.ran) logger.info({ workspaces: Object.keys(outcome.result.workspaces).length, global: outcome.result.global }, 'retention sweep')
    } catch (error) {
      logger.error({ err: error }, 'retention sweep failed')
    } finally {
      running = false
    }
  }
  const first = setTimeout(() => void pass(), 5_000)
  const timer = setInterval(() => void pass(), options.intervalMs ?? 3_600_000)
  first.unref()
  timer.unref()
  return () => { clearTimeout(first); clearInterval(timer) }
}
