import { sql, type Expression, type Kysely, type SqlBool, type Transaction } from 'kysely'
import type { Database } from '../store/schema.js'
import type { Dialect } from '../store/database.js'
import { newId, nowIso, type WorkspaceId } from '../ids.js'
import { SwitchboardError } from '../errors.js'
import { isUniqueViolation, violatedConstraint } from '../store/constraint-errors.js'
import type { Contact, ContactQuery, CreateContact, UpdateContact } from './contact-schemas.js'
import { digitsOf, normaliseEmail, normalisePhone, readEmail, searchKey } from './normalise.js'
import { DEFAULT_PAGE_SIZE, decodeIdCursor, encodeCursor, likeContains, likeStartsWith, toPage } from './paging.js'
import { keepSharedActivities } from './activities-repository.js'
import { prepare } from '../store/prepared.js'
import { assertCompanyExists, assertOwnerExists, defaultCountryOf, unique, type Executor } from './references.js'
import { NO_EVENTS, type EventSink } from '../events/outbox.js'
import { CONTACT_CHANGE_FIELDS, type ContactChangeField } from '../events/catalog.js'
import { whatsappPhones } from './wa-id.js'

type ContactRow = Database['contacts']

const E164 = /^\+[1-9][0-9]{6,14}$/

/** Who is writing, as far as the record's provenance is concerned. */
export interface WriteContext {
  /** Where the request came from (api, web, gmail…); becomes the record's source and the default marketing source. */
  source: string
}

/** A normalised email or phone with the request path it came from, for error fields. */
interface Value {
  value: string
  field: string
}

interface SearchTerms {
  /** Folded for the name column; may be '' (matches every name), which is right for a query of spaces. */
  name: string
  /** Lower-cased, for email prefixes. */
  text: string
  /** Lower-cased without a leading @, for company domain prefixes. */
  domain: string
  /** Three or more digits, matched inside stored E.164 numbers. */
  digits: string | undefined
  /** The whole query read as a phone number, when it is one. */
  number: string | undefined
}

interface ContactValues {
  emails?: Value[]
  phones?: Value[]
}

/** The API shape of a contact row and its emails and phones (already in position order). */
export function toContact (row: ContactRow, emails: string[], phones: string[]): Contact {
  return {
    id: row.id,
    name: row.name,
    emails,
    phones,
    whatsappId: row.whatsapp_id,
    companyId: row.company_id,
    tags: JSON.parse(row.tags) as string[],
    ownerUserId: row.owner_user_id,
    marketing: { status: row.marketing_status, source: row.marketing_status_source, updatedAt: row.marketing_status_at },
    source: row.source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** The emails and phones of these contacts in one statement, as rows tagged `e` or `p`. */
function valuesQuery (executor: Executor, ws: WorkspaceId, ids: readonly string[]) {
  return executor.selectFrom('contact_emails')
    .select(['contact_id', 'email as value', 'position', sql<string>`'e'`.as('kind')])
    .where('workspace_id', '=', ws).where('contact_id', 'in', ids)
    .unionAll(executor.selectFrom('contact_phones')
      .select(['contact_id', 'phone as value', 'position', sql<string>`'p'`.as('kind')])
      .where('workspace_id', '=', ws).where('contact_id', 'in', ids))
}

interface ValueRow {
  contact_id: string
  value: string
  position: number
  kind: string
}

/** One contact's value rows as its emails and phones, each in position order. */
function splitValues (values: ValueRow[]): [emails: string[], phones: string[]] {
  const sorted = [...values].sort((a, b) => a.position - b.position)
  return [sorted.filter((v) => v.kind === 'e').map((v) => v.value), sorted.filter((v) => v.kind === 'p').map((v) => v.value)]
}

/**
 * Loads the emails and phones of `rows` in one query and returns the contacts in the
 * rows' order. Callers fetch the rows however they filter; this is the second and last query.
 */
export async function withValues (executor: Executor, ws: WorkspaceId, rows: readonly ContactRow[]): Promise<Contact[]> {
  if (rows.length === 0) return []
  const values = await valuesQuery(executor, ws, rows.map((r) => r.id)).execute()
  const byContact = new Map<string, ValueRow[]>(rows.map((r) => [r.id, []]))
  for (const v of values) byContact.get(v.contact_id)?.push(v)
  return rows.map((row) => toContact(row, ...splitValues(byContact.get(row.id) ?? [])))
}

/** Tags compare case-insensitively and are stored lower-cased, trimmed and without repeats. */
function normaliseTags (tags: readonly string[]): string[] {
  return unique(tags.map((t) => t.trim().toLowerCase()).filter((t) => t !== ''))
}

function trimmedName (name: string): string {
  const trimmed = name.trim()
  if (trimmed === '') throw new SwitchboardError('SB_VALIDATION', 'name')
  return trimmed
}

/** Normalises each list, drops repeats within it, and remembers where each value came from. */
function normaliseList (inputs: readonly string[], field: string, normalise: (input: string, field: string) => string): Value[] {
  const seen = new Set<string>()
  const result: Value[] = []
  inputs.forEach((input, index) => {
    const path = `${field}/${index}`
    const value = normalise(input, path)
    if (seen.has(value)) return
    seen.add(value)
    result.push({ value, field: path })
  })
  return result
}

type FoldedContactRow = ContactRow & { folded_emails: string | null, folded_phones: string | null }

// Unit separator: cannot occur in a normalised email or an E.164 number.
const FOLD_SEPARATOR = '\u001f'

/** A contact's values of one kind as one string, in position order, separated by FOLD_SEPARATOR. */
function folded (dialect: Dialect, table: 'contact_emails' | 'contact_phones', column: 'email' | 'phone') {
  return dialect === 'postgres'
    ? sql<string | null>`(select string_agg(v.${sql.ref(column)}, chr(31) order by v.position) from ${sql.table(table)} as v where v.contact_id = c.id)`
    : sql<string | null>`(select group_concat(v.${sql.ref(column)}, char(31)) from (select ${sql.ref(column)}, position from ${sql.table(table)} where contact_id = c.id order by position) as v)`
}

function unfold (value: string | null): string[] {
  return value === null ? [] : value.split(FOLD_SEPARATOR)
}

/** Marketing consent sources that record the user's own action on WhatsApp. */
export const WHATSAPP_CONSENT_SOURCES = ['whatsapp_keyword', 'whatsapp_user_preferences'] as const

/** The fields whose value differs between two versions of a contact (for `contact.updated`). */
function changedFields (before: Contact, after: Contact): ContactChangeField[] {
  return CONTACT_CHANGE_FIELDS.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]))
}

/**
 * Contacts of one store with their emails and phones, deduped on both per workspace.
 * Creations and changes announce `contact.created` / `contact.updated` to `events` inside
 * their transaction.
 */
export function createContactsRepository (db: Kysely<Database>, dialect: Dialect, events: EventSink = NO_EVENTS) {
  // The lookup hot path: one primary-key probe joined to the contact, its emails and
  // phones folded into the same row, compiled once: a single query per lookup.
  const emailsOf = folded(dialect, 'contact_emails', 'email')
  const phonesOf = folded(dialect, 'contact_phones', 'phone')
  const contactByEmail = prepare(db, 2, (ws: WorkspaceId, email: string) => db.selectFrom('contact_emails as k')
    .innerJoin('contacts as c', 'c.id', 'k.contact_id').selectAll('c').select([emailsOf.as('folded_emails'), phonesOf.as('folded_phones')])
    .where('k.workspace_id', '=', ws).where('k.email', '=', email).where('c.workspace_id', '=', ws))
  const contactByPhone = prepare(db, 2, (ws: WorkspaceId, phone: string) => db.selectFrom('contact_phones as k')
    .innerJoin('contacts as c', 'c.id', 'k.contact_id').selectAll('c').select([emailsOf.as('folded_emails'), phonesOf.as('folded_phones')])
    .where('k.workspace_id', '=', ws).where('k.phone', '=', phone).where('c.workspace_id', '=', ws))

  /** Normalises before any transaction opens: the workspace's default country is a read. */
  async function normaliseValues (ws: WorkspaceId, input: { emails?: readonly string[] | undefined, phones?: readonly string[] | undefined }): Promise<ContactValues> {
    const values: ContactValues = {}
    if (input.emails !== undefined) values.emails = normaliseList(input.emails, 'emails', readEmail)
    if (input.phones !== undefined) {
      const phones = input.phones
      const country = phones.some((p) => !p.trim().startsWith('+')) ? await defaultCountryOf(db, ws) : null
      values.phones = normaliseList(phones, 'phones', (p, field) => normalisePhone(p, country, field))
    }
    return values
  }

  /** The first value (emails before phones, in request order) that another contact already holds. */
  async function findDuplicate (executor: Executor, ws: WorkspaceId, values: ContactValues, selfId: string | null): Promise<SwitchboardError | undefined> {
    const emails = values.emails ?? []
    if (emails.length > 0) {
      const held = await executor.selectFrom('contact_emails').select(['email', 'contact_id'])
        .where('workspace_id', '=', ws).where('email', 'in', emails.map((e) => e.value)).execute()
      const duplicate = firstHeld(emails, held.map((h) => ({ value: h.email, contactId: h.contact_id })), selfId)
      if (duplicate !== undefined) return duplicate
    }
    const phones = values.phones ?? []
    if (phones.length > 0) {
      const held = await executor.selectFrom('contact_phones').select(['phone', 'contact_id'])
        .where('workspace_id', '=', ws).where('phone', 'in', phones.map((p) => p.value)).execute()
      return firstHeld(phones, held.map((h) => ({ value: h.phone, contactId: h.contact_id })), selfId)
    }
    return undefined
  }

  function firstHeld (values: Value[], held: Array<{ value: string, contactId: string }>, selfId: string | null): SwitchboardError | undefined {
    for (const v of values) {
      const owner = held.find((h) => h.value === v.value && h.contactId !== selfId)
      if (owner !== undefined) return new SwitchboardError('SB_CONTACT_DUPLICATE', v.field, { existingId: owner.contactId })
    }
    return undefined
  }

  /**
   * The check inside the transaction answers duplicates; this covers the race it cannot
   * (two PostgreSQL transactions inserting the same email at once): once the loser has
   * rolled back, find who holds the value, else name the list without an id.
   */
  async function explainWriteError (ws: WorkspaceId, error: unknown, values: ContactValues, selfId: string | null): Promise<unknown> {
    if (!isUniqueViolation(error)) return error
    const duplicate = await findDuplicate(db, ws, values, selfId)
    if (duplicate !== undefined) return duplicate
    const field = violatedConstraint(error).includes('contact_phones') ? 'phones' : 'emails'
    return new SwitchboardError('SB_CONTACT_DUPLICATE', field, { cause: error })
  }

  async function insertValues (executor: Executor, ws: WorkspaceId, contactId: string, values: ContactValues): Promise<void> {
    if (values.emails !== undefined && values.emails.length > 0) {
      await executor.insertInto('contact_emails')
        .values(values.emails.map((e, position) => ({ workspace_id: ws, contact_id: contactId, email: e.value, position }))).execute()
    }
    if (values.phones !== undefined && values.phones.length > 0) {
      await executor.insertInto('contact_phones')
        .values(values.phones.map((p, position) => ({ workspace_id: ws, contact_id: contactId, phone: p.value, position }))).execute()
    }
  }

  async function assertReferences (executor: Executor, ws: WorkspaceId, input: { companyId?: string | null | undefined, ownerUserId?: string | null | undefined }): Promise<void> {
    if (input.companyId != null) await assertCompanyExists(executor, ws, input.companyId, 'companyId')
    if (input.ownerUserId != null) await assertOwnerExists(executor, ws, input.ownerUserId, 'ownerUserId')
  }

  async function load (executor: Executor, ws: WorkspaceId, id: string): Promise<Contact | undefined> {
    const row = await executor.selectFrom('contacts').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
    if (row === undefined) return undefined
    const [contact] = await withValues(executor, ws, [row])
    return contact
  }

  /** A contact the caller's transaction has just written. */
  async function loaded (trx: Transaction<Database>, ws: WorkspaceId, id: string): Promise<Contact> {
    const contact = await load(trx, ws, id)
    if (contact === undefined) throw new Error('contact vanished inside its own transaction')
    return contact
  }

  /** Sets the contact's WhatsApp id unless it has one; a change is a `contact.updated`. */
  async function linkWhatsappId (trx: Transaction<Database>, ws: WorkspaceId, contactId: string, waId: string): Promise<void> {
    const result = await trx.updateTable('contacts').set({ whatsapp_id: waId, updated_at: nowIso() })
      .where('workspace_id', '=', ws).where('id', '=', contactId).where('whatsapp_id', 'is', null).executeTakeFirst()
    if (result.numUpdatedRows === 0n) return
    await events.emit(trx, ws, 'contact.updated', () => loaded(trx, ws, contactId).then((contact) => ({ contact, changed: ['whatsappId' as const] })))
  }

  return {
    /**
     * Creates a contact. Emails and phones are normalised and deduped within the request;
     * one already held by another contact of the workspace is a 409 naming it and the
     * holder's id, and nothing is written.
     */
    async create (ws: WorkspaceId, input: CreateContact, context: WriteContext): Promise<Contact> {
      const name = trimmedName(input.name)
      const values = await normaliseValues(ws, { emails: input.emails ?? [], phones: input.phones ?? [] })
      const now = nowIso()
      const row: ContactRow = {
        id: newId('contact'),
        workspace_id: ws,
        name,
        search_name: searchKey(name),
        whatsapp_id: input.whatsappId ?? null,
        company_id: input.companyId ?? null,
        owner_user_id: input.ownerUserId ?? null,
        tags: JSON.stringify(normaliseTags(input.tags ?? [])),
        marketing_status: input.marketing?.status ?? 'unknown',
        marketing_status_source: input.marketing === undefined ? null : input.marketing.source ?? context.source,
        marketing_status_at: input.marketing === undefined ? null : now,
        source: context.source,
        created_at: now,
        updated_at: now,
        last_inbound_at: null,
      }
      const created = (): Contact => toContact(row, (values.emails ?? []).map((e) => e.value), (values.phones ?? []).map((p) => p.value))
      try {
        await db.transaction().execute(async (trx) => {
          await assertReferences(trx, ws, input)
          const duplicate = await findDuplicate(trx, ws, values, null)
          if (duplicate !== undefined) throw duplicate
          await trx.insertInto('contacts').values(row).execute()
          await insertValues(trx, ws, row.id, values)
          await events.emit(trx, ws, 'contact.created', { contact: created() })
        })
      } catch (error) {
        throw await explainWriteError(ws, error, values, null)
      }
      return created()
    },

    async get (ws: WorkspaceId, id: string): Promise<Contact | undefined> {
      return load(db, ws, id)
    },

    /**
     * The contact holding this email or phone: the hot path of every add-on screen. One
     * primary-key probe joined to the contact, then its emails and phones: two queries.
     * `phone` may be in any format; a number that cannot be read is `SB_PHONE_INVALID`.
     */
    async lookup (ws: WorkspaceId, by: { email: string } | { phone: string }): Promise<Contact | undefined> {
      let row: FoldedContactRow | undefined
      if ('email' in by) {
        [row] = await contactByEmail(ws, normaliseEmail(by.email))
      } else {
        const typed = by.phone.trim()
        // Stored numbers are valid E.164, so one typed in that form needs no parsing to be found;
        // only a miss must tell an unknown number (404) from an unreadable one (400).
        if (E164.test(typed)) [row] = await contactByPhone(ws, typed)
        if (row === undefined) {
          const country = typed.startsWith('+') ? null : await defaultCountryOf(db, ws)
          const phone = normalisePhone(typed, country, 'phone')
          if (phone !== typed) [row] = await contactByPhone(ws, phone)
        }
      }
      if (row === undefined) return undefined
      return toContact(row, unfold(row.folded_emails), unfold(row.folded_phones))
    },

    /**
     * A page of contacts, newest first. `q` matches the folded name (contains), an email
     * (starts with), a phone (contains the digits, or equals the number when `q` reads as
     * one) or the company's domain (starts with).
     */
    async list (ws: WorkspaceId, query: ContactQuery): Promise<{ items: Contact[], nextCursor: string | null }> {
      const limit = query.limit ?? DEFAULT_PAGE_SIZE
      let select = db.selectFrom('contacts').selectAll().where('workspace_id', '=', ws)
      if (query.cursor !== undefined) select = select.where('id', '<', decodeIdCursor(query.cursor))
      if (query.companyId !== undefined) select = select.where('company_id', '=', query.companyId)
      if (query.tag !== undefined) {
        // Tags are a JSON array of lower-cased strings without quotes, so `"tag"` matches one element exactly.
        select = select.where(likeContains(sql.ref('tags'), JSON.stringify(query.tag.trim().toLowerCase())))
      }
      if (query.q !== undefined) {
        const terms = await searchTerms(ws, query.q)
        select = select.where((eb) => {
          const matches: Array<Expression<SqlBool>> = [likeContains(eb.ref('contacts.search_name'), terms.name)]
          if (terms.text !== '') {
            matches.push(eb('contacts.id', 'in', eb.selectFrom('contact_emails').select('contact_emails.contact_id')
              .where('contact_emails.workspace_id', '=', ws).where(likeStartsWith(sql.ref('contact_emails.email'), terms.text))))
          }
          if (terms.domain !== '') {
            matches.push(eb('contacts.company_id', 'in', eb.selectFrom('companies').select('companies.id')
              .where('companies.workspace_id', '=', ws).where(likeStartsWith(sql.ref('companies.domain'), terms.domain))))
          }
          if (terms.digits !== undefined) {
            const { digits, number } = terms
            matches.push(eb('contacts.id', 'in', eb.selectFrom('contact_phones').select('contact_phones.contact_id')
              .where('contact_phones.workspace_id', '=', ws)
              .where((inner) => inner.or([
                likeContains(inner.ref('contact_phones.phone'), digits),
                ...(number === undefined ? [] : [inner('contact_phones.phone', '=', number)]),
              ]))))
          }
          return eb.or(matches)
        })
      }
      const rows = await select.orderBy('id', 'desc').limit(limit + 1).execute()
      const page = toPage(rows, limit, (last) => encodeCursor(last.id))
      return { items: await withValues(db, ws, page.items), nextCursor: page.nextCursor }
    },

    /**
     * Applies the fields present in `input`; `emails`, `phones` and `tags` replace their
     * lists, null clears. A new marketing status records its source and time. Undefined
     * when the contact is not in the workspace.
     */
    async update (ws: WorkspaceId, id: string, input: UpdateContact, context: WriteContext): Promise<Contact | undefined> {
      const name = input.name === undefined ? undefined : trimmedName(input.name)
      const values = await normaliseValues(ws, input)
      try {
        return await db.transaction().execute(async (trx) => {
          const current = await trx.selectFrom('contacts').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
          if (current === undefined) return undefined
          const before = (await withValues(trx, ws, [current]))[0]!
          await assertReferences(trx, ws, input)
          const duplicate = await findDuplicate(trx, ws, values, id)
          if (duplicate !== undefined) throw duplicate
          const now = nowIso()
          const changes: Partial<ContactRow> = { updated_at: now }
          if (name !== undefined) Object.assign(changes, { name, search_name: searchKey(name) })
          if (input.whatsappId !== undefined) changes.whatsapp_id = input.whatsappId
          if (input.companyId !== undefined) changes.company_id = input.companyId
          if (input.ownerUserId !== undefined) changes.owner_user_id = input.ownerUserId
          if (input.tags !== undefined) changes.tags = JSON.stringify(normaliseTags(input.tags))
          if (input.marketing !== undefined && input.marketing.status !== current.marketing_status) {
            // Consent evidence: who or what changed it, and when; an unchanged status keeps its record.
            Object.assign(changes, { marketing_status: input.marketing.status, marketing_status_source: input.marketing.source ?? context.source, marketing_status_at: now })
          }
          await trx.updateTable('contacts').set(changes).where('workspace_id', '=', ws).where('id', '=', id).execute()
          if (values.emails !== undefined) await trx.deleteFrom('contact_emails').where('workspace_id', '=', ws).where('contact_id', '=', id).execute()
          if (values.phones !== undefined) await trx.deleteFrom('contact_phones').where('workspace_id', '=', ws).where('contact_id', '=', id).execute()
          await insertValues(trx, ws, id, values)
          const after = (await load(trx, ws, id))!
          const changed = changedFields(before, after)
          if (changed.length > 0) await events.emit(trx, ws, 'contact.updated', { contact: after, changed })
          return after
        })
      } catch (error) {
        throw await explainWriteError(ws, error, values, id)
      }
    },

    /**
     * The contact a WhatsApp user writes from, created when the workspace has none: first
     * by `whatsapp_id`, then by a phone equal to the wa_id in E.164 (with Brazil's and
     * Mexico's wa_id spellings), else a new contact named after the WhatsApp profile (or
     * the number) with source `whatsapp`. A contact found by phone is linked to the wa_id.
     * Runs in the caller's transaction; phones stay unique per workspace, so a race with
     * another writer ends in a unique violation for the caller to retry, never a duplicate.
     */
    async findOrCreateForWhatsapp (ws: WorkspaceId, input: { waId: string, profileName?: string | undefined }, executor: Transaction<Database>): Promise<{ contactId: string, created: boolean }> {
      const { waId } = input
      const linked = await executor.selectFrom('contacts').select('id')
        .where('workspace_id', '=', ws).where('whatsapp_id', '=', waId).orderBy('id').limit(1).executeTakeFirst()
      if (linked !== undefined) return { contactId: linked.id, created: false }
      const phones = whatsappPhones(waId)
      const byPhone = await executor.selectFrom('contact_phones').select('contact_id')
        .where('workspace_id', '=', ws).where('phone', 'in', phones).orderBy('position').limit(1).executeTakeFirst()
      const now = nowIso()
      if (byPhone !== undefined) {
        await linkWhatsappId(executor, ws, byPhone.contact_id, waId)
        return { contactId: byPhone.contact_id, created: false }
      }
      const phone = phones.find((p) => {
        try {
          return normalisePhone(p, null) === p
        } catch {
          return false
        }
      })
      const name = input.profileName?.trim().slice(0, 200) || `+${waId}`
      const row: ContactRow = {
        id: newId('contact'),
        workspace_id: ws,
        name,
        search_name: searchKey(name),
        whatsapp_id: waId,
        company_id: null,
        owner_user_id: null,
        tags: '[]',
        marketing_status: 'unknown',
        marketing_status_source: null,
        marketing_status_at: null,
        source: 'whatsapp',
        created_at: now,
        updated_at: now,
        last_inbound_at: null,
      }
      await executor.insertInto('contacts').values(row).execute()
      if (phone !== undefined) await insertValues(executor, ws, row.id, { phones: [{ value: phone, field: 'phones/0' }] })
      await events.emit(executor, ws, 'contact.created', () => loaded(executor, ws, row.id).then((contact) => ({ contact })))
      return { contactId: row.id, created: true }
    },

    /**
     * Records that the contact wrote to us at `at` (which opens the 24-hour window). Keeps
     * the latest time: webhooks arrive out of order, and an old message must not shorten it.
     */
    async touchLastInbound (ws: WorkspaceId, contactId: string, at: string, executor: Executor = db): Promise<void> {
      await executor.updateTable('contacts').set({ last_inbound_at: at })
        .where('workspace_id', '=', ws).where('id', '=', contactId)
        .where((eb) => eb.or([eb('last_inbound_at', 'is', null), eb('last_inbound_at', '<', at)]))
        .execute()
    },

    /**
     * Sets marketing consent from something the user did on WhatsApp at `at` (source one of
     * `WHATSAPP_CONSENT_SOURCES`). Webhooks arrive out of order, so a decision recorded
     * later than `at` wins: a delayed "stop" does not undo a newer "resume", nor a delayed
     * "resume" a newer opt-out. One exception errs towards silence: the user's own "stop"
     * always beats a decision the team recorded. True when the status was written.
     */
    async setMarketingFromWhatsapp (ws: WorkspaceId, contactId: string, change: { status: 'opted_in' | 'opted_out', source: typeof WHATSAPP_CONSENT_SOURCES[number], at: string }, executor: Transaction<Database>): Promise<boolean> {
      const result = await executor.updateTable('contacts')
        .set({ marketing_status: change.status, marketing_status_source: change.source, marketing_status_at: change.at, updated_at: nowIso() })
        .where('workspace_id', '=', ws).where('id', '=', contactId)
        .where((eb) => eb.or([
          eb('marketing_status_at', 'is', null),
          eb('marketing_status_at', '<=', change.at),
          ...(change.status === 'opted_out'
            ? [eb('marketing_status_source', 'is', null), eb('marketing_status_source', 'not in', WHATSAPP_CONSENT_SOURCES)]
            : []),
        ]))
        .executeTakeFirst()
      if (result.numUpdatedRows === 0n) return false
      await events.emit(executor, ws, 'contact.updated', () => loaded(executor, ws, contactId).then((contact) => ({ contact, changed: ['marketing' as const] })))
      return true
    },

    /** Remembers the WhatsApp id Meta answered a send with, when the contact had none. */
    async linkWhatsappId (ws: WorkspaceId, contactId: string, waId: string): Promise<void> {
      await db.transaction().execute((trx) => linkWhatsappId(trx, ws, contactId, waId))
    },

    /** Deletes the contact with its emails, phones, deal links and the activities only it held. False when not in the workspace. */
    async delete (ws: WorkspaceId, id: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        await keepSharedActivities(trx, ws, 'contact_id', id)
        const result = await trx.deleteFrom('contacts').where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
        return result.numDeletedRows > 0n
      })
    },
  }

  /** What `q` is matched as; the phone number form needs a read, so it is worked out before the query is built. */
  async function searchTerms (ws: WorkspaceId, q: string): Promise<SearchTerms> {
    const text = q.trim().toLowerCase()
    const digits = digitsOf(q)
    return {
      name: searchKey(q),
      text,
      domain: text.replace(/^@/, ''),
      digits: digits.length >= 3 ? digits : undefined,
      number: digits.length >= 3 ? await readableNumber(ws, q) : undefined,
    }
  }

  /** `q` as an E.164 number when it reads as one: "020 7946 0958" shares no digit run with +442079460958. */
  async function readableNumber (ws: WorkspaceId, q: string): Promise<string | undefined> {
    try {
      const country = q.trim().startsWith('+') ? null : await defaultCountryOf(db, ws)
      return normalisePhone(q, country, 'q')
    } catch {
      return undefined
    }
  }
}

export type ContactsRepository = ReturnType<typeof createContactsRepository>
