import { sql, type Kysely } from 'kysely'
import type { Database } from '../store/schema.js'
import { newId, nowIso, type WorkspaceId } from '../ids.js'
import { SwitchboardError } from '../errors.js'
import type { CreateDeal, Deal, DealQuery, UpdateDeal } from './deal-schemas.js'
import { fromMinorUnits, isKnownCurrency, toMinorUnits } from './money.js'
import { searchKey } from './normalise.js'
import { DEFAULT_PAGE_SIZE, decodeIdCursor, encodeCursor, likeContains, toPage } from './paging.js'
import { assertCompanyExists, assertContactsExist, assertOwnerExists, unique, type Executor } from './references.js'
import { keepSharedActivities, writeActivity, type Author } from './activities-repository.js'
import { NO_EVENTS, type EventSink } from '../events/outbox.js'

type DealRow = Database['deals']
type StageRow = Database['pipeline_stages']

/** The API shape of a deal row and its contact ids. */
export function toDeal (row: DealRow, contactIds: string[]): Deal {
  return {
    id: row.id,
    title: row.title,
    amount: row.amount_minor === null || row.currency === null ? null : fromMinorUnits(row.amount_minor, row.currency),
    currency: row.currency,
    pipelineId: row.pipeline_id,
    stageId: row.stage_id,
    status: row.status,
    contactIds,
    companyId: row.company_id,
    ownerUserId: row.owner_user_id,
    expectedClose: row.expected_close,
    source: row.source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** A stage's outcome decides the deal's status: won and lost stages close it, the rest keep it open. */
function statusOf (stage: StageRow): DealRow['status'] {
  return stage.outcome ?? 'open'
}

function trimmedTitle (title: string): string {
  const trimmed = title.trim()
  if (trimmed === '') throw new SwitchboardError('SB_VALIDATION', 'title')
  return trimmed
}

/** Amount and currency as stored; an amount needs a currency the runtime knows, with no more decimals than it has. */
function money (amount: number | null, currency: string | null): { amount_minor: number | null, currency: string | null } {
  const code = currency === null ? null : currency.toUpperCase()
  if (code !== null && !isKnownCurrency(code)) throw new SwitchboardError('SB_VALIDATION', 'currency')
  if (amount === null) return { amount_minor: null, currency: code }
  if (code === null) throw new SwitchboardError('SB_VALIDATION', 'currency')
  return { amount_minor: toMinorUnits(amount, code, 'amount'), currency: code }
}

async function contactIdsOf (executor: Executor, ws: WorkspaceId, dealIds: readonly string[]): Promise<Map<string, string[]>> {
  const byDeal = new Map<string, string[]>(dealIds.map((id) => [id, []]))
  if (dealIds.length === 0) return byDeal
  const links = await executor.selectFrom('deal_contacts').select(['deal_id', 'contact_id'])
    .where('workspace_id', '=', ws).where('deal_id', 'in', dealIds).orderBy('contact_id').execute()
  for (const link of links) byDeal.get(link.deal_id)?.push(link.contact_id)
  return byDeal
}

async function stageById (executor: Executor, ws: WorkspaceId, id: string): Promise<StageRow | undefined> {
  return executor.selectFrom('pipeline_stages').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
}

async function firstStage (executor: Executor, ws: WorkspaceId, pipelineId: string): Promise<StageRow> {
  const stage = await executor.selectFrom('pipeline_stages').selectAll()
    .where('workspace_id', '=', ws).where('pipeline_id', '=', pipelineId).orderBy('position').limit(1).executeTakeFirst()
  if (stage === undefined) throw new SwitchboardError('SB_STAGE_NOT_FOUND', 'stageId')
  return stage
}

async function assertPipelineExists (executor: Executor, ws: WorkspaceId, id: string): Promise<void> {
  const row = await executor.selectFrom('pipelines').select('id').where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
  if (row === undefined) throw new SwitchboardError('SB_PIPELINE_NOT_FOUND', 'pipelineId')
}

/** The stage `stageId` names in `pipelineId`, or that pipeline's first stage when none is named. */
async function stageIn (executor: Executor, ws: WorkspaceId, pipelineId: string, stageId: string | undefined): Promise<StageRow> {
  if (stageId === undefined) return firstStage(executor, ws, pipelineId)
  const stage = await stageById(executor, ws, stageId)
  if (stage === undefined || stage.pipeline_id !== pipelineId) throw new SwitchboardError('SB_STAGE_NOT_FOUND', 'stageId')
  return stage
}

/** Where a new deal starts: the named stage (its pipeline implied), else the first stage of the named or the first pipeline. */
async function placeNew (executor: Executor, ws: WorkspaceId, pipelineId: string | undefined, stageId: string | undefined): Promise<StageRow> {
  if (pipelineId !== undefined) {
    await assertPipelineExists(executor, ws, pipelineId)
    return stageIn(executor, ws, pipelineId, stageId)
  }
  if (stageId !== undefined) {
    const stage = await stageById(executor, ws, stageId)
    if (stage === undefined) throw new SwitchboardError('SB_STAGE_NOT_FOUND', 'stageId')
    return stage
  }
  // Ids are time-ordered, so the lowest is the workspace's oldest pipeline: the default one.
  const first = await executor.selectFrom('pipelines').select('id').where('workspace_id', '=', ws).orderBy('id').limit(1).executeTakeFirst()
  if (first === undefined) throw new SwitchboardError('SB_PIPELINE_NOT_FOUND', 'pipelineId')
  return firstStage(executor, ws, first.id)
}

/**
 * Deals of one store; stage moves land on the deal's timeline, and are announced to
 * `events` as `deal.stage_changed`, in the same transaction.
 */
export function createDealsRepository (db: Kysely<Database>, events: EventSink = NO_EVENTS) {
  async function load (executor: Executor, ws: WorkspaceId, id: string): Promise<Deal | undefined> {
    const row = await executor.selectFrom('deals').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
    if (row === undefined) return undefined
    const contacts = await contactIdsOf(executor, ws, [id])
    return toDeal(row, contacts.get(id) ?? [])
  }

  async function assertReferences (executor: Executor, ws: WorkspaceId, input: { companyId?: string | null | undefined, ownerUserId?: string | null | undefined }, contactIds: string[] | undefined): Promise<void> {
    if (input.companyId != null) await assertCompanyExists(executor, ws, input.companyId, 'companyId')
    if (input.ownerUserId != null) await assertOwnerExists(executor, ws, input.ownerUserId, 'ownerUserId')
    if (contactIds !== undefined) await assertContactsExist(executor, ws, contactIds, 'contactIds')
  }

  async function linkContacts (executor: Executor, ws: WorkspaceId, dealId: string, contactIds: readonly string[]): Promise<void> {
    if (contactIds.length === 0) return
    await executor.insertInto('deal_contacts').values(contactIds.map((contactId) => ({ workspace_id: ws, deal_id: dealId, contact_id: contactId }))).execute()
  }

  /**
   * Applies `input` to the deal in one transaction. A new stage sets the status from its
   * outcome and writes one `stage_change` activity; the same stage writes nothing.
   */
  async function update (ws: WorkspaceId, id: string, input: UpdateDeal, author: Author): Promise<Deal | undefined> {
    const title = input.title === undefined ? undefined : trimmedTitle(input.title)
    const contactIds = input.contactIds
    return db.transaction().execute(async (trx) => {
      const current = await trx.selectFrom('deals').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
      if (current === undefined) return undefined
      await assertReferences(trx, ws, input, contactIds)
      const changes: Partial<DealRow> = { updated_at: nowIso() }
      if (title !== undefined) Object.assign(changes, { title, search_title: searchKey(title) })
      if (input.amount !== undefined || input.currency !== undefined) {
        const currency = input.currency === undefined ? current.currency : input.currency
        const amount = input.amount !== undefined
          ? input.amount
          : current.amount_minor === null || current.currency === null ? null : fromMinorUnits(current.amount_minor, current.currency)
        Object.assign(changes, money(amount, currency))
      }
      if (input.companyId !== undefined) changes.company_id = input.companyId
      if (input.ownerUserId !== undefined) changes.owner_user_id = input.ownerUserId
      if (input.expectedClose !== undefined) changes.expected_close = input.expectedClose

      const pipelineChanges = input.pipelineId !== undefined && input.pipelineId !== current.pipeline_id
      let moved: { from: { pipelineId: string, stageId: string, stage: string }, to: { pipelineId: string, stageId: string, stage: string } } | undefined
      if (input.stageId !== undefined || pipelineChanges) {
        const pipelineId = input.pipelineId ?? current.pipeline_id
        if (pipelineChanges) await assertPipelineExists(trx, ws, pipelineId)
        const target = await stageIn(trx, ws, pipelineId, input.stageId)
        if (target.id !== current.stage_id) {
          const from = await stageById(trx, ws, current.stage_id)
          Object.assign(changes, { pipeline_id: pipelineId, stage_id: target.id, status: statusOf(target) })
          moved = {
            from: { pipelineId: current.pipeline_id, stageId: current.stage_id, stage: from?.name ?? '' },
            to: { pipelineId, stageId: target.id, stage: target.name },
          }
          await writeActivity(trx, ws, {
            type: 'stage_change',
            dealId: id,
            authorUserId: author.userId,
            source: author.source,
            data: {
              fromStageId: current.stage_id,
              toStageId: target.id,
              fromStage: from?.name ?? null,
              toStage: target.name,
              ...(pipelineChanges ? { fromPipelineId: current.pipeline_id, toPipelineId: pipelineId } : {}),
            },
          })
        }
      }
      await trx.updateTable('deals').set(changes).where('workspace_id', '=', ws).where('id', '=', id).execute()
      if (contactIds !== undefined) {
        await trx.deleteFrom('deal_contacts').where('workspace_id', '=', ws).where('deal_id', '=', id).execute()
        await linkContacts(trx, ws, id, unique(contactIds))
      }
      const deal = (await load(trx, ws, id))!
      if (moved !== undefined) await events.emit(trx, ws, 'deal.stage_changed', { deal, ...moved, changedBy: author.userId })
      return deal
    })
  }

  return {
    /**
     * Creates a deal in the named stage, else the first stage of the named pipeline,
     * else of the workspace's first pipeline; its status follows the stage's outcome.
     */
    async create (ws: WorkspaceId, input: CreateDeal, author: Author): Promise<Deal> {
      const title = trimmedTitle(input.title)
      const amounts = money(input.amount ?? null, input.currency ?? null)
      const contactIds = input.contactIds ?? []
      return db.transaction().execute(async (trx) => {
        const stage = await placeNew(trx, ws, input.pipelineId, input.stageId)
        await assertReferences(trx, ws, input, contactIds)
        const now = nowIso()
        const row: DealRow = {
          id: newId('deal'),
          workspace_id: ws,
          title,
          search_title: searchKey(title),
          ...amounts,
          pipeline_id: stage.pipeline_id,
          stage_id: stage.id,
          company_id: input.companyId ?? null,
          owner_user_id: input.ownerUserId ?? null,
          expected_close: input.expectedClose ?? null,
          status: statusOf(stage),
          source: author.source,
          created_at: now,
          updated_at: now,
        }
        await trx.insertInto('deals').values(row).execute()
        const linked = unique(contactIds)
        await linkContacts(trx, ws, row.id, linked)
        return toDeal(row, [...linked].sort())
      })
    },

    async get (ws: WorkspaceId, id: string): Promise<Deal | undefined> {
      return load(db, ws, id)
    },

    /** A page of deals, newest first; the filters combine (AND), `q` matches the folded title. */
    async list (ws: WorkspaceId, query: DealQuery): Promise<{ items: Deal[], nextCursor: string | null }> {
      const limit = query.limit ?? DEFAULT_PAGE_SIZE
      let select = db.selectFrom('deals').selectAll().where('workspace_id', '=', ws)
      if (query.cursor !== undefined) select = select.where('id', '<', decodeIdCursor(query.cursor))
      if (query.pipelineId !== undefined) select = select.where('pipeline_id', '=', query.pipelineId)
      if (query.stageId !== undefined) select = select.where('stage_id', '=', query.stageId)
      if (query.status !== undefined) select = select.where('status', '=', query.status)
      if (query.companyId !== undefined) select = select.where('company_id', '=', query.companyId)
      if (query.contactId !== undefined) {
        const contactId = query.contactId
        select = select.where('id', 'in', (eb) => eb.selectFrom('deal_contacts').select('deal_contacts.deal_id')
          .where('deal_contacts.workspace_id', '=', ws).where('deal_contacts.contact_id', '=', contactId))
      }
      if (query.q !== undefined) select = select.where(likeContains(sql.ref('search_title'), searchKey(query.q)))
      const rows = await select.orderBy('id', 'desc').limit(limit + 1).execute()
      const page = toPage(rows, limit, (last) => encodeCursor(last.id))
      const contacts = await contactIdsOf(db, ws, page.items.map((r) => r.id))
      return { items: page.items.map((row) => toDeal(row, contacts.get(row.id) ?? [])), nextCursor: page.nextCursor }
    },

    update,

    /** Moves the deal to another stage of its pipeline: `update` with only a stage. */
    async moveStage (ws: WorkspaceId, id: string, stageId: string, author: Author): Promise<Deal | undefined> {
      return update(ws, id, { stageId }, author)
    },

    /** Deletes the deal with its contact links and the activities only it held (its stage changes). */
    async delete (ws: WorkspaceId, id: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        await keepSharedActivities(trx, ws, 'deal_id', id)
        const result = await trx.deleteFrom('deals').where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
        return result.numDeletedRows > 0n
      })
    },
  }
}

export type DealsRepository = ReturnType<typeof createDealsRepository>
