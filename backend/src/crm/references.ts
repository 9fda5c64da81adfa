import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../store/schema.js'
import type { WorkspaceId } from '../ids.js'
import { SwitchboardError } from '../errors.js'

/** A query runner: the store itself or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>

/**
 * Checks for records a write points at. A record of another workspace is as absent as
 * one that never existed, so ids cannot be probed across workspaces.
 */
export async function assertCompanyExists (executor: Executor, ws: WorkspaceId, id: string, field: string): Promise<void> {
  const row = await executor.selectFrom('companies').select('id').where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
  if (row === undefined) throw new SwitchboardError('SB_COMPANY_NOT_FOUND', field)
}

/** Owners must be active users of the workspace: work is not assigned to someone who cannot sign in. */
export async function assertOwnerExists (executor: Executor, ws: WorkspaceId, id: string, field: string): Promise<void> {
  const row = await executor.selectFrom('users').select('id')
    .where('workspace_id', '=', ws).where('id', '=', id).where('status', '=', 'active').executeTakeFirst()
  if (row === undefined) throw new SwitchboardError('SB_OWNER_NOT_FOUND', field)
}

/** Every id must be a contact of the workspace; the error names the first missing one as `field/index`. */
export async function assertContactsExist (executor: Executor, ws: WorkspaceId, ids: readonly string[], field: string): Promise<void> {
  if (ids.length === 0) return
  const rows = await executor.selectFrom('contacts').select('id').where('workspace_id', '=', ws).where('id', 'in', ids).execute()
  const found = new Set(rows.map((r) => r.id))
  const missing = ids.findIndex((id) => !found.has(id))
  if (missing >= 0) throw new SwitchboardError('SB_CONTACT_NOT_FOUND', `${field}/${missing}`)
}

/** The contact must be in the workspace. */
export async function assertContactExists (executor: Executor, ws: WorkspaceId, id: string, field: string): Promise<void> {
  const row = await executor.selectFrom('contacts').select('id').where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
  if (row === undefined) throw new SwitchboardError('SB_CONTACT_NOT_FOUND', field)
}

/** The deal must be in the workspace. */
export async function assertDealExists (executor: Executor, ws: WorkspaceId, id: string, field: string): Promise<void> {
  const row = await executor.selectFrom('deals').select('id').where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
  if (row === undefined) throw new SwitchboardError('SB_DEAL_NOT_FOUND', field)
}

/** The workspace's default region for phone numbers typed without a country code. */
export async function defaultCountryOf (executor: Executor, ws: WorkspaceId): Promise<string | null> {
  const row = await executor.selectFrom('workspaces').select('default_country').where('id', '=', ws).executeTakeFirst()
  return row?.default_country ?? null
}

/** Removes repeats, keeping the first occurrence and the original order. */
export function unique<T> (values: readonly T[]): T[] {
  return [...new Set(values)]
}
