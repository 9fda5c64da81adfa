import type { Kysely } from 'kysely'
import type { Database } from '../../store/schema.js'
import type { Dialect } from '../../store/database.js'
import { nowIso } from '../../ids.js'
import type { ContactsRepository } from '../../crm/contacts-repository.js'
import type { ConnectionsRepository } from '../connections-repository.js'
import type { MessagesRepository } from '../messages-repository.js'
import { createInboxHooks, type InboundListener, type InboxHooks, type StatusListener } from './hooks.js'
import { createInboxProcessor, type InboxProcessor, type InboxProcessorOptions } from './inbox-processor.js'

/** The store and repositories the inbox and its processor use. */
export interface WebhookInboxDeps {
  db: Kysely<Database>
  dialect: Dialect
  contacts: ContactsRepository
  messages: MessagesRepository
  connections: ConnectionsRepository
  optOutKeywords: readonly string[]
}

/** Rows waiting in the inbox, by how far they got. */
export interface InboxBacklog {
  /** Never tried yet. */
  pending: number
  /** Failed at least once, will be retried. */
  retrying: number
  /** Used up their attempts; an operator must look (reset `attempts` to replay). */
  gaveUp: number
}

// A multi-row insert's SQL text depends on its row count, and each text is a cached
// statement: a small cap keeps the cache from filling with insert shapes.
const MAX_GROUP_ROWS = 64
const MAX_GROUP_BYTES = 8 * 1024 * 1024

interface Waiting {
  body: string
  receivedAt: string
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * The durable webhook inbox: verified bodies are appended here before Meta gets its 200,
 * and the processor applies them afterwards. Bodies that arrive while a write is in
 * flight are stored together in the next statement (group commit): under load that
 * turns hundreds of single-row writes into a few, and each caller still hears back only
 * once its own row is stored.
 */
export function createWebhookInbox (deps: WebhookInboxDeps, options: InboxProcessorOptions = {}) {
  const { db } = deps
  const hooks: InboxHooks = createInboxHooks()
  const queue: Waiting[] = []
  let writing = false

  async function write (): Promise<void> {
    try {
      while (queue.length > 0) {
        let bytes = 0
        let count = 0
        while (count < queue.length && count < MAX_GROUP_ROWS && (count === 0 || bytes + queue[count]!.body.length <= MAX_GROUP_BYTES)) {
          bytes += queue[count]!.body.length
          count += 1
        }
        const group = queue.splice(0, count)
        try {
          await db.insertInto('webhook_inbox').values(group.map((w) => ({ received_at: w.receivedAt, body: w.body }))).execute()
        } catch (error) {
          for (const w of group) w.reject(error)
          continue
        }
        for (const w of group) w.resolve()
        hooks.appended()
      }
    } finally {
      writing = false
    }
  }

  const processorDeps = { ...deps, hooks }

  return {
    /** Stores a verified webhook body; resolves once it is durable (then answer Meta 200). */
    append (body: string): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        queue.push({ body, receivedAt: nowIso(), resolve, reject })
        if (writing) return
        writing = true
        // After the current I/O phase: every webhook read in it joins the same statement.
        setImmediate(() => void write())
      })
    },

    /** Listens to every newly recorded delivery status, inside its transaction (campaigns update recipients). */
    onStatus (listener: StatusListener): () => void {
      return hooks.onStatus(listener)
    },

    /** Listens to every newly stored inbound message, inside its transaction (campaigns mark replies). */
    onInbound (listener: InboundListener): () => void {
      return hooks.onInbound(listener)
    },

    /** The process's worker; `main.ts` starts it when RUN_WORKERS is on. */
    processor: createInboxProcessor(processorDeps, options),

    /** Another worker over the same inbox and listeners, with other options (tests, tools). */
    createProcessor (processorOptions: InboxProcessorOptions = {}): InboxProcessor {
      return createInboxProcessor(processorDeps, { ...options, ...processorOptions })
    },

    /** How many rows wait, for health checks and the benchmark. */
    async backlog (maxAttempts = options.maxAttempts ?? 10): Promise<InboxBacklog> {
      const rows = await db.selectFrom('webhook_inbox').select(['attempts', (eb) => eb.fn.countAll<number>().as('n')])
        .where('processed_at', 'is', null).groupBy('attempts').execute()
      const backlog: InboxBacklog = { pending: 0, retrying: 0, gaveUp: 0 }
      for (const { attempts, n } of rows) {
        const count = Number(n)
        if (attempts === 0) backlog.pending += count
        else if (attempts < maxAttempts) backlog.retrying += count
        else backlog.gaveUp += count
      }
      return backlog
    },
  }
}

/** The webhook inbox of one store: receiver side, listeners and worker. */
export type WebhookInbox = ReturnType<typeof createWebhookInbox>
