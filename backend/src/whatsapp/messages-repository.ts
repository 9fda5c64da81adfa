import { sql, type Kysely, type Transaction } from 'kysely'
import type { Database, MessageStatus } from '../store/schema.js'
import { newId, nowIso, type WorkspaceId } from '../ids.js'
import { advanceStatus, statusFromWebhook } from './message-status.js'

type Executor = Kysely<Database> | Transaction<Database>

/** One message of a contact's WhatsApp thread, as the API shows it. */
export interface ThreadMessage {
  id: string
  direction: 'in' | 'out'
  wamid: string | null
  type: string
  body: string | null
  templateName: string | null
  templateLanguage: string | null
  status: MessageStatus
  statusAt: string
  errorCode: number | null
  errorTitle: string | null
  authorUserId: string | null
  source: string
  createdAt: string
}

export interface OutboundInput {
  contactId: string | null
  phoneNumberId: string
  waId: string
  type: string
  body: string | null
  templateName?: string | null
  templateLanguage?: string | null
  authorUserId: string | null
  source: string
}

export interface InboundInput {
  contactId: string | null
  phoneNumberId: string
  waId: string
  wamid: string
  type: string
  body: string | null
  contextWamid: string | null
  receivedAt: string
}

/** A status from a webhook, already mapped to its workspace by the receiving number. */
export interface StatusEvent {
  wamid: string
  status: string
  phoneNumberId: string
  recipientId: string
  occurredAt: string
  errorCode: number | null
  errorTitle: string | null
  bizOpaqueCallbackData: string | null
}

function toThreadMessage (row: Database['wa_messages']): ThreadMessage {
  return {
    id: row.id,
    direction: row.direction,
    wamid: row.wamid,
    type: row.type,
    body: row.body,
    templateName: row.template_name,
    templateLanguage: row.template_language,
    status: row.status,
    statusAt: row.status_at,
    errorCode: row.error_code,
    errorTitle: row.error_title,
    authorUserId: row.author_user_id,
    source: row.source,
    createdAt: row.created_at,
  }
}

/**
 * The WhatsApp thread store and its delivery statuses. Statuses are deduplicated by
 * (wamid, status), only move forward, and may arrive before the send that produced them
 * is recorded: they wait in wa_status_events and are applied when the wamid shows up.
 */
export function createMessagesRepository (db: Kysely<Database>) {
  /** Applies every waiting status of `wamid` to its message, in whatever order they came. */
  async function applyWaiting (executor: Executor, ws: WorkspaceId, wamid: string): Promise<void> {
    const waiting = await executor.selectFrom('wa_status_events').selectAll().where('wamid', '=', wamid).where('applied', '=', 0).execute()
    if (waiting.length === 0) return
    const message = await executor.selectFrom('wa_messages').select(['id', 'status', 'status_at', 'error_code', 'error_title'])
      .where('workspace_id', '=', ws).where('wamid', '=', wamid).executeTakeFirst()
    if (message === undefined) return
    let { status } = message
    let statusAt = message.status_at
    let errorCode = message.error_code
    let errorTitle = message.error_title
    for (const event of waiting) {
      const incoming = statusFromWebhook(event.status)
      if (incoming === undefined) continue
      const next = advanceStatus(status, incoming)
      if (next !== status) {
        status = next
        statusAt = event.occurred_at
        if (next === 'failed') {
          errorCode = event.error_code
          errorTitle = event.error_title
        }
      }
    }
    await executor.updateTable('wa_messages').set({ status, status_at: statusAt, error_code: errorCode, error_title: errorTitle })
      .where('id', '=', message.id).execute()
    await executor.updateTable('wa_status_events').set({ applied: 1 }).where('wamid', '=', wamid).where('applied', '=', 0).execute()
  }

  return {
    /** Records an outbound message before the send, as `sending`; the caller then marks it accepted, failed or unknown. */
    async createOutbound (ws: WorkspaceId, input: OutboundInput, executor: Executor = db): Promise<string> {
      const now = nowIso()
      const id = newId('message')
      await executor.insertInto('wa_messages').values({
        id,
        workspace_id: ws,
        contact_id: input.contactId,
        phone_number_id: input.phoneNumberId,
        direction: 'out',
        wamid: null,
        wa_id: input.waId,
        type: input.type,
        body: input.body,
        template_name: input.templateName ?? null,
        template_language: input.templateLanguage ?? null,
        status: 'sending',
        status_at: now,
        error_code: null,
        error_title: null,
        context_wamid: null,
        author_user_id: input.authorUserId,
        source: input.source,
        created_at: now,
      }).execute()
      return id
    },

    /** Meta accepted the send: store its wamid and apply any statuses that raced ahead of this answer. */
    async markAccepted (ws: WorkspaceId, id: string, wamid: string, executor?: Executor): Promise<void> {
      const work = async (trx: Executor): Promise<void> => {
        await trx.updateTable('wa_messages').set({ wamid, status: 'accepted', status_at: nowIso() })
          .where('workspace_id', '=', ws).where('id', '=', id).execute()
        await applyWaiting(trx, ws, wamid)
      }
      if (executor !== undefined) return work(executor)
      await db.transaction().execute(work)
    },

    /** Meta refused the send with a code: the message did not go out. */
    async markFailed (ws: WorkspaceId, id: string, code: number | null, title: string, executor: Executor = db): Promise<void> {
      await executor.updateTable('wa_messages').set({ status: 'failed', status_at: nowIso(), error_code: code, error_title: title })
        .where('workspace_id', '=', ws).where('id', '=', id).execute()
    },

    /** No answer: the message may or may not have gone out. It stays visible as such, never resent blindly. */
    async markUnknown (ws: WorkspaceId, id: string, executor: Executor = db): Promise<void> {
      await executor.updateTable('wa_messages').set({ status: 'unknown', status_at: nowIso() })
        .where('workspace_id', '=', ws).where('id', '=', id).execute()
    },

    /** Stores an inbound message once; a redelivered webhook returns false and changes nothing. */
    async recordInbound (ws: WorkspaceId, input: InboundInput, executor: Executor = db): Promise<boolean> {
      const result = await executor.insertInto('wa_messages').values({
        id: newId('message'),
        workspace_id: ws,
        contact_id: input.contactId,
        phone_number_id: input.phoneNumberId,
        direction: 'in',
        wamid: input.wamid,
        wa_id: input.waId,
        type: input.type,
        body: input.body,
        template_name: null,
        template_language: null,
        status: 'received',
        status_at: input.receivedAt,
        error_code: null,
        error_title: null,
        context_wamid: input.contextWamid,
        author_user_id: null,
        source: 'whatsapp',
        created_at: input.receivedAt,
      }).onConflict((oc) => oc.column('wamid').doNothing()).executeTakeFirst()
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0
    },

    /**
     * Records a status webhook once and applies it when its message is known. Returns
     * false for a duplicate (same wamid and status already recorded).
     */
    async applyStatus (ws: WorkspaceId, event: StatusEvent, executor: Executor = db): Promise<boolean> {
      const result = await executor.insertInto('wa_status_events').values({
        wamid: event.wamid,
        status: event.status,
        phone_number_id: event.phoneNumberId,
        recipient_id: event.recipientId,
        occurred_at: event.occurredAt,
        error_code: event.errorCode,
        error_title: event.errorTitle,
        biz_opaque_callback_data: event.bizOpaqueCallbackData,
        applied: 0,
        received_at: nowIso(),
      }).onConflict((oc) => oc.columns(['wamid', 'status']).doNothing()).executeTakeFirst()
      if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) return false
      await applyWaiting(executor, ws, event.wamid)
      return true
    },

    async get (ws: WorkspaceId, id: string): Promise<ThreadMessage | undefined> {
      const row = await db.selectFrom('wa_messages').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : toThreadMessage(row)
    },

    async getByWamid (ws: WorkspaceId, wamid: string): Promise<ThreadMessage | undefined> {
      const row = await db.selectFrom('wa_messages').selectAll().where('workspace_id', '=', ws).where('wamid', '=', wamid).executeTakeFirst()
      return row === undefined ? undefined : toThreadMessage(row)
    },

    /** When the contact last wrote to us: the 24-hour service window runs from here. */
    async lastInboundAt (ws: WorkspaceId, contactId: string): Promise<string | null> {
      const row = await db.selectFrom('contacts').select('last_inbound_at').where('workspace_id', '=', ws).where('id', '=', contactId).executeTakeFirst()
      return row?.last_inbound_at ?? null
    },

    /**
     * For several contacts at once (the add-on view): the newest `perContact` messages of
     * each thread and when each contact last wrote, in two queries.
     */
    async recentByContacts (ws: WorkspaceId, contactIds: readonly string[], perContact: number): Promise<Map<string, { lastInboundAt: string | null, messages: ThreadMessage[] }>> {
      const result = new Map<string, { lastInboundAt: string | null, messages: ThreadMessage[] }>(contactIds.map((id) => [id, { lastInboundAt: null, messages: [] }]))
      if (contactIds.length === 0) return result
      const ranked = db.selectFrom('wa_messages').selectAll()
        .select(sql<number>`row_number() over (partition by contact_id order by created_at desc, id desc)`.as('rank'))
        .where('workspace_id', '=', ws).where('contact_id', 'in', contactIds)
      const [rows, contacts] = await Promise.all([
        db.selectFrom(ranked.as('r')).selectAll().where('r.rank', '<=', perContact).orderBy('r.contact_id').orderBy('r.rank').execute(),
        db.selectFrom('contacts').select(['id', 'last_inbound_at']).where('workspace_id', '=', ws).where('id', 'in', contactIds).execute(),
      ])
      for (const { rank: _rank, ...row } of rows) result.get(row.contact_id!)?.messages.push(toThreadMessage(row))
      for (const contact of contacts) result.get(contact.id)!.lastInboundAt = contact.last_inbound_at
      return result
    },

    /** A contact's thread, newest first. */
    /**
     * When the contact last wrote to each business number, newest first. The 24-hour window
     * is per number: 131047 is "more than 24 hours since the customer last replied to this
     * number" (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes/).
     */
    async lastInboundByNumber (ws: WorkspaceId, contactId: string): Promise<Array<{ phoneNumberId: string, at: string }>> {
      const rows = await db.selectFrom('wa_messages').select((eb) => ['phone_number_id', eb.fn.max('status_at').as('at')])
        .where('workspace_id', '=', ws).where('contact_id', '=', contactId).where('direction', '=', 'in')
        .groupBy('phone_number_id').execute()
      return rows.filter((r) => r.at !== null).map((r) => ({ phoneNumberId: r.phone_number_id, at: String(r.at) })).sort((a, b) => b.at.localeCompare(a.at))
    },

    async thread (ws: WorkspaceId, contactId: string, options: { limit: number, before?: string | undefined }): Promise<ThreadMessage[]> {
      let query = db.selectFrom('wa_messages').selectAll().where('workspace_id', '=', ws).where('contact_id', '=', contactId)
      if (options.before !== undefined) query = query.where('created_at', '<', options.before)
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute()
      return rows.map(toThreadMessage)
    },
  }
}

export type MessagesRepository = ReturnType<typeof createMessagesRepository>
