import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../../store/schema.js'
import type { Dialect } from '../../store/database.js'
import { nowIso, type WorkspaceId } from '../../ids.js'
import type { ContactsRepository } from '../../crm/contacts-repository.js'
import type { ConnectionsRepository } from '../connections-repository.js'
import type { MessagesRepository } from '../messages-repository.js'
import { readEnvelope, type InboundItem, type PreferenceItem, type SkippedPart, type StatusItem, type TemplateItem, type WebhookItem } from './envelope.js'
import type { InboxHooks } from './hooks.js'
import { applyStatusError } from './status-errors.js'
import { applyAccountUpdate, applyNumberLimit } from './account-events.js'

/** The slice of a pino logger the worker uses; Fastify's `app.log` fits. */
export interface WorkerLogger {
  debug (details: object, message: string): void
  info (details: object, message: string): void
  warn (details: object, message: string): void
  error (details: object, message: string): void
}

const SILENT: WorkerLogger = { debug () {}, info () {}, warn () {}, error () {} }

/** What the processor works with: the store, the repositories it writes through, and the hooks. */
export interface InboxProcessorDeps {
  db: Kysely<Database>
  dialect: Dialect
  contacts: ContactsRepository
  messages: MessagesRepository
  connections: ConnectionsRepository
  /** Whole inbound texts that opt the sender out of marketing (compared trimmed, case-insensitively). */
  optOutKeywords: readonly string[]
  hooks: InboxHooks
}

/** Tuning; every option has a default suited to production. */
export interface InboxProcessorOptions {
  /** Rows claimed and committed together (default 100). */
  batchSize?: number
  /** How often the store is checked for rows this process was not told about: other processes, a crash, retries (default 1 s). */
  pollIntervalMs?: number
  /** Attempts before a failing row is left alone for an operator (default 10). */
  maxAttempts?: number
  /** Wait before retrying a row that failed `attempts` times (default 1 s doubling to 5 min). */
  retryDelayMs?: (attempts: number) => number
  /** Processed rows are deleted after this many days: they hold message content (default 7; 0 keeps them). */
  retentionDays?: number
  /**
   * How long a wake-up waits for more rows before claiming (default 10 ms). Under load
   * webhooks arrive one by one; taking them a few dozen at a time shares each batch's
   * claim, lookups and commit among them, which is most of the cost of a small batch.
   */
  lingerMs?: number
  /** Where skipped parts and failures are reported (default: nowhere); `start` may replace it. */
  logger?: WorkerLogger
}

/** The durable worker behind the webhook receiver. */
export interface InboxProcessor {
  /** Starts processing: now, whenever the receiver stores a row, and on every poll. Idempotent. */
  start (options?: { logger?: WorkerLogger }): void
  /** Stops waking up and waits for the batch in progress to commit. */
  stop (): Promise<void>
  /**
   * Processes everything that can be processed now, retries included (ignoring their
   * backoff), until nothing is left but rows that used up their attempts. For tests and
   * one-off runs; works whether or not the processor is started. Returns rows handled.
   */
  drain (): Promise<number>
  readonly running: boolean
}

interface InboxRow {
  id: number
  body: string
  attempts: number
}

interface Prepared {
  row: InboxRow
  items: WebhookItem[]
  skipped: SkippedPart[]
}

interface Owners {
  numbers: Map<string, WorkspaceId | undefined>
  wabas: Map<string, WorkspaceId | undefined>
}

/** Quick-reply payloads that mean "stop marketing"; templates carry them on opt-out buttons. */
const OPT_OUT_PAYLOADS = new Set(['STOP', 'OPT_OUT', 'OPTOUT', 'OPT-OUT', 'UNSUBSCRIBE', 'STOP_MARKETING'])

/** Template status events and the status each leaves the template in; FLAGGED only warns. */
const TEMPLATE_EVENT_STATUS: Record<string, string | null> = {
  APPROVED: 'APPROVED',
  REJECTED: 'REJECTED',
  PENDING: 'PENDING',
  PAUSED: 'PAUSED',
  DISABLED: 'DISABLED',
  REINSTATED: 'APPROVED',
  IN_APPEAL: 'IN_APPEAL',
  PENDING_DELETION: 'PENDING_DELETION',
  DELETED: 'DELETED',
  ARCHIVED: 'ARCHIVED',
  UNARCHIVED: 'APPROVED',
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  LOCKED: 'LOCKED',
  FLAGGED: null,
}

const PRUNE_EVERY_MS = 10 * 60_000
const PRUNE_CHUNK = 5000

/** How people type a keyword: any case, stray spaces, a final full stop or exclamation mark. */
function keywordForm (text: string): string {
  return text.normalize('NFC').trim().toLowerCase().replace(/\s+/g, ' ').replace(/[.!¡]+$/u, '').trim()
}

/** The error's kind for logs and `last_error`: its type and driver code, never its message (which can quote data). */
function errorKind (error: unknown): string {
  if (!(error instanceof Error)) return 'non-error thrown'
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' || typeof code === 'number' ? `${error.name} ${code}` : error.name
}

function defaultRetryDelay (attempts: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempts - 1), 5 * 60_000)
}

/**
 * Processes stored webhooks: claims unprocessed `webhook_inbox` rows oldest first, applies
 * each envelope (every entry, change, status and message), and marks the rows processed
 * in the same transaction, so a crash at any point leaves each row either untouched (done
 * again later) or fully applied. Rows of a batch commit together; if one fails, the batch
 * is redone row by row so only that row is held back, with its attempts and error kind
 * recorded and retried later with backoff, up to `maxAttempts`.
 */
export function createInboxProcessor (deps: InboxProcessorDeps, options: InboxProcessorOptions = {}): InboxProcessor {
  const { db, dialect, contacts, messages, connections, hooks } = deps
  const batchSize = options.batchSize ?? 100
  const pollIntervalMs = options.pollIntervalMs ?? 1000
  const maxAttempts = options.maxAttempts ?? 10
  const retryDelayMs = options.retryDelayMs ?? defaultRetryDelay
  const retentionDays = options.retentionDays ?? 7
  const lingerMs = options.lingerMs ?? 10
  const keywords = new Set(deps.optOutKeywords.map(keywordForm))

  let log: WorkerLogger = options.logger ?? SILENT
  let started = false
  let dirty = false
  let retriesDue = false
  let pump: Promise<void> | undefined
  let timer: NodeJS.Timeout | undefined
  let unsubscribe: (() => void) | undefined
  let lastPrune = 0
  let pausedUntil = 0
  // Only one batch at a time in this process: drain() and the pump take turns.
  let turn: Promise<unknown> = Promise.resolve()
  /** When each failed row may be tried again; a restarted process retries them at once. */
  const retryAt = new Map<number, number>()

  function exclusive<T> (work: () => Promise<T>): Promise<T> {
    const next = turn.then(work)
    turn = next.catch(() => undefined)
    return next
  }

  // The SQLite driver answers synchronously, so a batch never yields to the event loop on
  // its own; yielding between batches keeps the receiver answering Meta while we catch up.
  const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
  const linger = (): Promise<void> => lingerMs > 0 ? new Promise((resolve) => setTimeout(resolve, lingerMs)) : yieldToIo()

  async function claimFresh (): Promise<InboxRow[]> {
    return db.selectFrom('webhook_inbox').select(['id', 'body', 'attempts'])
      .where('processed_at', 'is', null).where('attempts', '=', 0)
      .orderBy('id').limit(batchSize).execute()
  }

  async function claimRetries (ignoreBackoff: boolean): Promise<InboxRow[]> {
    const rows = await db.selectFrom('webhook_inbox').select(['id', 'body', 'attempts'])
      .where('processed_at', 'is', null).where('attempts', '>', 0).where('attempts', '<', maxAttempts)
      .orderBy('id').limit(batchSize).execute()
    if (ignoreBackoff) return rows
    const now = Date.now()
    return rows.filter((r) => (retryAt.get(r.id) ?? 0) <= now)
  }

  /** Workspaces of the numbers and WABAs a batch names, looked up before its transaction opens. */
  async function resolveOwners (batch: Prepared[]): Promise<Owners> {
    const owners: Owners = { numbers: new Map(), wabas: new Map() }
    for (const { items } of batch) {
      for (const item of items) {
        if (item.kind === 'template' || item.kind === 'number_limit' || item.kind === 'account') {
          if (!owners.wabas.has(item.wabaId)) owners.wabas.set(item.wabaId, await connections.workspaceOfWaba(item.wabaId))
        } else if (!owners.numbers.has(item.phoneNumberId)) {
          owners.numbers.set(item.phoneNumberId, (await connections.ownerOfNumber(item.phoneNumberId))?.workspaceId)
        }
      }
    }
    return owners
  }

  async function applyStatus (trx: Transaction<Database>, ws: WorkspaceId, item: StatusItem): Promise<void> {
    const event = {
      wamid: item.wamid,
      status: item.status,
      phoneNumberId: item.phoneNumberId,
      recipientId: item.recipientId,
      occurredAt: item.occurredAt,
      errorCode: item.errorCode,
      errorTitle: item.errorTitle,
      bizOpaqueCallbackData: item.bizOpaqueCallbackData,
    }
    const recorded = await messages.applyStatus(ws, event, trx)
    if (!recorded) return
    if (item.status === 'failed' && item.errorCode !== null) {
      await applyStatusError(trx, ws, { phoneNumberId: item.phoneNumberId, recipientId: item.recipientId, errorCode: item.errorCode, errorTitle: item.errorTitle, occurredAt: item.occurredAt }, { contacts, connections })
    }
    for (const listener of hooks.statusListeners) await listener({ ...event, workspaceId: ws }, trx)
  }

  function optsOut (item: InboundItem): boolean {
    if (item.payload !== undefined && OPT_OUT_PAYLOADS.has(item.payload.trim().toUpperCase())) return true
    // A typed text, or the label of a tapped button ("Stop"): the whole message, not a word in it.
    const said = item.text ?? (item.type === 'button' || item.type === 'interactive' ? item.body ?? undefined : undefined)
    return said !== undefined && keywords.has(keywordForm(said))
  }

  async function applyInbound (trx: Transaction<Database>, ws: WorkspaceId, item: InboundItem): Promise<void> {
    const { contactId, created } = await contacts.findOrCreateForWhatsapp(ws, { waId: item.waId, profileName: item.profileName }, trx)
    const stored = await messages.recordInbound(ws, {
      contactId,
      phoneNumberId: item.phoneNumberId,
      waId: item.waId,
      wamid: item.wamid,
      type: item.type,
      body: item.body,
      contextWamid: item.contextWamid,
      receivedAt: item.sentAt,
    }, trx)
    // Even a redelivery refreshes the window: the row may have been stored by a batch that held an older time.
    await contacts.touchLastInbound(ws, contactId, item.sentAt, trx)
    if (!stored) return
    const optedOut = optsOut(item)
    if (optedOut) await contacts.setMarketingFromWhatsapp(ws, contactId, { status: 'opted_out', source: 'whatsapp_keyword', at: item.sentAt }, trx)
    for (const listener of hooks.inboundListeners) {
      await listener({
        workspaceId: ws,
        contactId,
        contactCreated: created,
        wamid: item.wamid,
        waId: item.waId,
        phoneNumberId: item.phoneNumberId,
        type: item.type,
        body: item.body,
        contextWamid: item.contextWamid,
        sentAt: item.sentAt,
        optedOut,
      }, trx)
    }
  }

  async function applyPreference (trx: Transaction<Database>, ws: WorkspaceId, item: PreferenceItem): Promise<void> {
    // Consent must outlive our not knowing the person yet: a later import finds it recorded.
    const { contactId } = await contacts.findOrCreateForWhatsapp(ws, { waId: item.waId, profileName: item.profileName }, trx)
    await contacts.setMarketingFromWhatsapp(ws, contactId, {
      status: item.value === 'stop' ? 'opted_out' : 'opted_in',
      source: 'whatsapp_user_preferences',
      at: item.at,
    }, trx)
  }

  /** False when the event names no status or no row matches (the template sync will bring it). */
  async function applyTemplate (trx: Transaction<Database>, ws: WorkspaceId, item: TemplateItem): Promise<boolean> {
    const status = TEMPLATE_EVENT_STATUS[item.event]
    if (status === undefined || status === null) return false
    const { name, language } = item
    const result = await trx.updateTable('whatsapp_templates').set({ status, updated_at: nowIso() })
      .where('workspace_id', '=', ws)
      .where((eb) => name === undefined || language === undefined
        ? eb('template_id', '=', item.templateId)
        : eb.or([eb('template_id', '=', item.templateId), eb.and([eb('name', '=', name), eb('language', '=', language)])]))
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  /** Applies one envelope; what it could not use is added to `skipped`. */
  async function applyEnvelope (trx: Transaction<Database>, prepared: Prepared, owners: Owners, skipped: SkippedPart[]): Promise<void> {
    for (const item of prepared.items) {
      if (item.kind === 'number_limit' || item.kind === 'account') {
        const ws = owners.wabas.get(item.wabaId)
        if (ws === undefined) skipped.push({ where: `waba ${item.wabaId}`, reason: 'unknown WABA' })
        else if (item.kind === 'account') await applyAccountUpdate(trx, ws, item)
        else if (!(await applyNumberLimit(trx, ws, item))) skipped.push({ where: `waba ${item.wabaId}`, reason: 'no number with that display number' })
        continue
      }
      if (item.kind === 'template') {
        const ws = owners.wabas.get(item.wabaId)
        if (ws === undefined) skipped.push({ where: `waba ${item.wabaId}`, reason: 'unknown WABA' })
        else if (!(await applyTemplate(trx, ws, item))) skipped.push({ where: `template ${item.templateId}`, reason: `no stored template or no status for ${item.event}` })
        continue
      }
      const ws = owners.numbers.get(item.phoneNumberId)
      if (ws === undefined) {
        // Not a number of ours (any more): Meta must still get its 200, and nothing is stored.
        skipped.push({ where: `phone_number_id ${item.phoneNumberId}`, reason: 'unknown number' })
        continue
      }
      if (item.kind === 'status') await applyStatus(trx, ws, item)
      else if (item.kind === 'inbound') await applyInbound(trx, ws, item)
      else await applyPreference(trx, ws, item)
    }
  }

  async function markProcessed (trx: Transaction<Database>, ids: number[]): Promise<void> {
    if (ids.length > 0) await trx.updateTable('webhook_inbox').set({ processed_at: nowIso() }).where('id', 'in', ids).execute()
  }

  /** The rows of `ids` no one has processed meanwhile; on PostgreSQL, locked for this transaction (others skip them). */
  async function stillPending (trx: Transaction<Database>, ids: number[]): Promise<Set<number>> {
    let query = trx.selectFrom('webhook_inbox').select('id').where('id', 'in', ids).where('processed_at', 'is', null)
    if (dialect === 'postgres') query = query.forUpdate().skipLocked()
    return new Set((await query.execute()).map((r) => r.id))
  }

  /** Applies and marks the rows of `batch` no one else has taken, in one transaction; returns how many. */
  async function commit (batch: Prepared[], owners: Owners): Promise<number> {
    const skipped = new Map<number, SkippedPart[]>()
    const applied = await db.transaction().execute(async (trx) => {
      const pending = await stillPending(trx, batch.map((p) => p.row.id))
      for (const prepared of batch) {
        if (!pending.has(prepared.row.id)) continue
        const notes = [...prepared.skipped]
        await applyEnvelope(trx, prepared, owners, notes)
        skipped.set(prepared.row.id, notes)
      }
      await markProcessed(trx, [...pending])
      return pending.size
    })
    for (const [inboxId, notes] of skipped) {
      for (const note of notes) log.info({ inboxId, where: note.where, reason: note.reason, ...(note.codes === undefined ? {} : { codes: note.codes }) }, 'webhook part skipped')
    }
    for (const { row } of batch) retryAt.delete(row.id)
    return applied
  }

  async function recordFailure (row: InboxRow, error: unknown): Promise<void> {
    const attempts = row.attempts + 1
    const kind = errorKind(error)
    try {
      await db.updateTable('webhook_inbox').set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: kind.slice(0, 500) }))
        .where('id', '=', row.id).where('processed_at', 'is', null).execute()
    } catch (recordError) {
      log.error({ inboxId: row.id, error: errorKind(recordError) }, 'webhook failure not recorded')
      return
    }
    if (attempts >= maxAttempts) {
      retryAt.delete(row.id)
      log.error({ inboxId: row.id, attempts, error: kind }, 'webhook gave up after its last attempt; left unprocessed for an operator')
    } else {
      retryAt.set(row.id, Date.now() + retryDelayMs(attempts))
      log.warn({ inboxId: row.id, attempts, error: kind }, 'webhook processing failed; will retry')
    }
  }

  /**
   * Processes rows together; on failure, again one by one so only the failing row is held
   * back. Returns how many rows were applied or failed (not those another process took).
   */
  async function processRows (rows: InboxRow[]): Promise<number> {
    if (rows.length === 0) return 0
    const batch: Prepared[] = rows.map((row) => ({ row, ...readEnvelope(row.body) }))
    let owners: Owners
    try {
      owners = await resolveOwners(batch)
    } catch (error) {
      for (const { row } of batch) await recordFailure(row, error)
      return rows.length
    }
    try {
      return await commit(batch, owners)
    } catch (error) {
      if (batch.length === 1) {
        await recordFailure(batch[0]!.row, error)
        return 1
      }
      let handled = 0
      for (const prepared of batch) {
        try {
          handled += await commit([prepared], owners)
        } catch (rowError) {
          await recordFailure(prepared.row, rowError)
          handled += 1
        }
      }
      return handled
    }
  }

  async function prune (): Promise<void> {
    if (retentionDays <= 0 || Date.now() - lastPrune < PRUNE_EVERY_MS) return
    lastPrune = Date.now()
    const cutoff = new Date(Date.now() - retentionDays * 86_400_000).toISOString()
    // In chunks, so a large backlog of old rows never holds the write lock for long.
    const old = await db.selectFrom('webhook_inbox').select('id')
      .where('processed_at', 'is not', null).where('processed_at', '<', cutoff).orderBy('processed_at').limit(PRUNE_CHUNK).execute()
    if (old.length > 0) await db.deleteFrom('webhook_inbox').where('id', 'in', old.map((r) => r.id)).execute()
  }

  async function runPump (): Promise<void> {
    while (started && dirty) {
      await linger()
      dirty = false
      const withRetries = retriesDue
      retriesDue = false
      try {
        while (started) {
          const handled = await exclusive(async () => processRows(await claimFresh()))
          await yieldToIo()
          if (handled < batchSize) break
        }
        if (withRetries && started) {
          await exclusive(async () => processRows(await claimRetries(false)))
          await exclusive(prune)
        }
      } catch (error) {
        // The store itself failed (a claim, not a row): wake-ups wait for the next poll
        // rather than spinning against a store that is down.
        log.error({ error: errorKind(error) }, 'webhook inbox unavailable')
        pausedUntil = Date.now() + pollIntervalMs / 2
        return
      }
    }
  }

  function wake (): void {
    dirty = true
    if (started && pump === undefined && Date.now() >= pausedUntil) {
      pump = runPump().finally(() => {
        pump = undefined
        // A wake-up that landed while the pump was finishing must not wait for the next poll.
        if (started && dirty) wake()
      })
    }
  }

  return {
    start (startOptions = {}) {
      if (started) return
      log = startOptions.logger ?? log
      started = true
      unsubscribe = hooks.onAppend(wake)
      timer = setInterval(() => {
        retriesDue = true
        wake()
      }, pollIntervalMs)
      timer.unref()
      // Rows left by a crash or stored before start are done at once.
      retriesDue = true
      wake()
    },

    async stop () {
      started = false
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
      unsubscribe?.()
      unsubscribe = undefined
      await pump
      await turn
    },

    async drain () {
      let total = 0
      for (;;) {
        const fresh = await exclusive(async () => processRows(await claimFresh()))
        const retried = fresh > 0 ? 0 : await exclusive(async () => processRows(await claimRetries(true)))
        total += fresh + retried
        if (fresh === 0 && retried === 0) return total
      }
    },

    get running () {
      return started
    },
  }
}
