import type { Kysely, Updateable } from 'kysely'
import type { Database } from '../store/schema.js'
import type { WorkspaceId } from '../ids.js'
import type { Executor } from '../crm/references.js'
import { hostOf } from '../privacy/outbound.js'
import type { WebhookEndpoint } from './schemas.js'
import type { EventType } from './catalog.js'

export type EndpointRow = Database['webhook_endpoints']

export function toEndpoint (row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: JSON.parse(row.event_types) as EventType[],
    status: row.status,
    disabledReason: row.disabled_reason,
    previousSecretValidUntil: row.previous_secret === null ? null : row.previous_secret_until,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** Webhook endpoints of one store, workspace scope first. */
export function createEndpointsRepository (db: Kysely<Database>) {
  return {
    async list (ws: WorkspaceId): Promise<EndpointRow[]> {
      return db.selectFrom('webhook_endpoints').selectAll().where('workspace_id', '=', ws).orderBy('id').execute()
    },

    async get (ws: WorkspaceId, id: string, executor: Executor = db): Promise<EndpointRow | undefined> {
      return executor.selectFrom('webhook_endpoints').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
    },

    async count (ws: WorkspaceId, executor: Executor = db): Promise<number> {
      const row = await executor.selectFrom('webhook_endpoints').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', ws).executeTakeFirst()
      return Number(row?.n ?? 0)
    },

    async insert (row: EndpointRow, executor: Executor = db): Promise<void> {
      await executor.insertInto('webhook_endpoints').values(row).execute()
    },

    async update (ws: WorkspaceId, id: string, changes: Updateable<EndpointRow>, executor: Executor = db): Promise<boolean> {
      const result = await executor.updateTable('webhook_endpoints').set(changes).where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    async delete (ws: WorkspaceId, id: string, executor: Executor = db): Promise<boolean> {
      const result = await executor.deleteFrom('webhook_endpoints').where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
      return result.numDeletedRows > 0n
    },

    /** The workspace's part of the outbound allow-list: the hosts of its endpoints (disabled ones too; they get no deliveries anyway). */
    async allowedHosts (ws: WorkspaceId): Promise<Set<string>> {
      const rows = await db.selectFrom('webhook_endpoints').select('url').where('workspace_id', '=', ws).execute()
      const hosts = new Set<string>()
      for (const { url } of rows) {
        try {
          hosts.add(hostOf(url))
        } catch {
          // A stored URL that no longer parses allows nothing.
        }
      }
      return hosts
    },
  }
}

export type EndpointsRepository = ReturnType<typeof createEndpointsRepository>
