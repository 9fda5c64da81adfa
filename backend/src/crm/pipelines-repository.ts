import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../store/schema.js'
import { newId, nowIso, type WorkspaceId } from '../ids.js'
import { SwitchboardError } from '../errors.js'

export interface Stage {
  id: string
  name: string
  position: number
  outcome: 'won' | 'lost' | null
}

export interface Pipeline {
  id: string
  name: string
  stages: Stage[]
  createdAt: string
}

export interface StageInput {
  /** Present to keep (and possibly rename or move) an existing stage; absent to add one. */
  id?: string | undefined
  name: string
  outcome?: 'won' | 'lost' | null | undefined
}

type Db = Kysely<Database> | Transaction<Database>

function stageKey (name: string): string {
  return name.trim().toLowerCase()
}

function assertUniqueNames (stages: readonly StageInput[]): void {
  const seen = new Set<string>()
  stages.forEach((stage, index) => {
    const key = stageKey(stage.name)
    if (seen.has(key)) throw new SwitchboardError('SB_STAGE_DUPLICATE', `stages/${index}/name`)
    seen.add(key)
  })
}

export function createPipelinesRepository (db: Kysely<Database>) {
  async function load (ws: WorkspaceId, ids: readonly string[] | undefined, executor: Db): Promise<Pipeline[]> {
    let query = executor.selectFrom('pipelines').selectAll().where('workspace_id', '=', ws)
    if (ids !== undefined) {
      if (ids.length === 0) return []
      query = query.where('id', 'in', ids)
    }
    const pipelines = await query.orderBy('id').execute()
    if (pipelines.length === 0) return []
    const stages = await executor.selectFrom('pipeline_stages').selectAll()
      .where('workspace_id', '=', ws).where('pipeline_id', 'in', pipelines.map((p) => p.id))
      .orderBy('pipeline_id').orderBy('position').execute()
    return pipelines.map((p) => ({
      id: p.id,
      name: p.name,
      createdAt: p.created_at,
      stages: stages.filter((s) => s.pipeline_id === p.id).map((s) => ({ id: s.id, name: s.name, position: s.position, outcome: s.outcome })),
    }))
  }

  async function insertStages (ws: WorkspaceId, pipelineId: string, stages: readonly StageInput[], trx: Transaction<Database>): Promise<void> {
    await trx.insertInto('pipeline_stages').values(stages.map((stage, position) => ({
      id: newId('stage'), workspace_id: ws, pipeline_id: pipelineId, name: stage.name.trim(), position, outcome: stage.outcome ?? null,
    }))).execute()
  }

  async function create (ws: WorkspaceId, input: { name: string, stages: readonly StageInput[] }, trx: Transaction<Database>): Promise<Pipeline> {
    assertUniqueNames(input.stages)
    const id = newId('pipeline')
    await trx.insertInto('pipelines').values({ id, workspace_id: ws, name: input.name.trim(), created_at: nowIso() }).execute()
    await insertStages(ws, id, input.stages, trx)
    const [pipeline] = await load(ws, [id], trx)
    if (pipeline === undefined) throw new Error('pipeline vanished inside its own transaction')
    return pipeline
  }

  return {
    /** Creates a pipeline with its stages in order; inside the caller's transaction when given. */
    async create (ws: WorkspaceId, input: { name: string, stages: readonly StageInput[] }, trx?: Transaction<Database>): Promise<Pipeline> {
      return trx === undefined ? db.transaction().execute((own) => create(ws, input, own)) : create(ws, input, trx)
    },

    async get (ws: WorkspaceId, id: string, executor: Db = db): Promise<Pipeline | undefined> {
      const [pipeline] = await load(ws, [id], executor)
      return pipeline
    },

    async list (ws: WorkspaceId): Promise<Pipeline[]> {
      return load(ws, undefined, db)
    },

    /** The stage with its pipeline id, or undefined when it is not in this workspace. */
    async getStage (ws: WorkspaceId, stageId: string, executor: Db = db): Promise<(Stage & { pipelineId: string }) | undefined> {
      const row = await executor.selectFrom('pipeline_stages').selectAll()
        .where('workspace_id', '=', ws).where('id', '=', stageId).executeTakeFirst()
      return row === undefined ? undefined : { id: row.id, name: row.name, position: row.position, outcome: row.outcome, pipelineId: row.pipeline_id }
    },

    /**
     * Renames the pipeline and/or replaces its stage list. Listed stages with an id are
     * kept (renamed, moved); new ones are added; unlisted ones are removed, unless deals
     * still sit in them.
     */
    async update (ws: WorkspaceId, id: string, input: { name?: string | undefined, stages?: readonly StageInput[] | undefined }): Promise<Pipeline> {
      return db.transaction().execute(async (trx) => {
        const current = await getOrThrow(ws, id, trx)
        if (input.name !== undefined) {
          await trx.updateTable('pipelines').set({ name: input.name.trim() }).where('workspace_id', '=', ws).where('id', '=', id).execute()
        }
        if (input.stages !== undefined) {
          assertUniqueNames(input.stages)
          const existing = new Set(current.stages.map((s) => s.id))
          input.stages.forEach((stage, index) => {
            if (stage.id !== undefined && !existing.has(stage.id)) throw new SwitchboardError('SB_STAGE_NOT_FOUND', `stages/${index}/id`)
          })
          const kept = new Set(input.stages.flatMap((s) => s.id === undefined ? [] : [s.id]))
          const removed = current.stages.filter((s) => !kept.has(s.id)).map((s) => s.id)
          if (removed.length > 0) {
            const inUse = await trx.selectFrom('deals').select('id').where('workspace_id', '=', ws).where('stage_id', 'in', removed).limit(1).executeTakeFirst()
            if (inUse !== undefined) throw new SwitchboardError('SB_PIPELINE_IN_USE', 'stages')
            await trx.deleteFrom('pipeline_stages').where('workspace_id', '=', ws).where('id', 'in', removed).execute()
          }
          // Positions are rewritten from the new order; names unique per pipeline were checked above.
          for (const [position, stage] of input.stages.entries()) {
            if (stage.id === undefined) {
              await trx.insertInto('pipeline_stages').values({ id: newId('stage'), workspace_id: ws, pipeline_id: id, name: stage.name.trim(), position, outcome: stage.outcome ?? null }).execute()
            } else {
              await trx.updateTable('pipeline_stages').set({ name: stage.name.trim(), position, outcome: stage.outcome ?? null })
                .where('workspace_id', '=', ws).where('id', '=', stage.id).execute()
            }
          }
        }
        return getOrThrow(ws, id, trx)
      })
    },

    /** Deletes a pipeline that holds no deals. */
    async delete (ws: WorkspaceId, id: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await getOrThrow(ws, id, trx)
        const inUse = await trx.selectFrom('deals').select('id').where('workspace_id', '=', ws).where('pipeline_id', '=', id).limit(1).executeTakeFirst()
        if (inUse !== undefined) throw new SwitchboardError('SB_PIPELINE_IN_USE')
        await trx.deleteFrom('pipelines').where('workspace_id', '=', ws).where('id', '=', id).execute()
      })
    },
  }

  async function getOrThrow (ws: WorkspaceId, id: string, executor: Db): Promise<Pipeline> {
    const [pipeline] = await load(ws, [id], executor)
    if (pipeline === undefined) throw new SwitchboardError('SB_PIPELINE_NOT_FOUND')
    return pipeline
  }
}

export type PipelinesRepository = ReturnType<typeof createPipelinesRepository>
