import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../store/schema.js'
import { asWorkspaceId, newId, nowIso, type WorkspaceId } from '../ids.js'

export interface Workspace {
  id: WorkspaceId
  name: string
  timeZone: string
  defaultCountry: string | null
  createdAt: string
}

function toWorkspace (row: Database['workspaces']): Workspace {
  return {
    id: asWorkspaceId(row.id),
    name: row.name,
    timeZone: row.time_zone,
    defaultCountry: row.default_country,
    createdAt: row.created_at,
  }
}

export function createWorkspacesRepository (db: Kysely<Database>) {
  return {
    async create (input: { name: string, timeZone: string, defaultCountry: string | null }, trx: Transaction<Database>): Promise<Workspace> {
      const row = {
        id: newId('workspace'),
        name: input.name,
        time_zone: input.timeZone,
        default_country: input.defaultCountry,
        created_at: nowIso(),
        allowed_domain: null,
      }
      await trx.insertInto('workspaces').values(row).execute()
      return toWorkspace(row)
    },

    async get (ws: WorkspaceId): Promise<Workspace | undefined> {
      const row = await db.selectFrom('workspaces').selectAll().where('id', '=', ws).executeTakeFirst()
      return row === undefined ? undefined : toWorkspace(row)
    },

    /** The Google Workspace domain sign-in is restricted to, or null when any Google account may. */
    async allowedDomain (ws: WorkspaceId): Promise<string | null> {
      const row = await db.selectFrom('workspaces').select('allowed_domain').where('id', '=', ws).executeTakeFirst()
      return row?.allowed_domain ?? null
    },

    async setAllowedDomain (ws: WorkspaceId, domain: string | null): Promise<void> {
      await db.updateTable('workspaces').set({ allowed_domain: domain }).where('id', '=', ws).execute()
    },

    /** Every workspace; for the operator CLI only, never reachable from the API. */
    async listAll (): Promise<Workspace[]> {
      const rows = await db.selectFrom('workspaces').selectAll().orderBy('id').execute()
      return rows.map(toWorkspace)
    },
  }
}

export type WorkspacesRepository = ReturnType<typeof createWorkspacesRepository>
