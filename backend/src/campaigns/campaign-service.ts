import type { Kysely } from 'kysely'
import type { Database, RecipientStatus } from '../store/schema.js'
import { nowIso, type WorkspaceId } from '../ids.js'
import { SwitchboardError } from '../errors.js'
import type { WorkspacesRepository } from '../identity/workspaces-repository.js'
import { normalisePhone } from '../crm/normalise.js'
import type { ConnectionsRepository } from '../whatsapp/connections-repository.js'
import type { ConnectionService } from '../whatsapp/connection-service.js'
import type { MessagesRepository, ThreadMessage } from '../whatsapp/messages-repository.js'
import type { TemplatesService } from '../whatsapp/templates-service.js'
import { fillTemplate } from '../whatsapp/template-variables.js'
import type { MessageTemplate } from '../whatsapp/cloud-api/types.js'
import { AmbiguousSendError, CloudApiError } from '../whatsapp/cloud-api/errors.js'
import type { Campaign, CampaignsRepository, Recipient, RecipientChange } from './campaigns-repository.js'
import { checkRows, type RowProblem, type SubmittedRow } from './row-validation.js'
import { zonedTimeToUtc } from './schedule.js'
import { campaignFinished } from './finished-event.js'
import { NO_EVENTS, type EventSink } from '../events/outbox.js'

export interface NewCampaignInput {
  name: string
  template: { name: string, language: string }
  variableMapping?: Record<string, string> | undefined
  phoneNumberId?: string | undefined
  source?: string | undefined
}

/** What happened to one submitted row, reported back by its key. */
export type RowResult =
  | { rowKey: string, outcome: 'accepted', recipientId: string }
  | { rowKey: string, outcome: 'existing' | 'requeued', recipientId: string, status: RecipientStatus }
  | { rowKey: string, outcome: 'rejected', problem: RowProblem, detail: string | null }

export interface SubmissionResult {
  campaignId: string
  accepted: number
  existing: number
  requeued: number
  rejected: number
  rows: RowResult[]
}

const OPEN_FOR_ROWS = new Set(['draft', 'scheduled', 'running', 'paused', 'completed'])

/** A change-feed position: a sequence number, and the last recipient id seen within it. */
export interface ChangeCursor { seq: number, id: string }

export function parseChangeCursor (cursor: string | undefined): ChangeCursor {
  if (cursor === undefined || cursor === '') return { seq: 0, id: '' }
  const match = /^(\d{1,15}):([a-z0-9_]{0,40})$/.exec(cursor)
  if (match === null) throw new SwitchboardError('SB_CURSOR_INVALID', 'cursor')
  return { seq: Number(match[1]), id: match[2]! }
}

function formatChangeCursor (cursor: ChangeCursor): string {
  return `${cursor.seq}:${cursor.id}`
}

/**
 * Campaigns as the Sheets add-on drives them: create from an approved template, submit
 * rows in chunks (each checked and answered by row key; a retried or re-run chunk adds
 * nobody), start now or at a local time, pause, resume, cancel, and read back only what
 * changed. Sending itself is the sender worker's job.
 */
export function createCampaignService (deps: {
  db: Kysely<Database>
  campaigns: CampaignsRepository
  workspaces: WorkspacesRepository
  connections: ConnectionsRepository
  connection: ConnectionService
  templates: TemplatesService
  messages: MessagesRepository
  /** Where `campaign.finished` is announced when a campaign is cancelled. */
  events?: EventSink
}) {
  const { db, campaigns, workspaces, connections, templates } = deps
  const events = deps.events ?? NO_EVENTS

  async function campaignOf (ws: WorkspaceId, id: string): Promise<Campaign> {
    const campaign = await campaigns.get(ws, id)
    if (campaign === undefined) throw new SwitchboardError('SB_CAMPAIGN_NOT_FOUND')
    return campaign
  }

  async function approvedTemplate (ws: WorkspaceId, name: string, language: string, field: string): Promise<MessageTemplate> {
    const template = await templates.find(ws, name, language)
    if (template === undefined) throw new SwitchboardError('SB_WHATSAPP_TEMPLATE_NOT_FOUND', field)
    if (template.status !== 'APPROVED') throw new SwitchboardError('SB_WHATSAPP_TEMPLATE_NOT_APPROVED', field, { detail: template.status })
    return template
  }

  /** Contacts known by these numbers: who opted out of marketing, and which contact each number is. */
  async function contactsByPhone (ws: WorkspaceId, phones: readonly string[]): Promise<{ optedOut: Set<string>, contactOf: Map<string, string> }> {
    const optedOut = new Set<string>()
    const contactOf = new Map<string, string>()
    for (let i = 0; i < phones.length; i += 400) {
      const rows = await db.selectFrom('contact_phones as p').innerJoin('contacts as c', 'c.id', 'p.contact_id')
        .select(['p.phone', 'c.id', 'c.marketing_status'])
        .where('p.workspace_id', '=', ws).where('p.phone', 'in', phones.slice(i, i + 400)).where('c.workspace_id', '=', ws)
        .execute()
      for (const row of rows) {
        contactOf.set(row.phone, row.id)
        if (row.marketing_status === 'opted_out') optedOut.add(row.phone)
      }
    }
    return { optedOut, contactOf }
  }

  async function submit (ws: WorkspaceId, campaignId: string, submitted: readonly SubmittedRow[], options: { resendFailed: boolean, dryRun: boolean }): Promise<SubmissionResult> {
    // A row key names one sheet row: a key repeated in one request is the later rows'
    // mistake. They are rejected as `duplicate_in_request`, never folded into the first row's
    // result (which would tell the sheet two rows were queued when one phone is never sent).
    const firstAt = new Map<string, number>()
    const repeated: number[] = []
    submitted.forEach((row, i) => {
      if (firstAt.has(row.rowKey)) repeated.push(i)
      else firstAt.set(row.rowKey, i)
    })
    const rows = repeated.length === 0 ? submitted : submitted.filter((_, i) => firstAt.get(submitted[i]!.rowKey) === i)
    const campaign = await campaignOf(ws, campaignId)
    if (!OPEN_FOR_ROWS.has(campaign.state)) throw new SwitchboardError('SB_CAMPAIGN_STATE', undefined, { detail: campaign.state })
    const template = await approvedTemplate(ws, campaign.templateName, campaign.templateLanguage, 'template')
    const workspace = await workspaces.get(ws)
    const defaultCountry = workspace?.defaultCountry ?? null

    const readable = rows.flatMap((r) => {
      try {
        return [normalisePhone(r.phone, defaultCountry)]
      } catch {
        return []
      }
    })
    const existing = await campaigns.recipientsByKeys(ws, campaignId, rows.map((r) => r.rowKey), readable)
    const byKey = new Map(existing.map((r) => [r.row_key, r]))
    const phonesInCampaign = new Map(existing.map((r) => [r.phone, r.row_key]))
    const { optedOut, contactOf } = await contactsByPhone(ws, readable)

    const results: RowResult[] = []
    const fresh: SubmittedRow[] = []
    const requeue: RecipientChange[] = []
    for (const row of rows) {
      const held = byKey.get(row.rowKey)
      if (held === undefined) {
        fresh.push(row)
      } else if (options.resendFailed && held.status === 'failed') {
        requeue.push({ id: held.id, from: 'failed', to: 'pending', set: { next_attempt_at: nowIso(), error_code: null, reason: null, failed_at: null, wamid: null, message_id: null } })
        results.push({ rowKey: row.rowKey, outcome: 'requeued', recipientId: held.id, status: 'pending' })
      } else {
        results.push({ rowKey: row.rowKey, outcome: 'existing', recipientId: held.id, status: held.status })
      }
    }
    const checked = checkRows(fresh, { template, defaultCountry, optedOut, phonesInCampaign })
    for (const rejection of checked.rejected) results.push({ rowKey: rejection.rowKey, outcome: 'rejected', problem: rejection.problem, detail: rejection.detail })

    let inserted = new Map<string, string>()
    if (!options.dryRun) {
      await db.transaction().execute(async (trx) => {
        inserted = await campaigns.addRecipients(trx, ws, campaignId, checked.valid.map((r) => ({ ...r, contactId: contactOf.get(r.phone) ?? null })))
        // A requeued row passes through `failed → pending` as a change the feed reports.
        await campaigns.transition(trx, ws, campaignId, requeue)
        // New work for a campaign that had finished: it runs again.
        if ((inserted.size > 0 || requeue.length > 0) && campaign.state === 'completed') await campaigns.update(ws, campaignId, { state: 'running', completed_at: null }, trx)
      })
    }
    for (const row of checked.valid) {
      const id = options.dryRun ? '' : inserted.get(row.rowKey)
      // Lost a race to a concurrent chunk with the same row: it is there, just not ours.
      if (id === undefined) results.push({ rowKey: row.rowKey, outcome: 'existing', recipientId: '', status: 'pending' })
      else results.push({ rowKey: row.rowKey, outcome: 'accepted', recipientId: id })
    }
    // In the order sent; a repeated key keeps its own position, after the first.
    const placed = results.map((r) => ({ r, at: firstAt.get(r.rowKey) ?? 0 }))
    for (const i of repeated) {
      const rowKey = submitted[i]!.rowKey
      placed.push({ r: { rowKey, outcome: 'rejected', problem: 'duplicate_in_request', detail: rowKey }, at: i })
    }
    placed.sort((a, b) => a.at - b.at)
    const all = placed.map((p) => p.r)
    const count = (outcome: RowResult['outcome']): number => all.filter((r) => r.outcome === outcome).length
    return { campaignId, accepted: count('accepted'), existing: count('existing'), requeued: count('requeued'), rejected: count('rejected'), rows: all }
  }

  return {
    async create (ws: WorkspaceId, input: NewCampaignInput, createdBy: string | null): Promise<Campaign> {
      const template = await approvedTemplate(ws, input.template.name, input.template.language, 'template/name')
      const numbers = await connections.listNumbers(ws)
      if (numbers.length === 0) throw new SwitchboardError('SB_WHATSAPP_NOT_CONNECTED')
      const number = input.phoneNumberId === undefined ? numbers[0]! : numbers.find((n) => n.id === input.phoneNumberId)
      if (number === undefined) throw new SwitchboardError('SB_WHATSAPP_NOT_CONNECTED', 'phoneNumberId')
      return campaigns.create(ws, {
        name: input.name,
        template_name: template.name,
        template_language: template.language,
        template_category: template.category,
        variable_mapping: JSON.stringify(input.variableMapping ?? {}),
        phone_number_id: number.id,
        schedule_at: null,
        source: input.source ?? 'api',
        created_by: createdBy,
      })
    },

    get: campaignOf,

    list: (ws: WorkspaceId, options: { limit: number, beforeId?: string | undefined }) => campaigns.list(ws, options),

    /** Stores the valid rows as pending recipients; every row is answered by its key. */
    submit: (ws: WorkspaceId, campaignId: string, rows: readonly SubmittedRow[], resendFailed: boolean) => submit(ws, campaignId, rows, { resendFailed, dryRun: false }),

    /** The same checks as `submit`, storing nothing: the add-on's validation summary. */
    validate: (ws: WorkspaceId, campaignId: string, rows: readonly SubmittedRow[]) => submit(ws, campaignId, rows, { resendFailed: false, dryRun: true }),

    /** The final message one row would receive. */
    async preview (ws: WorkspaceId, campaignId: string, variables: Record<string, string>): Promise<{ text: string, missing: string[] }> {
      const campaign = await campaignOf(ws, campaignId)
      const template = await approvedTemplate(ws, campaign.templateName, campaign.templateLanguage, 'template')
      const filled = fillTemplate(template, variables)
      return { text: filled.text, missing: filled.missing }
    },

    /** Sends the template once to one number (yours) to see it on a phone; not part of any campaign. */
    async testSend (ws: WorkspaceId, input: { template: { name: string, language: string }, variables: Record<string, string>, phone: string }, authorUserId: string | null): Promise<ThreadMessage> {
      const template = await approvedTemplate(ws, input.template.name, input.template.language, 'template/name')
      const filled = fillTemplate(template, input.variables)
      if (filled.missing.length > 0) throw new SwitchboardError('SB_WHATSAPP_TEMPLATE_PARAMETER_MISSING', `variables/${filled.missing[0]!}`)
      if (filled.invalid.length > 0) throw new SwitchboardError('SB_VALIDATION', `variables/${filled.invalid[0]!}`, { detail: 'must be an https:// link' })
      const workspace = await workspaces.get(ws)
      const phone = normalisePhone(input.phone, workspace?.defaultCountry ?? null)
      const { client } = await deps.connection.client(ws)
      const number = (await connections.listNumbers(ws)).find((n) => n.status === 'active')
      if (number === undefined) throw new SwitchboardError('SB_WHATSAPP_NUMBER_PAUSED')
      const id = await deps.messages.createOutbound(ws, { contactId: null, phoneNumberId: number.id, waId: phone.slice(1), type: 'template', body: filled.text, templateName: template.name, templateLanguage: template.language, authorUserId, source: 'campaign_test' })
      try {
        const sent = await client.sendTemplate(number.id, phone, { name: template.name, languageCode: template.language, components: filled.components })
        await deps.messages.markAccepted(ws, id, sent.wamid)
      } catch (error) {
        if (error instanceof AmbiguousSendError) {
          await deps.messages.markUnknown(ws, id)
          throw new SwitchboardError('SB_WHATSAPP_SEND_UNKNOWN', undefined, { cause: error })
        }
        if (error instanceof CloudApiError) {
          await deps.messages.markFailed(ws, id, error.code, error.title)
          throw new SwitchboardError('SB_WHATSAPP_SEND_REJECTED', undefined, { detail: `${error.code}: ${error.title}`, cause: error })
        }
        throw error
      }
      return (await deps.messages.get(ws, id))!
    },

    /** Starts now, or at `scheduleAt` (a local time in the workspace's zone, or an ISO instant). */
    async start (ws: WorkspaceId, campaignId: string, scheduleAt: string | undefined): Promise<Campaign> {
      const campaign = await campaignOf(ws, campaignId)
      if (campaign.state !== 'draft' && campaign.state !== 'paused' && campaign.state !== 'scheduled') throw new SwitchboardError('SB_CAMPAIGN_STATE', undefined, { detail: campaign.state })
      if (campaign.counts.total === 0) throw new SwitchboardError('SB_CAMPAIGN_EMPTY')
      await approvedTemplate(ws, campaign.templateName, campaign.templateLanguage, 'template')
      let at: string | null = null
      if (scheduleAt !== undefined) {
        const workspace = await workspaces.get(ws)
        let instant: Date
        try {
          instant = /[zZ]|[+-]\d{2}:\d{2}$/.test(scheduleAt) ? new Date(scheduleAt) : zonedTimeToUtc(scheduleAt, workspace?.timeZone ?? 'UTC')
        } catch {
          throw new SwitchboardError('SB_SCHEDULE_INVALID', 'scheduleAt')
        }
        if (Number.isNaN(instant.getTime()) || instant.getTime() < Date.now() - 60_000) throw new SwitchboardError('SB_SCHEDULE_INVALID', 'scheduleAt')
        at = instant.toISOString()
      }
      await campaigns.update(ws, campaignId, at === null
        ? { state: 'running', schedule_at: null, state_reason: null, started_at: campaign.startedAt ?? nowIso() }
        : { state: 'scheduled', schedule_at: at, state_reason: null })
      return campaignOf(ws, campaignId)
    },

    async pause (ws: WorkspaceId, campaignId: string, reason: string): Promise<Campaign> {
      const campaign = await campaignOf(ws, campaignId)
      if (campaign.state !== 'running' && campaign.state !== 'scheduled') throw new SwitchboardError('SB_CAMPAIGN_STATE', undefined, { detail: campaign.state })
      await campaigns.update(ws, campaignId, { state: 'paused', state_reason: reason })
      return campaignOf(ws, campaignId)
    },

    async resume (ws: WorkspaceId, campaignId: string): Promise<Campaign> {
      const campaign = await campaignOf(ws, campaignId)
      if (campaign.state !== 'paused') throw new SwitchboardError('SB_CAMPAIGN_STATE', undefined, { detail: campaign.state })
      const future = campaign.scheduleAt !== null && Date.parse(campaign.scheduleAt) > Date.now()
      await campaigns.update(ws, campaignId, { state: future ? 'scheduled' : 'running', state_reason: null, started_at: campaign.startedAt ?? (future ? null : nowIso()) })
      return campaignOf(ws, campaignId)
    },

    /** Stops for good: recipients not yet sent are cancelled (and reported as such by the feed). */
    async cancel (ws: WorkspaceId, campaignId: string): Promise<Campaign> {
      const campaign = await campaignOf(ws, campaignId)
      if (campaign.state === 'completed' || campaign.state === 'cancelled') throw new SwitchboardError('SB_CAMPAIGN_STATE', undefined, { detail: campaign.state })
      await db.transaction().execute(async (trx) => {
        await campaigns.update(ws, campaignId, { state: 'cancelled', state_reason: null, completed_at: nowIso() }, trx)
        const pending = await trx.selectFrom('campaign_recipients').select('id').where('campaign_id', '=', campaignId).where('workspace_id', '=', ws).where('status', '=', 'pending').execute()
        await campaigns.transition(trx, ws, campaignId, pending.map((r) => ({ id: r.id, from: 'pending' as const, to: 'cancelled' as const })))
        await events.emit(trx, ws, 'campaign.finished', () => campaignFinished(trx, ws, campaignId))
      })
      return campaignOf(ws, campaignId)
    },

    /**
     * Recipients changed after the cursor, oldest change first, and the cursor to pass next
     * time. The cursor is `<sequence>:<recipient id>`; an empty one starts from the beginning.
     */
    async changes (ws: WorkspaceId, campaignId: string, cursor: string | undefined, limit: number): Promise<{ campaign: Campaign, items: Recipient[], cursor: string, more: boolean }> {
      const campaign = await campaignOf(ws, campaignId)
      const after = parseChangeCursor(cursor)
      const items = await campaigns.changes(ws, campaignId, after, limit + 1)
      const page = items.slice(0, limit)
      const last = page[page.length - 1]
      return { campaign, items: page, cursor: last === undefined ? formatChangeCursor(after) : `${last.changeSeq}:${last.id}`, more: items.length > limit }
    },

    recipients: (ws: WorkspaceId, campaignId: string, options: { limit: number, afterId?: string | undefined, status?: RecipientStatus | undefined }) => campaigns.recipients(ws, campaignId, options),
  }
}

export type CampaignService = ReturnType<typeof createCampaignService>
