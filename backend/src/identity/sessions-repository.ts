import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../store/schema.js'
import { asWorkspaceId, type WorkspaceId } from '../ids.js'
import type { Role } from './access.js'

export interface SessionOwner {
  workspaceId: WorkspaceId
  userId: string
  role: Role
  expiresAt: string
  lastSeenAt: string
}

export function createSessionsRepository (db: Kysely<Database>) {
  return {
    async create (ws: WorkspaceId, input: { idHash: string, userId: string, expiresAt: string, now: string }, trx: Transaction<Database>): Promise<void> {
      await trx.insertInto('sessions').values({
        id_hash: input.idHash,
        workspace_id: ws,
        user_id: input.userId,
        created_at: input.now,
        expires_at: input.expiresAt,
        last_seen_at: input.now,
      }).execute()
    },

    /** The live session for a cookie hash: not expired, user active. */
    async findLive (idHash: string, now: string): Promise<SessionOwner | undefined> {
      const row = await db.selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select(['sessions.workspace_id', 'sessions.user_id', 'sessions.expires_at', 'sessions.last_seen_at', 'users.role'])
        .where('sessions.id_hash', '=', idHash)
        .where('sessions.expires_at', '>', now)
        .where('users.status', '=', 'active')
        .executeTakeFirst()
      if (row === undefined) return undefined
      return { workspaceId: asWorkspaceId(row.workspace_id), userId: row.user_id, role: row.role, expiresAt: row.expires_at, lastSeenAt: row.last_seen_at }
    },

    async extend (idHash: string, now: string, expiresAt: string): Promise<void> {
      await db.updateTable('sessions').set({ last_seen_at: now, expires_at: expiresAt }).where('id_hash', '=', idHash).execute()
    },

    async delete (idHash: string): Promise<void> {
      await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute()
    },

    /** Ends every session of a user, for deactivation and password changes. */
    async deleteForUser (ws: WorkspaceId, userId: string, trx: Transaction<Database>): Promise<void> {
      await trx.deleteFrom('sessions').where('workspace_id', '=', ws).where('user_id', '=', userId).execute()
    },
  }
}

export type SessionsRepository = ReturnType<typeof createSessionsRepository>
