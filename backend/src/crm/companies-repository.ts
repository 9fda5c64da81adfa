import { sql, type Kysely } from 'kysely'
import type { Database } from '../store/schema.js'
import { newId, nowIso, type WorkspaceId } from '../ids.js'
import { SwitchboardError } from '../errors.js'
import { isUniqueViolation } from '../store/constraint-errors.js'
import type { Company, CompanyQuery, CreateCompany, UpdateCompany } from './company-schemas.js'
import { normaliseDomain, searchKey } from './normalise.js'
import { DEFAULT_PAGE_SIZE, decodeIdCursor, encodeCursor, likeContains, likeStartsWith, toPage } from './paging.js'
import type { Executor } from './references.js'
import { keepSharedActivities } from './activities-repository.js'

type CompanyRow = Database['companies']

/** The API shape of a company row. */
export function toCompany (row: CompanyRow): Company {
  return { id: row.id, name: row.name, domain: row.domain, createdAt: row.created_at, updatedAt: row.updated_at }
}

function trimmedName (name: string): string {
  const trimmed = name.trim()
  if (trimmed === '') throw new SwitchboardError('SB_VALIDATION', 'name')
  return trimmed
}

/** Companies of one store, deduped on domain per workspace. */
export function createCompaniesRepository (db: Kysely<Database>) {
  async function holderOf (executor: Executor, ws: WorkspaceId, domain: string, selfId: string | null): Promise<SwitchboardError | undefined> {
    const held = await executor.selectFrom('companies').select('id').where('workspace_id', '=', ws).where('domain', '=', domain).executeTakeFirst()
    if (held === undefined || held.id === selfId) return undefined
    return new SwitchboardError('SB_COMPANY_DUPLICATE', 'domain', { existingId: held.id })
  }

  /** A unique violation the in-transaction check could not see (a concurrent insert on PostgreSQL), answered after rollback. */
  async function explainWriteError (ws: WorkspaceId, error: unknown, domain: string | null, selfId: string | null): Promise<unknown> {
    if (!isUniqueViolation(error) || domain === null) return error
    return await holderOf(db, ws, domain, selfId) ?? new SwitchboardError('SB_COMPANY_DUPLICATE', 'domain', { cause: error })
  }

  return {
    /** Creates a company; its domain, when given, is unique in the workspace (409 with the holder's id). */
    async create (ws: WorkspaceId, input: CreateCompany): Promise<Company> {
      const name = trimmedName(input.name)
      const domain = input.domain == null ? null : normaliseDomain(input.domain, 'domain')
      const now = nowIso()
      const row: CompanyRow = { id: newId('company'), workspace_id: ws, name, search_name: searchKey(name), domain, created_at: now, updated_at: now }
      try {
        await db.transaction().execute(async (trx) => {
          const duplicate = domain === null ? undefined : await holderOf(trx, ws, domain, null)
          if (duplicate !== undefined) throw duplicate
          await trx.insertInto('companies').values(row).execute()
        })
      } catch (error) {
        throw await explainWriteError(ws, error, domain, null)
      }
      return toCompany(row)
    },

    async get (ws: WorkspaceId, id: string): Promise<Company | undefined> {
      const row = await db.selectFrom('companies').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : toCompany(row)
    },

    /** A page of companies, newest first; `q` matches the folded name (contains) or the domain (starts with). */
    async list (ws: WorkspaceId, query: CompanyQuery): Promise<{ items: Company[], nextCursor: string | null }> {
      const limit = query.limit ?? DEFAULT_PAGE_SIZE
      let select = db.selectFrom('companies').selectAll().where('workspace_id', '=', ws)
      if (query.cursor !== undefined) select = select.where('id', '<', decodeIdCursor(query.cursor))
      if (query.q !== undefined) {
        const name = searchKey(query.q)
        const domain = query.q.trim().toLowerCase().replace(/^@/, '').replace(/^www\./, '')
        select = select.where((eb) => eb.or([
          likeContains(sql.ref('search_name'), name),
          ...(domain === '' ? [] : [likeStartsWith(sql.ref('domain'), domain)]),
        ]))
      }
      const rows = await select.orderBy('id', 'desc').limit(limit + 1).execute()
      const page = toPage(rows, limit, (last) => encodeCursor(last.id))
      return { items: page.items.map(toCompany), nextCursor: page.nextCursor }
    },

    /** Applies the fields present; `domain: null` clears it. Undefined when not in the workspace. */
    async update (ws: WorkspaceId, id: string, input: UpdateCompany): Promise<Company | undefined> {
      const name = input.name === undefined ? undefined : trimmedName(input.name)
      const domain = input.domain == null ? input.domain : normaliseDomain(input.domain, 'domain')
      try {
        return await db.transaction().execute(async (trx) => {
          const current = await trx.selectFrom('companies').select('id').where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
          if (current === undefined) return undefined
          const duplicate = domain == null ? undefined : await holderOf(trx, ws, domain, id)
          if (duplicate !== undefined) throw duplicate
          const changes: Partial<CompanyRow> = { updated_at: nowIso() }
          if (name !== undefined) Object.assign(changes, { name, search_name: searchKey(name) })
          if (domain !== undefined) changes.domain = domain
          await trx.updateTable('companies').set(changes).where('workspace_id', '=', ws).where('id', '=', id).execute()
          const row = await trx.selectFrom('companies').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirstOrThrow()
          return toCompany(row)
        })
      } catch (error) {
        throw await explainWriteError(ws, error, domain ?? null, id)
      }
    },

    /** Deletes the company; its contacts and deals stay, unlinked (the foreign keys set null), as do activities another record holds. */
    async delete (ws: WorkspaceId, id: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        await keepSharedActivities(trx, ws, 'company_id', id)
        const result = await trx.deleteFrom('companies').where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
        return result.numDeletedRows > 0n
      })
    },
  }
}

export type CompaniesRepository = ReturnType<typeof createCompaniesRepository>
