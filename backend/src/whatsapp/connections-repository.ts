import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../store/schema.js'
import { asWorkspaceId, newId, nowIso, type WorkspaceId } from '../ids.js'

type Executor = Kysely<Database> | Transaction<Database>

/** A workspace's link to Meta, without its token (which only the connection service opens). */
export interface Connection {
  id: string
  mode: 'sandbox' | 'meta'
  businessId: string | null
  wabaId: string | null
  status: 'pending' | 'connected' | 'failed'
  signupStep: string | null
  signupError: string | null
  hasToken: boolean
  createdAt: string
  updatedAt: string
}

export interface WhatsappNumber {
  id: string
  displayPhoneNumber: string
  verifiedName: string | null
  qualityRating: string | null
  messagingLimitTier: string | null
  throughputLevel: string | null
  throughputPerSecond: number
  registered: boolean
  /** Shared with the WhatsApp Business app: not registered by us, fixed at 20 messages/s. */
  coexistence: boolean
  status: 'active' | 'paused'
  pausedReason: string | null
  pausedAt: string | null
}

export interface NumberOwner {
  workspaceId: WorkspaceId
  connectionId: string
  number: WhatsappNumber
}

function toConnection (row: Database['whatsapp_connections']): Connection {
  return {
    id: row.id,
    mode: row.mode,
    businessId: row.business_id,
    wabaId: row.waba_id,
    status: row.status,
    signupStep: row.signup_step,
    signupError: row.signup_error,
    hasToken: row.access_token !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toNumber (row: Database['whatsapp_numbers']): WhatsappNumber {
  return {
    id: row.id,
    displayPhoneNumber: row.display_phone_number,
    verifiedName: row.verified_name,
    qualityRating: row.quality_rating,
    messagingLimitTier: row.messaging_limit_tier,
    throughputLevel: row.throughput_level,
    throughputPerSecond: row.throughput_per_second,
    registered: row.registered === 1,
    coexistence: row.coexistence === 1,
    status: row.status,
    pausedReason: row.paused_reason,
    pausedAt: row.paused_at,
  }
}

export type ConnectionChanges = Partial<Pick<Database['whatsapp_connections'], 'business_id' | 'waba_id' | 'access_token' | 'status' | 'signup_step' | 'signup_error' | 'mode'>>

/** Connections and numbers. Webhooks arrive addressed by WABA or number, so two lookups start from those. */
export function createConnectionsRepository (db: Kysely<Database>) {
  return {
    async get (ws: WorkspaceId, executor: Executor = db): Promise<Connection | undefined> {
      const row = await executor.selectFrom('whatsapp_connections').selectAll().where('workspace_id', '=', ws).executeTakeFirst()
      return row === undefined ? undefined : toConnection(row)
    },

    /** The sealed token and the ids it is bound to; for the connection service only. */
    async sealedToken (ws: WorkspaceId): Promise<{ connectionId: string, sealed: string } | undefined> {
      const row = await db.selectFrom('whatsapp_connections').select(['id', 'access_token']).where('workspace_id', '=', ws).executeTakeFirst()
      return row?.access_token == null ? undefined : { connectionId: row.id, sealed: row.access_token }
    },

    /** Creates the workspace's connection, or returns the one it has. */
    async ensure (ws: WorkspaceId, mode: 'sandbox' | 'meta', executor: Executor = db): Promise<Connection> {
      const existing = await this.get(ws, executor)
      if (existing !== undefined) return existing
      const now = nowIso()
      await executor.insertInto('whatsapp_connections').values({
        id: newId('connection'), workspace_id: ws, mode, business_id: null, waba_id: null, access_token: null,
        status: 'pending', signup_step: 'exchange', signup_error: null, created_at: now, updated_at: now,
      }).onConflict((oc) => oc.column('workspace_id').doNothing()).execute()
      const created = await this.get(ws, executor)
      if (created === undefined) throw new Error('connection vanished after insert')
      return created
    },

    async update (ws: WorkspaceId, changes: ConnectionChanges, executor: Executor = db): Promise<void> {
      await executor.updateTable('whatsapp_connections').set({ ...changes, updated_at: nowIso() }).where('workspace_id', '=', ws).execute()
    },

    /** Which workspace a WABA belongs to (webhooks name the WABA in entry.id). */
    async workspaceOfWaba (wabaId: string): Promise<WorkspaceId | undefined> {
      const row = await db.selectFrom('whatsapp_connections').select('workspace_id').where('waba_id', '=', wabaId).executeTakeFirst()
      return row === undefined ? undefined : asWorkspaceId(row.workspace_id)
    },

    /** Which workspace a number belongs to (statuses and inbound messages name the number). */
    async ownerOfNumber (phoneNumberId: string, executor: Executor = db): Promise<NumberOwner | undefined> {
      const row = await executor.selectFrom('whatsapp_numbers').selectAll().where('id', '=', phoneNumberId).executeTakeFirst()
      return row === undefined ? undefined : { workspaceId: asWorkspaceId(row.workspace_id), connectionId: row.connection_id, number: toNumber(row) }
    },

    async listNumbers (ws: WorkspaceId): Promise<WhatsappNumber[]> {
      const rows = await db.selectFrom('whatsapp_numbers').selectAll().where('workspace_id', '=', ws).orderBy('id').execute()
      return rows.map(toNumber)
    },

    async getNumber (ws: WorkspaceId, id: string): Promise<WhatsappNumber | undefined> {
      const row = await db.selectFrom('whatsapp_numbers').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : toNumber(row)
    },

    /** Inserts or refreshes a number's details from Meta. */
    async upsertNumber (ws: WorkspaceId, connectionId: string, number: Omit<WhatsappNumber, 'status' | 'pausedReason' | 'pausedAt' | 'coexistence'> & { coexistence?: boolean }, executor: Executor = db): Promise<void> {
      const now = nowIso()
      const details = {
        display_phone_number: number.displayPhoneNumber,
        verified_name: number.verifiedName,
        quality_rating: number.qualityRating,
        messaging_limit_tier: number.messagingLimitTier,
        throughput_level: number.throughputLevel,
        throughput_per_second: number.throughputPerSecond,
        registered: number.registered ? 1 : 0,
        coexistence: number.coexistence === true ? 1 : 0,
        updated_at: now,
      }
      await executor.insertInto('whatsapp_numbers')
        .values({ id: number.id, workspace_id: ws, connection_id: connectionId, status: 'active', paused_reason: null, paused_at: null, ...details })
        .onConflict((oc) => oc.column('id').doUpdateSet(details))
        .execute()
    },

    /** Stops sending from a number (Meta said stop) with the reason people will see; `null` resumes it. */
    async setNumberPaused (ws: WorkspaceId, id: string, reason: string | null, executor: Executor = db): Promise<void> {
      await executor.updateTable('whatsapp_numbers')
        .set(reason === null ? { status: 'active', paused_reason: null, paused_at: null } : { status: 'paused', paused_reason: reason, paused_at: nowIso() })
        .where('workspace_id', '=', ws).where('id', '=', id).execute()
    },
  }
}

export type ConnectionsRepository = ReturnType<typeof createConnectionsRepository>
