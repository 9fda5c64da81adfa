import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../store/schema.js'
import { nowIso, type WorkspaceId } from '../ids.js'
import { SwitchboardError } from '../errors.js'
import type { AuditLog } from './audit-log.js'
import type { DeletionRequests } from './deletion-requests.js'
import { INVENTORY_TABLES } from './data-inventory.js'
import type { Role } from '../identity/access.js'
import { authorizeUserAction } from '../identity/user-actions.js'

export interface ErasureActor {
  /** Null for an operator at the CLI (a support request verified outside the app). */
  userId: string | null
  ip?: string | undefined
  /** The actor's role in the workspace; absent only for the operator, whom the user-action rule trusts. */
  role?: Role | undefined
}

export interface ErasureDeps {
  db: Kysely<Database>
  audit: AuditLog
  deletions: DeletionRequests
}

/** Tables the inventory declares with a workspace_id column: after a workspace deletion none may hold a row of it. */
export const WORKSPACE_TABLES = INVENTORY_TABLES.filter(([, decl]) => 'workspace_id' in decl.columns).map(([table]) => table)

/**
 * Erasure: a contact (their conversation, timeline, logged emails and campaign rows), a
 * user (de-identified, so "logged by" links and the audit chain stay intact), or a whole
 * workspace (everything, then a check that no row of it remains anywhere).
 */
export function createErasure ({ db, audit, deletions }: ErasureDeps) {
  async function contactPhones (trx: Transaction<Database>, ws: WorkspaceId, contactId: string): Promise<{ phones: string[], waIds: string[] }> {
    const phones = (await trx.selectFrom('contact_phones').select('phone').where('workspace_id', '=', ws).where('contact_id', '=', contactId).execute()).map((r) => r.phone)
    const contact = await trx.selectFrom('contacts').select('whatsapp_id').where('workspace_id', '=', ws).where('id', '=', contactId).executeTakeFirst()
    const waIds = [...new Set([...phones.map((p) => p.replace(/^\+/, '')), ...(contact?.whatsapp_id == null ? [] : [contact.whatsapp_id])])]
    return { phones, waIds }
  }

  return {
    async eraseContact (ws: WorkspaceId, contactId: string, actor: ErasureActor): Promise<Record<string, number>> {
      return db.transaction().execute(async (trx) => {
        const exists = await trx.selectFrom('contacts').select('id').where('workspace_id', '=', ws).where('id', '=', contactId).executeTakeFirst()
        if (exists === undefined) throw new SwitchboardError('SB_CONTACT_NOT_FOUND')
        const { phones, waIds } = await contactPhones(trx, ws, contactId)
        const messages = trx.selectFrom('wa_messages').select(['id', 'wamid']).where('workspace_id', '=', ws)
          .where((eb) => waIds.length === 0 ? eb('contact_id', '=', contactId) : eb.or([eb('contact_id', '=', contactId), eb('wa_id', 'in', waIds)]))
        const messageRows = await messages.execute()
        const recipients = await trx.selectFrom('campaign_recipients').select(['id', 'wamid']).where('workspace_id', '=', ws)
          .where((eb) => phones.length === 0 ? eb('contact_id', '=', contactId) : eb.or([eb('contact_id', '=', contactId), eb('phone', 'in', phones)])).execute()
        const wamids = [...messageRows, ...recipients].map((r) => r.wamid).filter((w): w is string => w !== null)
        const counts: Record<string, number> = { messages: messageRows.length, campaignRows: recipients.length, statusEvents: 0, activities: 0, emailLogs: 0 }
        if (wamids.length > 0) counts['statusEvents'] = Number((await trx.deleteFrom('wa_status_events').where('wamid', 'in', wamids).executeTakeFirst()).numDeletedRows)
        if (messageRows.length > 0) await trx.deleteFrom('wa_messages').where('id', 'in', messageRows.map((m) => m.id)).execute()
        // Campaign rows stay (the campaign's counts must stay true) without anything that points at the person.
        for (const r of recipients) {
          await trx.updateTable('campaign_recipients').set({ phone: `erased:${r.id}`, contact_id: null, variables: '{}', reply_text: null, updated_at: nowIso() }).where('id', '=', r.id).execute()
        }
        counts['emailLogs'] = Number((await trx.deleteFrom('email_logs').where('workspace_id', '=', ws).where('target_type', '=', 'contact').where('target_id', '=', contactId).executeTakeFirst()).numDeletedRows)
        // Events sent (or waiting to be sent) about them to webhook endpoints, with their deliveries.
        const eventKeys = [`contact:${contactId}`, ...waIds.map((w) => `whatsapp:${w}`)]
        counts['webhookEvents'] = Number((await trx.deleteFrom('webhook_events').where('workspace_id', '=', ws).where('ordering_key', 'in', eventKeys).executeTakeFirst()).numDeletedRows)
        // Every activity on the contact goes, including those also linked to a deal or company.
        counts['activities'] = Number((await trx.deleteFrom('activities').where('workspace_id', '=', ws).where('contact_id', '=', contactId).executeTakeFirst()).numDeletedRows)
        await trx.deleteFrom('contacts').where('workspace_id', '=', ws).where('id', '=', contactId).execute()
        await audit.record(ws, { action: 'privacy.contact_erased', actorUserId: actor.userId, targetType: 'contact', targetId: contactId, ip: actor.ip ?? null, details: counts }, trx)
        return counts
      })
    },

    async eraseUser (ws: WorkspaceId, userId: string, actor: ErasureActor): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const user = await trx.selectFrom('users').select(['id', 'role', 'status']).where('workspace_id', '=', ws).where('id', '=', userId).executeTakeFirst()
        if (user === undefined) throw new SwitchboardError('SB_USER_NOT_FOUND')
        // Erasure is irreversible: the one user-action rule decides, as for every change to a user.
        if (actor.role !== undefined) authorizeUserAction({ userId: actor.userId, role: actor.role }, { id: user.id, role: user.role }, 'erase')
        if (user.role === 'owner') {
          const owners = await trx.selectFrom('users').select('id').where('workspace_id', '=', ws).where('role', '=', 'owner').where('status', '=', 'active').where('id', '<>', userId).execute()
          if (owners.length === 0) throw new SwitchboardError('SB_USER_LAST_OWNER')
        }
        await trx.updateTable('users').set({
          email: `erased-${userId}@erased.invalid`, display_name: 'Erased user', password_hash: null, google_sub: null, status: 'deactivated',
          last_login_at: null, locked_until: null, updated_at: nowIso(),
        }).where('id', '=', userId).execute()
        await trx.deleteFrom('sessions').where('user_id', '=', userId).execute()
        await trx.deleteFrom('api_tokens').where('user_id', '=', userId).execute()
        await trx.deleteFrom('addin_sign_ins').where('user_id', '=', userId).execute()
        await trx.deleteFrom('addin_token_families').where('user_id', '=', userId).execute()
        await trx.deleteFrom('addin_auth_codes').where('user_id', '=', userId).execute()
        await audit.record(ws, { action: 'privacy.user_erased', actorUserId: actor.userId, targetType: 'user', targetId: userId, ip: actor.ip ?? null, details: {} }, trx)
      })
    },

    /**
     * Deletes the workspace and everything in it, including its audit chain (moved behind
     * an anchor first, the only way the triggers allow), and returns the confirmation
     * code of a receipt that names nobody. Throws if any row of it remains.
     */
    async eraseWorkspace (ws: WorkspaceId, actor: ErasureActor): Promise<{ confirmationCode: string, removed: Record<string, number> }> {
      const workspace = await db.selectFrom('workspaces').select('id').where('id', '=', ws).executeTakeFirst()
      if (workspace === undefined) throw new SwitchboardError('SB_WORKSPACE_NOT_FOUND')
      await audit.record(ws, { action: 'privacy.workspace_erasure_requested', actorUserId: actor.userId, targetType: 'workspace', targetId: ws, ip: actor.ip ?? null, details: {} })
      const code = await deletions.record('workspace', ws, 'received', {})
      const removed: Record<string, number> = {}
      await db.transaction().execute(async (trx) => {
        for (const table of WORKSPACE_TABLES) {
          const row = await trx.selectFrom(table as 'contacts').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', ws).executeTakeFirst()
          if (Number(row?.n ?? 0) > 0) removed[table] = Number(row!.n)
        }
        // Raw webhooks name no workspace, only Meta's phone number id: those for this workspace's numbers go too.
        const numbers = (await trx.selectFrom('whatsapp_numbers').select('id').where('workspace_id', '=', ws).execute()).map((n) => n.id)
        for (const number of numbers) {
          const gone = await trx.deleteFrom('webhook_inbox').where('body', 'like', `%"${number.replace(/[%_"\\]/g, '')}"%`).executeTakeFirst()
          if (gone.numDeletedRows > 0n) removed['webhook_inbox'] = (removed['webhook_inbox'] ?? 0) + Number(gone.numDeletedRows)
        }
        const wamids = (await trx.selectFrom('wa_messages').select('wamid').where('workspace_id', '=', ws).where('wamid', 'is not', null).execute()).map((r) => r.wamid!)
        for (let i = 0; i < wamids.length; i += 500) await trx.deleteFrom('wa_status_events').where('wamid', 'in', wamids.slice(i, i + 500)).execute()
        const head = await trx.selectFrom('audit_events').select(['seq', 'hash']).where('workspace_id', '=', ws).orderBy('seq', 'desc').limit(1).executeTakeFirst()
        if (head !== undefined) {
          const anchored = await trx.selectFrom('audit_anchors').select('seq').where('workspace_id', '=', ws).executeTakeFirst()
          if (anchored === undefined) await trx.insertInto('audit_anchors').values({ workspace_id: ws, seq: head.seq, hash: head.hash, updated_at: nowIso() }).execute()
          else await trx.updateTable('audit_anchors').set({ seq: head.seq, hash: head.hash, updated_at: nowIso() }).where('workspace_id', '=', ws).execute()
          await trx.deleteFrom('audit_events').where('workspace_id', '=', ws).execute()
        }
        // Tables whose rows reach the workspace only through a parent without a cascade.
        await trx.deleteFrom('idempotency_keys').where('workspace_id', '=', ws).execute()
        await trx.deleteFrom('workspaces').where('id', '=', ws).execute()
        // The anchor may go only once its workspace is gone (a trigger enforces it).
        await trx.deleteFrom('audit_anchors').where('workspace_id', '=', ws).execute()
        for (const table of WORKSPACE_TABLES) {
          const left = await trx.selectFrom(table as 'contacts').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', ws).executeTakeFirst()
          if (Number(left?.n ?? 0) > 0) throw new Error(`workspace deletion left rows in ${table}`)
        }
      })
      await deletions.complete(code, removed)
      return { confirmationCode: code, removed }
    },
  }
}

export type Erasure = ReturnType<typeof createErasure>
