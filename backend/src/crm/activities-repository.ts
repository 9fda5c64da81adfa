import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.js'
import { newId, nowIso, type WorkspaceId } from '../ids.js'
import { SwitchboardError } from '../errors.js'
import type { Activity, ActivityQuery, CreateActivity, UpdateActivity } from './activity-schemas.js'
import { normaliseEmail } from './normalise.js'
import { DEFAULT_PAGE_SIZE, decodeTimeCursor, encodeTimeCursor, toPage } from './paging.js'
import { assertCompanyExists, assertContactExists, assertDealExists, type Executor } from './references.js'

type ActivityRow = Database['activities']

/** What Switchboard itself records on a timeline (stage changes, WhatsApp messages); the caller vouches for the links. */
export interface SystemActivityInput {
  type: ActivityRow['type']
  /** Defaults to now. */
  occurredAt?: string | undefined
  contactId?: string | null | undefined
  companyId?: string | null | undefined
  dealId?: string | null | undefined
  authorUserId: string | null
  subject?: string | null | undefined
  body?: string | null | undefined
  data?: Record<string, unknown> | undefined
  source: string
}

/** Who logs an activity by hand. */
export interface Author {
  userId: string
  /** Where the request came from (api, web, gmail…). */
  source: string
}

/** The API shape of an activity row. */
export function toActivity (row: ActivityRow): Activity {
  return {
    id: row.id,
    type: row.type,
    occurredAt: row.occurred_at,
    contactId: row.contact_id,
    companyId: row.company_id,
    dealId: row.deal_id,
    authorUserId: row.author_user_id,
    subject: row.subject,
    body: row.body,
    data: JSON.parse(row.data) as Record<string, unknown>,
    source: row.source,
    createdAt: row.created_at,
  }
}

/** Timestamps are compared as text, so every one is stored in the same UTC form whatever offset it was sent with. */
function utc (timestamp: string, field: string): string {
  const time = Date.parse(timestamp)
  if (Number.isNaN(time)) throw new SwitchboardError('SB_VALIDATION', field)
  return new Date(time).toISOString()
}

/** Writes one timeline entry inside the caller's transaction; for system writers that have checked their links. */
export async function writeActivity (executor: Executor, ws: WorkspaceId, input: SystemActivityInput): Promise<Activity> {
  const now = nowIso()
  const row: ActivityRow = {
    id: newId('activity'),
    workspace_id: ws,
    type: input.type,
    occurred_at: input.occurredAt === undefined ? now : utc(input.occurredAt, 'occurredAt'),
    contact_id: input.contactId ?? null,
    company_id: input.companyId ?? null,
    deal_id: input.dealId ?? null,
    author_user_id: input.authorUserId,
    subject: input.subject ?? null,
    body: input.body ?? null,
    data: JSON.stringify(input.data ?? {}),
    source: input.source,
    created_at: now,
  }
  await executor.insertInto('activities').values(row).execute()
  return toActivity(row)
}

function isBlank (text: string | undefined): boolean {
  return text === undefined || text.trim() === ''
}

/** The type-specific rules the schema cannot say: what a note and a logged email each need. */
function checkLoggable (input: CreateActivity): void {
  if (input.type === 'note') {
    if (isBlank(input.body)) throw new SwitchboardError('SB_VALIDATION', 'body')
    if (input.email !== undefined) throw new SwitchboardError('SB_VALIDATION', 'email')
  } else {
    if (isBlank(input.subject)) throw new SwitchboardError('SB_VALIDATION', 'subject')
    if (input.email === undefined) throw new SwitchboardError('SB_VALIDATION', 'email')
  }
  if (input.contactId === undefined && input.companyId === undefined && input.dealId === undefined) {
    // An activity nobody can reach from a record would be invisible clutter.
    throw new SwitchboardError('SB_VALIDATION', 'contactId')
  }
}

/** Timeline entries of one store: people's notes and logged emails, and what Switchboard records itself. */
export function createActivitiesRepository (db: Kysely<Database>) {
  return {
    /**
     * Logs a note or an email by hand onto the timelines of the contact, company and/or
     * deal it names, each of which must be in the workspace.
     */
    async log (ws: WorkspaceId, input: CreateActivity, author: Author): Promise<Activity> {
      checkLoggable(input)
      const email = input.email
      const data = email === undefined
        ? {}
        : {
            from: normaliseEmail(email.from),
            to: email.to.map(normaliseEmail),
            cc: (email.cc ?? []).map(normaliseEmail),
            ...(email.messageId === undefined ? {} : { messageId: email.messageId }),
            ...(email.date === undefined ? {} : { date: utc(email.date, 'email/date') }),
          }
      return db.transaction().execute(async (trx) => {
        if (input.contactId !== undefined) await assertContactExists(trx, ws, input.contactId, 'contactId')
        if (input.companyId !== undefined) await assertCompanyExists(trx, ws, input.companyId, 'companyId')
        if (input.dealId !== undefined) await assertDealExists(trx, ws, input.dealId, 'dealId')
        return writeActivity(trx, ws, {
          type: input.type,
          // A logged email happened when it was sent, not when someone logged it.
          occurredAt: input.occurredAt ?? email?.date,
          contactId: input.contactId,
          companyId: input.companyId,
          dealId: input.dealId,
          authorUserId: author.userId,
          subject: input.subject,
          body: input.body,
          data,
          source: author.source,
        })
      })
    },

    /** Records a system activity (a WhatsApp message, a stage change), inside the caller's transaction when given. */
    async record (ws: WorkspaceId, input: SystemActivityInput, executor: Executor = db): Promise<Activity> {
      return writeActivity(executor, ws, input)
    },

    async get (ws: WorkspaceId, id: string): Promise<Activity | undefined> {
      const row = await db.selectFrom('activities').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : toActivity(row)
    },

    /** A timeline page, newest first by when it happened; filters combine (AND). */
    async list (ws: WorkspaceId, query: ActivityQuery): Promise<{ items: Activity[], nextCursor: string | null }> {
      const limit = query.limit ?? DEFAULT_PAGE_SIZE
      let select = db.selectFrom('activities').selectAll().where('workspace_id', '=', ws)
      if (query.contactId !== undefined) select = select.where('contact_id', '=', query.contactId)
      if (query.companyId !== undefined) select = select.where('company_id', '=', query.companyId)
      if (query.dealId !== undefined) select = select.where('deal_id', '=', query.dealId)
      if (query.cursor !== undefined) {
        const after = decodeTimeCursor(query.cursor)
        select = select.where((eb) => eb.or([
          eb('occurred_at', '<', after.at),
          eb.and([eb('occurred_at', '=', after.at), eb('id', '<', after.id)]),
        ]))
      }
      const rows = await select.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute()
      const page = toPage(rows, limit, (last) => encodeTimeCursor(last.occurred_at, last.id))
      return { items: page.items.map(toActivity), nextCursor: page.nextCursor }
    },

    /**
     * Edits a note's subject or body. Other types are records of something that happened
     * (an email sent, a stage moved) and are refused with `SB_ACTIVITY_NOT_EDITABLE`.
     */
    async update (ws: WorkspaceId, id: string, input: UpdateActivity): Promise<Activity | undefined> {
      if (input.body !== undefined && isBlank(input.body)) throw new SwitchboardError('SB_VALIDATION', 'body')
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('activities').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
        if (row === undefined) return undefined
        if (row.type !== 'note') throw new SwitchboardError('SB_ACTIVITY_NOT_EDITABLE')
        const changes: Partial<ActivityRow> = {}
        if (input.subject !== undefined) changes.subject = input.subject
        if (input.body !== undefined) changes.body = input.body
        if (Object.keys(changes).length === 0) return toActivity(row)
        await trx.updateTable('activities').set(changes).where('workspace_id', '=', ws).where('id', '=', id).execute()
        return toActivity({ ...row, ...changes })
      })
    },

    async delete (ws: WorkspaceId, id: string): Promise<boolean> {
      const result = await db.deleteFrom('activities').where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
      return result.numDeletedRows > 0n
    },
  }
}

export type ActivitiesRepository = ReturnType<typeof createActivitiesRepository>

/**
 * Before a record is deleted, unlinks it from activities that another record still
 * holds, so deleting a contact does not erase the email logged on their deal; the
 * foreign keys' cascade then removes only the activities that belonged to it alone.
 */
export async function keepSharedActivities (executor: Executor, ws: WorkspaceId, link: 'contact_id' | 'company_id' | 'deal_id', id: string): Promise<void> {
  const others = (['contact_id', 'company_id', 'deal_id'] as const).filter((l) => l !== link)
  await executor.updateTable('activities').set({ [link]: null })
    .where('workspace_id', '=', ws).where(link, '=', id)
    .where((eb) => eb.or(others.map((l) => eb(l, 'is not', null))))
    .execute()
}
