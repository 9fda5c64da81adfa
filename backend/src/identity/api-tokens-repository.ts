import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../store/schema.js'
import { asWorkspaceId, newId, nowIso, type WorkspaceId } from '../ids.js'
import { prepare } from '../store/prepared.js'
import type { Role, Scope } from './access.js'

export interface ApiToken {
  id: string
  userId: string
  name: string
  prefix: string
  scopes: Scope[]
  createdAt: string
  lastUsedAt: string | null
  revokedAt: string | null
}

/** What authenticating a bearer token resolves to. */
export interface TokenOwner {
  tokenId: string
  workspaceId: WorkspaceId
  userId: string
  role: Role
  scopes: Scope[]
  lastUsedAt: string | null
}

function toApiToken (row: Database['api_tokens']): ApiToken {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    scopes: JSON.parse(row.scopes) as Scope[],
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  }
}

export function createApiTokensRepository (db: Kysely<Database>) {
  // Every API request resolves its token: compiled once, run with the hash each time.
  const liveByHash = prepare(db, 1, (hash: string) => db.selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select(['api_tokens.id', 'api_tokens.workspace_id', 'api_tokens.user_id', 'api_tokens.scopes', 'api_tokens.last_used_at', 'users.role'])
    .where('api_tokens.token_hash', '=', hash)
    .where('api_tokens.revoked_at', 'is', null)
    .where('users.status', '=', 'active'))

  return {
    async create (ws: WorkspaceId, input: { userId: string, name: string, prefix: string, hash: string, scopes: readonly Scope[] }, trx: Transaction<Database>): Promise<ApiToken> {
      const row: Database['api_tokens'] = {
        id: newId('token'),
        workspace_id: ws,
        user_id: input.userId,
        name: input.name,
        prefix: input.prefix,
        token_hash: input.hash,
        scopes: JSON.stringify(input.scopes),
        created_at: nowIso(),
        last_used_at: null,
        revoked_at: null,
      }
      await trx.insertInto('api_tokens').values(row).execute()
      return toApiToken(row)
    },

    async get (ws: WorkspaceId, id: string): Promise<ApiToken | undefined> {
      const row = await db.selectFrom('api_tokens').selectAll()
        .where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : toApiToken(row)
    },

    /** The workspace's tokens, or only one user's when `userId` is given. */
    async list (ws: WorkspaceId, userId?: string): Promise<ApiToken[]> {
      let query = db.selectFrom('api_tokens').selectAll().where('workspace_id', '=', ws)
      if (userId !== undefined) query = query.where('user_id', '=', userId)
      const rows = await query.orderBy('id', 'desc').execute()
      return rows.map(toApiToken)
    },

    /** Revokes a live token; false when it was already revoked (or is not there). */
    async revoke (ws: WorkspaceId, id: string, trx: Transaction<Database>): Promise<boolean> {
      const result = await trx.updateTable('api_tokens').set({ revoked_at: nowIso() })
        .where('workspace_id', '=', ws).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    /** Revokes every live token of a user (deactivation): revoked tokens never come back. */
    async revokeAllForUser (ws: WorkspaceId, userId: string, trx: Transaction<Database>): Promise<void> {
      await trx.updateTable('api_tokens').set({ revoked_at: nowIso() })
        .where('workspace_id', '=', ws).where('user_id', '=', userId).where('revoked_at', 'is', null).execute()
    },

    /**
     * Resolves a token hash to its live owner: the token is not revoked and its user
     * is active. Looked up by hash alone because the workspace is what it tells us.
     */
    async findLiveByHash (hash: string): Promise<TokenOwner | undefined> {
      const [row] = await liveByHash(hash)
      if (row === undefined) return undefined
      return {
        tokenId: row.id,
        workspaceId: asWorkspaceId(row.workspace_id),
        userId: row.user_id,
        role: row.role,
        scopes: JSON.parse(row.scopes) as Scope[],
        lastUsedAt: row.last_used_at,
      }
    },

    async touch (ws: WorkspaceId, id: string, at: string): Promise<void> {
      await db.updateTable('api_tokens').set({ last_used_at: at }).where('workspace_id', '=', ws).where('id', '=', id).execute()
    },
  }
}

export type ApiTokensRepository = ReturnType<typeof createApiTokensRepository>
