import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.js'
import { nowIso, type WorkspaceId } from '../ids.js'
import type { MessageTemplate } from './cloud-api/types.js'
import type { ConnectionService } from './connection-service.js'
import { fillTemplate, templateVariables, type TemplateVariable } from './template-variables.js'

/** A template as the add-ons see it: what to fill in, and what it reads like. */
export interface TemplateView {
  name: string
  language: string
  status: string
  category: string
  parameterFormat: 'NAMED' | 'POSITIONAL'
  variables: TemplateVariable[]
  /** The message with its placeholders, for a first look. */
  text: string
}

function toTemplate (row: Database['whatsapp_templates']): MessageTemplate {
  return {
    id: row.template_id,
    name: row.name,
    language: row.language,
    status: row.status,
    category: row.category,
    parameterFormat: row.parameter_format as 'NAMED' | 'POSITIONAL',
    components: JSON.parse(row.components) as MessageTemplate['components'],
  }
}

export function toTemplateView (template: MessageTemplate): TemplateView {
  return {
    name: template.name,
    language: template.language,
    status: template.status,
    category: template.category,
    parameterFormat: template.parameterFormat,
    variables: templateVariables(template),
    text: fillTemplate(template, {}).text,
  }
}

/**
 * The workspace's copy of its Meta templates. Synced from the WABA on demand and kept
 * current by template-status webhooks, so a send never waits on Meta's management API
 * (which allows a few thousand calls an hour).
 */
export function createTemplatesService (deps: { db: Kysely<Database>, connection: ConnectionService }) {
  const { db } = deps
  return {
    /** Replaces the stored templates with the WABA's current list. */
    async sync (ws: WorkspaceId): Promise<number> {
      const { client, connection } = await deps.connection.client(ws)
      const templates = await client.listAllTemplates(connection.wabaId!)
      const now = nowIso()
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('whatsapp_templates').where('workspace_id', '=', ws).execute()
        if (templates.length === 0) return
        await trx.insertInto('whatsapp_templates').values(templates.map((t) => ({
          workspace_id: ws,
          template_id: t.id,
          name: t.name,
          language: t.language,
          status: t.status,
          category: t.category,
          parameter_format: t.parameterFormat,
          components: JSON.stringify(t.components),
          updated_at: now,
        }))).execute()
      })
      return templates.length
    },

    async list (ws: WorkspaceId, options: { status?: string | undefined } = {}): Promise<MessageTemplate[]> {
      let query = db.selectFrom('whatsapp_templates').selectAll().where('workspace_id', '=', ws)
      if (options.status !== undefined) query = query.where('status', '=', options.status)
      const rows = await query.orderBy('name').orderBy('language').execute()
      return rows.map(toTemplate)
    },

    async find (ws: WorkspaceId, name: string, language: string): Promise<MessageTemplate | undefined> {
      const row = await db.selectFrom('whatsapp_templates').selectAll()
        .where('workspace_id', '=', ws).where('name', '=', name).where('language', '=', language).executeTakeFirst()
      return row === undefined ? undefined : toTemplate(row)
    },
  }
}

export type TemplatesService = ReturnType<typeof createTemplatesService>
