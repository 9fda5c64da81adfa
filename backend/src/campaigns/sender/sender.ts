import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import type { Transaction } from 'kysely'
import type { Database, RecipientStatus } from '../../store/schema.js'
import type { Store } from '../../store/database.js'
import { exclusiveJob } from '../../store/exclusive-job.js'
import type { WorkspaceId } from '../../ids.js'
import type { Services } from '../../services.js'
import type { WhatsappRuntime } from '../../whatsapp/runtime.js'
import type { CloudApiClient } from '../../whatsapp/cloud-api/client.js'
import type { MessageTemplate, TemplateComponentInput } from '../../whatsapp/cloud-api/types.js'
import { AmbiguousSendError, CloudApiError, CloudApiNetworkError, type HandlingRule } from '../../whatsapp/cloud-api/errors.js'
import { fillTemplate } from '../../whatsapp/template-variables.js'
import type { WorkerLogger } from '../../whatsapp/webhooks/inbox-processor.js'
import type { RecipientChange } from '../campaigns-repository.js'
import { advanceRecipient } from '../recipient-status.js'
import { createOutboxRepository, numberBucketKey, type ClaimedRecipient, type RecipientState, type RunningCampaign } from './outbox-repository.js'
import { bucketShape, grantable, msUntilTokens, MESSAGING_WINDOW_MS, pacerShape, PAIR_SPACING_MS, tierLimit, tokenTimes, type BucketShape } from './rate-limits.js'
import { reasonOf } from './tracking.js'
import { DEFAULT_MAX_ATTEMPTS, recipientAction } from './error-policy.js'
import { createLaneThrottle, type LaneThrottleOptions } from './lane-throttle.js'
import { campaignFinished } from '../finished-event.js'

export type { WorkerLogger }

/** Tuning of one sender process; every option has a default. */
export interface CampaignSenderOptions {
  /** Sends claimed and not yet answered, at most (default 1,024: 1,000/s at 50–150 ms answers keeps ~150 waiting for Meta and ~60 for their token; the rest absorbs answers that slow down for a moment). */
  maxInFlight?: number
  /** Most recipients one claim takes (default 100); the token bucket usually grants fewer. */
  claimBatch?: number
  /**
   * How long a claimed recipient may stay `sending` before another worker declares it
   * `unknown` (default: twice the Cloud API timeout plus 5 s, at least 30 s). Must exceed
   * the time a send can take, or answered sends would be reported as unknown.
   */
  leaseMs?: number
  /** Results are written together at most this long after the first arrives (default 25 ms). */
  flushIntervalMs?: number
  /** Results written per transaction at most (default 150): a flush holds the event loop, so it stays short. */
  flushMaxResults?: number
  /** Scheduler, lease expiry, completion and the list of running campaigns run this often (default 500 ms). */
  housekeepingMs?: number
  /** Wait when there is nothing to claim (default 250 ms). */
  idlePollMs?: number
  /** Attempts of a recipient before a retryable error fails it (default 5). */
  maxAttempts?: number
  /** How often the workspace's 24 h unique-user count is read again (default 2 s). */
  budgetRefreshMs?: number
  /** How the sender slows a number after throughput errors and recovers (defaults in `lane-throttle.ts`). */
  throttle?: LaneThrottleOptions
  /** Bucket shape from a number's limit (tests); default `bucketShape`. */
  shape?: (perSecond: number) => BucketShape
  /** Clock in milliseconds (tests move it forward to expire leases and backoffs). */
  now?: () => number
  logger?: WorkerLogger
}

/** What a sender has done since it was created. */
export interface SenderStats {
  claimed: number
  sent: number
  failed: number
  retried: number
  unknown: number
  requeued: number
  expired: number
  inFlight: number
  flushes: number
  /** Claims that found the number's rate limit used up, and the waits they were given. */
  rateLimitWaits: number
  rateLimitWaitMs: number
  /** Sends Meta refused for throughput or pair rate (130429, 131056): retried, never counted as attempts. */
  throttled: number
}

/** One pass of `runOnce`. */
export interface CycleSummary {
  claimed: number
  /** Some number had rows but no tokens, or there were no free send slots. */
  busy: boolean
  /** Milliseconds until a claim could succeed again. */
  waitMs: number
}

/** The durable campaign sender. */
export interface CampaignSender {
  readonly workerId: string
  /** Starts the claim loop. Idempotent. */
  start (): void
  /** Stops claiming, waits for in-flight sends to be answered and their results written. */
  stop (): Promise<void>
  /** One cycle: housekeeping, one round of claims, their sends answered and written. For tests. */
  runOnce (): Promise<CycleSummary>
  /** Cycles until nothing is due (retries waiting for a later time are left). For tests and tools. */
  drain (options?: { timeoutMs?: number }): Promise<void>
  /** Housekeeping now: scheduler, lease expiry, completion. */
  housekeeping (): Promise<void>
  stats (): SenderStats
  readonly running: boolean
}

export interface CampaignSenderDeps {
  store: Store
  services: Pick<Services, 'campaignsRepository' | 'whatsapp' | 'events' | 'crm'>
  runtime: Pick<WhatsappRuntime, 'timeoutMs'>
  /** Names this process in `lease_owner`; unique per process (default host:pid:random). */
  workerId?: string
  options?: CampaignSenderOptions
}

type Outcome =
  | { kind: 'sent', wamid: string }
  | { kind: 'failed', code: number | null, title: string }
  /** Meta (or the network) refused the send: `rule` says what that means, through `recipientAction`. */
  | { kind: 'error', code: number | null, title: string, rule: HandlingRule }
  | { kind: 'unknown' }

interface Send {
  recipient: ClaimedRecipient
  phoneNumberId: string
  messageId: string
  client: CloudApiClient
  template: MessageTemplate
  components: TemplateComponentInput[]
  /** Its token's time: the send waits for it, so the number's rate holds at the wire. */
  notBefore: number
  release?: () => void
}

interface Result { send: Send, outcome: Outcome, at: number }

interface Lane {
  workspaceId: WorkspaceId
  phoneNumberId: string
  perSecond: number
  tier: string | null
  campaigns: RunningCampaign[]
}

const SILENT: WorkerLogger = { debug () {}, info () {}, warn () {}, error () {} }

/** Reasons shown on recipients and campaigns; constant text, never message content. */
export const REASONS = {
  noAnswer: 'No answer from WhatsApp: it may have been sent, so it is not resent; a delivery webhook will settle it',
  leaseExpired: 'The sender stopped before WhatsApp answered: it may have been sent, so it is not resent; a delivery webhook will settle it',
  dailyLimit: 'Daily messaging limit reached',
  notConnected: 'WhatsApp is not connected',
  numberMissing: 'The campaign\'s WhatsApp number is no longer connected',
} as const

/** A sender process's default id: readable in `lease_owner`, unique per process start. */
export function defaultWorkerId (): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
}

function errorKind (error: unknown): string {
  if (!(error instanceof Error)) return 'non-error thrown'
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' || typeof code === 'number' ? `${error.name} ${code}` : error.name
}

/** A connection that never reached Meta: nothing was sent, so retrying is safe (with backoff). */
const NETWORK_RULE: HandlingRule = { handling: 'retry_soon', delayMs: 1000, backoff: 2 }

/** What to do about a send that threw (the client throws nothing else for a send that reached Meta). */
function classify (error: unknown): Outcome {
  if (error instanceof AmbiguousSendError) return { kind: 'unknown' }
  if (error instanceof CloudApiNetworkError) return { kind: 'error', code: null, title: `Could not reach WhatsApp (${error.causeCode})`, rule: NETWORK_RULE }
  if (error instanceof CloudApiError) return { kind: 'error', code: error.code, title: error.title, rule: error.rule }
  // Thrown before the request left (the client checks its input first): nothing was sent.
  return { kind: 'failed', code: null, title: `Rejected before sending (${errorKind(error)})` }
}

/**
 * The campaign sender: a durable outbox worker over campaign_recipients.
 *
 * Each claim takes tokens from the sending number's bucket (rate_buckets, shared by every
 * worker process) and leases that many due `pending` recipients, moving them to `sending`
 * and recording their thread messages in the same transaction, committed before any
 * HTTP call. Sends then run concurrently (up to `maxInFlight`) with the recipient id as
 * `biz_opaque_callback_data`, and their answers are written in batches through
 * `transition`: `sent` with the wamid, `failed` with Meta's reason, back to `pending`
 * with backoff for retryable codes, `unknown` when the answer is ambiguous. Stop codes
 * pause the number or the workspace's campaigns with Meta's reason. A recipient whose
 * lease runs out while `sending` (its worker died) becomes `unknown` and is never sent
 * again: a status webhook reconciles it by wamid or by the recipient id Meta echoes.
 */
export function createCampaignSender (deps: CampaignSenderDeps): CampaignSender {
  const { store, services } = deps
  const { db } = store
  const campaigns = services.campaignsRepository
  const { connections, connection, messages, templates } = services.whatsapp
  const { contacts } = services.crm
  const events = services.events.outbox
  const outbox = createOutboxRepository(db, store.dialect)
  const o = deps.options ?? {}
  const workerId = deps.workerId ?? defaultWorkerId()
  const maxInFlight = o.maxInFlight ?? 1024
  // Claims wait for this many free slots: one transaction per few rows would cost more than it sends.
  const minFreeSlots = Math.min(16, maxInFlight)
  const claimBatch = o.claimBatch ?? 100
  const leaseMs = o.leaseMs ?? Math.max(30_000, 2 * deps.runtime.timeoutMs + 5000)
  const flushIntervalMs = o.flushIntervalMs ?? 25
  const flushMaxResults = o.flushMaxResults ?? 150
  const housekeepingMs = o.housekeepingMs ?? 500
  const idlePollMs = o.idlePollMs ?? 250
  const maxAttempts = o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS
  const budgetRefreshMs = o.budgetRefreshMs ?? 2000
  const shapeOf = o.shape ?? ((perSecond: number) => bucketShape(perSecond))
  const clock = o.now ?? Date.now
  const log = o.logger ?? SILENT
  if (leaseMs <= deps.runtime.timeoutMs + flushIntervalMs) throw new RangeError('leaseMs must exceed the Cloud API timeout, or answered sends would expire')

  const iso = (ms: number): string => new Date(ms).toISOString()
  const stats: Omit<SenderStats, 'inFlight'> = { claimed: 0, sent: 0, failed: 0, retried: 0, unknown: 0, requeued: 0, expired: 0, flushes: 0, rateLimitWaits: 0, rateLimitWaitMs: 0, throttled: 0 }

  let started = false
  let loop: Promise<void> | undefined
  let wakeUp: (() => void) | undefined
  let nextHousekeeping = 0
  let lanes: Lane[] = []
  let laneCursor = 0
  let inFlight = 0
  let waitingForSlots = false
  const inFlightSends = new Set<Promise<void>>()
  const results: Result[] = []
  let flushTimer: NodeJS.Timeout | undefined
  let flushing: Promise<void> | undefined
  const clients = new Map<WorkspaceId, { client: CloudApiClient, until: number }>()
  const templateCache = new Map<string, { template: MessageTemplate | undefined, until: number }>()
  const budgets = new Map<WorkspaceId, { remaining: number, until: number }>()
  const deferred = new Set<string>()
  const seen = new Set<string>()
  const scheduler = exclusiveJob(store, 'campaign-scheduler')
  /** Each number's adaptive share of its rate: cut on throughput errors, recovered while none come. */
  const throttle = createLaneThrottle(o.throttle)
  /** Back-pressure retries per recipient in this process (the 4^n pair-rate wait); dropped when it settles. */
  const throttledTimes = new Map<string, number>()

  function wake (): void {
    wakeUp?.()
  }

  function sleep (ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        if (wakeUp === done) wakeUp = undefined
        resolve()
      }
      const timer = setTimeout(done, ms)
      wakeUp = done
    })
  }

  // ------------------------------------------------------------------ housekeeping

  async function refreshLanes (): Promise<void> {
    const running = await outbox.running()
    const byNumber = new Map<string, Lane>()
    for (const campaign of running) {
      if (campaign.number === undefined) {
        await outbox.pauseCampaigns(campaign.workspaceId, REASONS.numberMissing, { campaignId: campaign.campaignId })
        continue
      }
      if (campaign.number.status === 'paused') {
        // A number Meta stopped cannot send: its campaigns say why instead of looking stuck.
        await outbox.pauseCampaigns(campaign.workspaceId, `Number paused: ${campaign.number.pausedReason ?? 'paused'}`, { campaignId: campaign.campaignId })
        continue
      }
      const key = `${campaign.workspaceId}|${campaign.phoneNumberId}`
      let lane = byNumber.get(key)
      if (lane === undefined) {
        lane = { workspaceId: campaign.workspaceId, phoneNumberId: campaign.phoneNumberId, perSecond: campaign.number.throughputPerSecond, tier: campaign.number.messagingLimitTier, campaigns: [] }
        byNumber.set(key, lane)
      }
      lane.campaigns.push(campaign)
    }
    lanes = [...byNumber.values()]
    // Whichever worker completed or paused a campaign, its deferral note goes with it.
    const live = new Set(running.map((c) => c.campaignId))
    for (const id of deferred) if (!live.has(id)) deferred.delete(id)
    // A campaign this worker has not sent for yet: its rows are new to the planner too.
    const fresh = running.some((c) => !seen.has(c.campaignId))
    for (const id of seen) if (!live.has(id)) seen.delete(id)
    for (const id of live) seen.add(id)
    if (fresh) await outbox.analyzeRecipients()
  }

  /** Recipients left `sending` past their lease (a worker died or hung) become `unknown`: never resent. */
  async function expireLeases (nowMs: number): Promise<void> {
    const now = iso(nowMs)
    for (;;) {
      const expired = await outbox.expired(now, 500)
      if (expired.length === 0) return
      await db.transaction().execute(async (trx) => {
        const states = await outbox.states(trx, expired.map((e) => e.id))
        const byCampaign = new Map<string, { ws: WorkspaceId, changes: RecipientChange[] }>()
        for (const e of expired) {
          const state = states.get(e.id)
          // Re-read under the write lock: a result written since the select wins.
          if (state === undefined || state.status !== 'sending' || state.leaseUntil === null || state.leaseUntil >= now) continue
          const group = byCampaign.get(e.campaignId) ?? { ws: e.workspaceId, changes: [] }
          // The owner keeps its name on the row: if its answer still arrives, it settles the row.
          group.changes.push({ id: e.id, from: 'sending', to: 'unknown', set: { lease_until: null, reason: REASONS.leaseExpired } })
          byCampaign.set(e.campaignId, group)
          if (e.messageId !== null) await messages.markUnknown(e.workspaceId, e.messageId, trx)
        }
        for (const [campaignId, group] of byCampaign) {
          await campaigns.transition(trx, group.ws, campaignId, group.changes)
          stats.expired += group.changes.length
        }
      })
      if (expired.length < 500) return
    }
  }

  async function housekeeping (): Promise<void> {
    const nowMs = clock()
    const now = iso(nowMs)
    // Each step is one conditional statement or re-reads under the write lock, so two
    // workers doing it at once would be harmless; the job lock spares the others the work.
    await scheduler(async () => {
      const begun = await outbox.startDue(now)
      if (begun.length > 0) log.info({ campaigns: begun }, 'scheduled campaigns started')
      await expireLeases(nowMs)
      const completed = await db.transaction().execute(async (trx) => {
        const finished = await outbox.completeFinished(now, trx)
        for (const { campaignId, workspaceId } of finished) await events.emit(trx, workspaceId, 'campaign.finished', () => campaignFinished(trx, workspaceId, campaignId))
        return finished
      })
      for (const { campaignId } of completed) log.info({ campaignId }, 'campaign completed')
    })
    await refreshLanes()
    nextHousekeeping = nowMs + housekeepingMs
  }

  // ------------------------------------------------------------------ claims

  async function clientOf (ws: WorkspaceId): Promise<CloudApiClient | undefined> {
    const cached = clients.get(ws)
    if (cached !== undefined && cached.until > clock()) return cached.client
    try {
      const { client } = await connection.client(ws)
      // Opening the sealed token costs a decryption: reuse the client for a minute.
      clients.set(ws, { client, until: clock() + 60_000 })
      return client
    } catch (error) {
      log.warn({ workspaceId: ws, error: errorKind(error) }, 'no WhatsApp client for workspace; pausing its campaigns')
      await outbox.pauseCampaigns(ws, REASONS.notConnected, {})
      nextHousekeeping = 0
      return undefined
    }
  }

  /** The number's rate now: its limit times its adaptive share (below 1 after throughput errors). */
  function laneRate (lane: Lane): number {
    return lane.perSecond * throttle.share(lane.phoneNumberId, clock())
  }

  async function templateOf (campaign: RunningCampaign): Promise<MessageTemplate | undefined> {
    const key = `${campaign.workspaceId}|${campaign.templateName}|${campaign.templateLanguage}`
    const cached = templateCache.get(key)
    if (cached !== undefined && cached.until > clock()) return cached.template
    const template = await templates.find(campaign.workspaceId, campaign.templateName, campaign.templateLanguage)
    templateCache.set(key, { template, until: clock() + 30_000 })
    return template
  }

  /** Unique users the workspace may still reach today; Infinity when its tier is unlimited. */
  async function budgetOf (lane: Lane): Promise<number> {
    const limit = tierLimit(lane.tier)
    if (!Number.isFinite(limit)) return Number.POSITIVE_INFINITY
    const nowMs = clock()
    const cached = budgets.get(lane.workspaceId)
    if (cached !== undefined && cached.until > nowMs) return cached.remaining
    const used = await outbox.uniqueUsersSince(lane.workspaceId, iso(nowMs - MESSAGING_WINDOW_MS))
    const remaining = Math.max(0, limit - used)
    budgets.set(lane.workspaceId, { remaining, until: nowMs + budgetRefreshMs })
    return remaining
  }

  async function markDeferred (lane: Lane, limited: boolean): Promise<void> {
    const ids = lane.campaigns.map((c) => c.campaignId)
    if (limited) {
      const fresh = ids.filter((id) => !deferred.has(id))
      if (fresh.length === 0) return
      const limit = tierLimit(lane.tier)
      await outbox.setRunningReason(fresh, `${REASONS.dailyLimit}: ${lane.tier ?? 'TIER_250'} allows ${limit} unique users in 24 h; the rest are sent as the limit frees up`, REASONS.dailyLimit)
      for (const id of fresh) deferred.add(id)
      log.info({ workspaceId: lane.workspaceId, campaigns: fresh }, 'daily messaging limit reached; sending deferred')
    } else {
      const flagged = ids.filter((id) => deferred.has(id))
      if (flagged.length === 0) return
      await outbox.setRunningReason(flagged, null, REASONS.dailyLimit)
      for (const id of flagged) deferred.delete(id)
    }
  }

  /**
   * One claim for one number, in one transaction: tokens from its bucket (those in it and
   * those due within the horizon), that many due recipients leased and moved to `sending`
   * with their thread rows, the tokens not used left in the bucket. Each send is then
   * held until its token's time. Returns the sends, and what limited the claim.
   */
  async function claimLane (lane: Lane, want: number, client: CloudApiClient, templatesOf: Map<string, MessageTemplate>): Promise<{ sends: Send[], limitedBy: 'tokens' | 'rows' | 'none', waitMs: number }> {
    const shape = shapeOf(laneRate(lane))
    const campaignIds = lane.campaigns.filter((c) => templatesOf.has(c.campaignId)).map((c) => c.campaignId)
    if (campaignIds.length === 0) return { sends: [], limitedBy: 'rows', waitMs: idlePollMs }
    return db.transaction().execute(async (trx) => {
      // The clock is read under the write lock, so time spent waiting for it is never counted twice.
      const nowMs = clock()
      const bucket = await outbox.openBucket(trx, numberBucketKey(lane.phoneNumberId), shape, nowMs)
      const grant = Math.min(want, grantable(bucket.available, shape))
      if (grant < Math.min(want, shape.minBatch)) return { sends: [], limitedBy: 'tokens' as const, waitMs: msUntilTokens(bucket.available, want, shape) }
      const now = iso(nowMs)
      const claimed = await outbox.claim(trx, { campaignIds, limit: grant, workerId, leaseUntil: iso(nowMs + leaseMs), now, pairSince: iso(nowMs - PAIR_SPACING_MS) })
      const sends = await prepare(trx, lane, claimed, client, templatesOf, nowMs)
      const times = tokenTimes(bucket.available, sends.length, nowMs, shape)
      sends.forEach((send, i) => { send.notBefore = times[i]! })
      const left = await bucket.settle(sends.length)
      stats.claimed += claimed.length
      if (claimed.length < grant) return { sends, limitedBy: 'rows' as const, waitMs: idlePollMs }
      if (grant < want) return { sends, limitedBy: 'tokens' as const, waitMs: msUntilTokens(left, want, shape) }
      return { sends, limitedBy: 'none' as const, waitMs: 0 }
    })
  }

  /** Moves claimed recipients to `sending` (or straight to `failed` when their data cannot make a message). */
  async function prepare (trx: Transaction<Database>, lane: Lane, claimed: ClaimedRecipient[], client: CloudApiClient, templatesOf: Map<string, MessageTemplate>, nowMs: number): Promise<Send[]> {
    const now = iso(nowMs)
    const byCampaign = new Map<string, RecipientChange[]>()
    const change = (campaignId: string, c: RecipientChange): void => {
      const list = byCampaign.get(campaignId) ?? []
      list.push(c)
      byCampaign.set(campaignId, list)
    }
    const phones = new Set<string>()
    const ready: Array<{ recipient: ClaimedRecipient, template: MessageTemplate, text: string, components: TemplateComponentInput[] }> = []
    for (const recipient of claimed) {
      if (phones.has(recipient.phone)) {
        // Two campaigns, one number, one batch: the second waits out the pair rate.
        change(recipient.campaignId, { id: recipient.id, from: 'pending', to: 'pending', set: { lease_owner: null, lease_until: null, attempts: recipient.attempts - 1, next_attempt_at: iso(nowMs + PAIR_SPACING_MS) } })
        continue
      }
      phones.add(recipient.phone)
      const template = templatesOf.get(recipient.campaignId)!
      let values: Record<string, string>
      try {
        values = JSON.parse(recipient.variables) as Record<string, string>
      } catch {
        values = {}
      }
      const filled = fillTemplate(template, values)
      if (filled.missing.length > 0) {
        // Submission checks this; a template edited since can still leave a value missing. Meta would answer 132000.
        change(recipient.campaignId, { id: recipient.id, from: 'pending', to: 'failed', set: { lease_owner: null, lease_until: null, failed_at: now, error_code: null, reason: `Missing template variable ${filled.missing[0]!}` } })
        stats.failed += 1
        continue
      }
      if (filled.invalid.length > 0) {
        // Rows stored before links had to be https: never hand Meta a file:, javascript: or http: link.
        change(recipient.campaignId, { id: recipient.id, from: 'pending', to: 'failed', set: { lease_owner: null, lease_until: null, failed_at: now, error_code: null, reason: `Template variable ${filled.invalid[0]!} is not an https:// link` } })
        stats.failed += 1
        continue
      }
      ready.push({ recipient, template, text: filled.text, components: filled.components })
    }
    // Each recipient keeps one thread row across attempts: new rows for first attempts, the old one reset for retries.
    const fresh = ready.filter((r) => r.recipient.messageId === null)
    const newIds = await outbox.insertMessages(trx, lane.workspaceId, fresh.map((r) => ({
      contactId: r.recipient.contactId, phoneNumberId: lane.phoneNumberId, waId: r.recipient.phone.slice(1), body: r.text, templateName: r.template.name, templateLanguage: r.template.language,
    })), now)
    const idOf = new Map(fresh.map((r, i) => [r.recipient.id, newIds[i]!]))
    await outbox.resetMessages(trx, lane.workspaceId, ready.flatMap((r) => r.recipient.messageId === null ? [] : [r.recipient.messageId]), now)
    const sends: Send[] = []
    for (const r of ready) {
      const messageId = r.recipient.messageId ?? idOf.get(r.recipient.id)!
      change(r.recipient.campaignId, { id: r.recipient.id, from: 'pending', to: 'sending', set: { message_id: messageId } })
      sends.push({ recipient: r.recipient, phoneNumberId: lane.phoneNumberId, messageId, client, template: r.template, components: r.components, notBefore: nowMs })
    }
    for (const [campaignId, changes] of byCampaign) await campaigns.transition(trx, lane.workspaceId, campaignId, changes)
    return sends
  }

  /**
   * Sends held until their token's time, per number. Released sends also pass a local
   * pacer (`pacerShape`): when the event loop was busy and several sends are overdue, they
   * leave paced instead of in one burst, so lateness never bunches them into a window
   * above the limit (it can only delay them).
   */
  const queues = new Map<string, { sends: Send[], tokens: number, updated: number, pacer: { capacity: number, perMs: number } }>()
  let heldTimer: NodeJS.Timeout | undefined

  function pumpHeld (): void {
    if (heldTimer !== undefined) clearTimeout(heldTimer)
    heldTimer = undefined
    const now = clock()
    let next = Number.POSITIVE_INFINITY
    for (const [key, q] of queues) {
      q.tokens = Math.min(q.pacer.capacity, q.tokens + Math.max(0, now - q.updated) * q.pacer.perMs)
      q.updated = now
      while (q.sends.length > 0 && q.sends[0]!.notBefore <= now && q.tokens >= 1) {
        q.tokens -= 1
        q.sends.shift()!.release!()
      }
      if (q.sends.length === 0) {
        // An idle number's pacer would refill to full anyway; dropping it keeps the map small.
        if (q.tokens >= q.pacer.capacity) queues.delete(key)
        continue
      }
      const tokenAt = q.tokens >= 1 ? now : now + (1 - q.tokens) / q.pacer.perMs
      next = Math.min(next, Math.max(q.sends[0]!.notBefore, tokenAt))
    }
    if (next !== Number.POSITIVE_INFINITY) heldTimer = setTimeout(pumpHeld, Math.max(0, Math.ceil(next - now)))
  }

  /** Queues one claimed recipient's send for its token's time; its result goes to the next flush. */
  function dispatch (send: Send, shape: BucketShape): void {
    inFlight += 1
    const { recipient, template } = send
    const task = new Promise<void>((resolve) => { send.release = resolve })
      .then(() => send.client.sendTemplate(send.phoneNumberId, recipient.phone, { name: template.name, languageCode: template.language, components: send.components }, { bizOpaqueCallbackData: recipient.id }))
      .then((answer): Outcome => ({ kind: 'sent', wamid: answer.wamid }), (error: unknown) => classify(error))
      .then((outcome) => {
        inFlight -= 1
        // Only a loop waiting for free slots needs waking, and only once a batch's worth is
        // free: waking it for every answer would make it claim a row or two at a time.
        if (waitingForSlots && maxInFlight - inFlight >= minFreeSlots) {
          waitingForSlots = false
          wake()
        }
        results.push({ send, outcome, at: clock() })
        scheduleFlush()
      })
    inFlightSends.add(task)
    void task.finally(() => inFlightSends.delete(task))
    let q = queues.get(send.phoneNumberId)
    const pacer = pacerShape(shape)
    if (q === undefined) {
      q = { sends: [], tokens: pacer.capacity, updated: clock(), pacer }
      queues.set(send.phoneNumberId, q)
    }
    q.pacer = pacer
    // Claims for one number come in token order, so appending keeps the queue sorted.
    q.sends.push(send)
  }

  /** One round over the numbers with running campaigns. */
  async function fill (): Promise<CycleSummary> {
    let claimed = 0
    let busy = false
    let waitMs = idlePollMs
    waitingForSlots = false
    const count = lanes.length
    for (let i = 0; i < count; i += 1) {
      const lane = lanes[(laneCursor + i) % count]!
      const free = maxInFlight - inFlight
      if (free < minFreeSlots) {
        // Answers wake the loop once enough slots are free; the poll is only a backstop.
        waitingForSlots = true
        busy = true
        break
      }
      const client = await clientOf(lane.workspaceId)
      if (client === undefined) continue
      const templatesOf = new Map<string, MessageTemplate>()
      for (const campaign of lane.campaigns) {
        const template = await templateOf(campaign)
        if (template === undefined || template.status !== 'APPROVED') {
          const reason = `Template ${campaign.templateName} (${campaign.templateLanguage}) is ${template === undefined ? 'missing' : template.status}`
          await outbox.pauseCampaigns(campaign.workspaceId, reason, { campaignId: campaign.campaignId })
          log.warn({ campaignId: campaign.campaignId, status: template?.status ?? 'missing' }, 'campaign paused: template not usable')
          nextHousekeeping = 0
          continue
        }
        templatesOf.set(campaign.campaignId, template)
      }
      const budget = await budgetOf(lane)
      if (budget < 1) {
        await markDeferred(lane, true)
        continue
      }
      const want = Math.min(free, claimBatch, budget)
      const claim = await claimLane(lane, want, client, templatesOf)
      for (const send of claim.sends) dispatch(send, shapeOf(laneRate(lane)))
      if (claim.sends.length > 0) pumpHeld()
      claimed += claim.sends.length
      const cached = budgets.get(lane.workspaceId)
      if (cached !== undefined) cached.remaining -= claim.sends.length
      if (claim.sends.length > 0) await markDeferred(lane, false)
      if (claim.limitedBy === 'tokens') {
        busy = true
        stats.rateLimitWaits += 1
        stats.rateLimitWaitMs += claim.waitMs
      }
      if (claim.limitedBy === 'none') waitMs = 0
      else waitMs = Math.min(waitMs, claim.waitMs)
    }
    laneCursor = count === 0 ? 0 : (laneCursor + 1) % count
    return { claimed, busy, waitMs: waitingForSlots ? idlePollMs : waitMs }
  }

  // ------------------------------------------------------------------ results

  function scheduleFlush (): void {
    if (results.length >= flushMaxResults) {
      void flushNow()
      return
    }
    flushTimer ??= setTimeout(() => {
      flushTimer = undefined
      void flushNow()
    }, flushIntervalMs)
  }

  function flushNow (): Promise<void> {
    if (flushing !== undefined) return flushing
    if (results.length === 0) return Promise.resolve()
    const batch = results.splice(0, flushMaxResults)
    flushing = db.transaction().execute((trx) => applyResults(trx, batch))
      .then(() => { stats.flushes += 1 }, (error: unknown) => {
        // Kept for the next flush; if the store stays down the leases run out and the rows become unknown, never resent.
        results.unshift(...batch)
        log.error({ error: errorKind(error), results: batch.length }, 'sender results not written; will retry')
      })
      .finally(() => {
        flushing = undefined
        if (results.length > 0) scheduleFlush()
      })
    return flushing
  }

  async function flushAll (): Promise<void> {
    if (flushTimer !== undefined) {
      clearTimeout(flushTimer)
      flushTimer = undefined
    }
    for (let tries = 0; (results.length > 0 || flushing !== undefined) && tries < 50; tries += 1) {
      await flushNow()
      if (results.length > 0 && flushing === undefined) await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  /** Writes a batch of send results through `transition`, and applies stop codes, in one transaction. */
  async function applyResults (trx: Transaction<Database>, batch: Result[]): Promise<void> {
    const states = await outbox.states(trx, batch.map((r) => r.send.recipient.id))
    const byCampaign = new Map<string, { ws: WorkspaceId, changes: RecipientChange[] }>()
    const stopNumbers = new Map<string, { ws: WorkspaceId, phoneNumberId: string, reason: string }>()
    const stopAccounts = new Map<WorkspaceId, string>()
    const stopCampaigns = new Map<string, { ws: WorkspaceId, reason: string }>()
    const counted = { sent: 0, failed: 0, retried: 0, unknown: 0, requeued: 0, throttled: 0 }
    const optOuts: Array<{ ws: WorkspaceId, contactId: string | null, waId: string, at: string }> = []

    for (const { send, outcome, at } of batch) {
      const { recipient, messageId } = send
      const ws = recipient.workspaceId
      const state: RecipientState | undefined = states.get(recipient.id)
      if (state === undefined) continue
      // Our lease still stands (or ran out unanswered): a definite answer from Meta settles it.
      const ours = state.leaseOwner === workerId && (state.status === 'sending' || state.status === 'unknown')
      const now = iso(at)
      let to: RecipientStatus = state.status
      const set: NonNullable<RecipientChange['set']> = {}
      switch (outcome.kind) {
        case 'sent': {
          throttledTimes.delete(recipient.id)
          to = advanceRecipient(state.status, 'sent')
          if (state.wamid === null) {
            set.wamid = outcome.wamid
            await messages.markAccepted(ws, messageId, outcome.wamid, trx)
          }
          if (state.sentAt === null) set.sent_at = now
          if (state.status === 'sending' || state.status === 'unknown') {
            set.lease_owner = null
            set.lease_until = null
            set.reason = null
            set.error_code = null
          }
          counted.sent += 1
          break
        }
        case 'failed': {
          if (!ours) continue
          to = 'failed'
          Object.assign(set, { lease_owner: null, lease_until: null, failed_at: now, error_code: outcome.code, reason: reasonOf(outcome.code, outcome.title) })
          await messages.markFailed(ws, messageId, outcome.code, outcome.title, trx)
          counted.failed += 1
          break
        }
        case 'error': {
          if (!ours) continue
          await messages.markFailed(ws, messageId, outcome.code, outcome.title, trx)
          const reason = reasonOf(outcome.code, outcome.title)
          const action = recipientAction(outcome.rule, { attempts: state.attempts, maxAttempts, throttled: throttledTimes.get(recipient.id) ?? 0 })
          if (action.kind === 'fail') {
            to = 'failed'
            Object.assign(set, { lease_owner: null, lease_until: null, failed_at: now, error_code: outcome.code, reason })
            if (action.optOut) optOuts.push({ ws, contactId: recipient.contactId, waId: recipient.phone.slice(1), at: now })
            counted.failed += 1
          } else if (action.kind === 'retry' && action.exhausted) {
            to = 'failed'
            Object.assign(set, { lease_owner: null, lease_until: null, failed_at: now, error_code: outcome.code, reason: `${reason} (gave up after ${state.attempts} attempts)` })
            counted.failed += 1
          } else if (action.kind === 'retry') {
            to = 'pending'
            Object.assign(set, { lease_owner: null, lease_until: null, next_attempt_at: iso(at + action.delayMs), error_code: outcome.code, reason: `Retrying after ${reason}` })
            if (!action.counts) {
              // Back-pressure is the number's state, not this recipient's: the attempt is given back.
              set.attempts = state.attempts - 1
              throttledTimes.set(recipient.id, (throttledTimes.get(recipient.id) ?? 0) + 1)
              throttle.slowDown(send.phoneNumberId, at)
              counted.throttled += 1
            }
            counted.retried += 1
          } else {
            // Not this recipient's fault and not sent: back in the queue, the attempt not counted.
            to = 'pending'
            Object.assign(set, { lease_owner: null, lease_until: null, attempts: state.attempts - 1, next_attempt_at: now })
            if (action.stop === 'number') stopNumbers.set(`${ws}|${send.phoneNumberId}`, { ws, phoneNumberId: send.phoneNumberId, reason })
            else if (action.stop === 'account') stopAccounts.set(ws, reason)
            else stopCampaigns.set(recipient.campaignId, { ws, reason })
            counted.requeued += 1
          }
          break
        }
        case 'unknown': {
          // Anything past `sending` came from a webhook, which knows better than a lost answer.
          if (state.status !== 'sending' || state.leaseOwner !== workerId) continue
          to = 'unknown'
          Object.assign(set, { lease_until: null, reason: REASONS.noAnswer })
          await messages.markUnknown(ws, messageId, trx)
          counted.unknown += 1
          break
        }
      }
      const group = byCampaign.get(recipient.campaignId) ?? { ws, changes: [] }
      group.changes.push({ id: recipient.id, from: state.status, to, set })
      byCampaign.set(recipient.campaignId, group)
    }

    for (const [campaignId, group] of byCampaign) await campaigns.transition(trx, group.ws, campaignId, group.changes)
    for (const o of optOuts) {
      // 131050 is Meta saying the user stopped marketing messages: recorded as their user_preferences "stop" would be.
      const contactId = o.contactId ?? (await contacts.findOrCreateForWhatsapp(o.ws, { waId: o.waId }, trx)).contactId
      await contacts.setMarketingFromWhatsapp(o.ws, contactId, { status: 'opted_out', source: 'whatsapp_user_preferences', at: o.at }, trx)
    }
    for (const stop of stopNumbers.values()) {
      await connections.setNumberPaused(stop.ws, stop.phoneNumberId, stop.reason, trx)
      const paused = await outbox.pauseCampaigns(stop.ws, stop.reason, { phoneNumberId: stop.phoneNumberId }, trx)
      log.warn({ workspaceId: stop.ws, phoneNumberId: stop.phoneNumberId, campaigns: paused, reason: stop.reason }, 'number paused by a stop code')
    }
    for (const [ws, reason] of stopAccounts) {
      const paused = await outbox.pauseCampaigns(ws, reason, {}, trx)
      log.warn({ workspaceId: ws, campaigns: paused, reason }, 'workspace campaigns paused by an account stop code')
    }
    for (const [campaignId, stop] of stopCampaigns) {
      await outbox.pauseCampaigns(stop.ws, stop.reason, { campaignId }, trx)
      log.warn({ campaignId, reason: stop.reason }, 'campaign paused: Meta refuses its template')
    }
    if (stopNumbers.size + stopAccounts.size + stopCampaigns.size > 0) {
      nextHousekeeping = 0
      templateCache.clear()
    }
    stats.sent += counted.sent
    stats.failed += counted.failed
    stats.retried += counted.retried
    stats.unknown += counted.unknown
    stats.requeued += counted.requeued
    stats.throttled += counted.throttled
  }

  // ------------------------------------------------------------------ loop

  async function cycle (): Promise<CycleSummary> {
    if (clock() >= nextHousekeeping) await housekeeping()
    return fill()
  }

  async function runLoop (): Promise<void> {
    while (started) {
      let waitMs: number
      try {
        waitMs = (await cycle()).waitMs
      } catch (error) {
        log.error({ error: errorKind(error) }, 'sender cycle failed; retrying')
        waitMs = idlePollMs
      }
      if (!started) break
      // Housekeeping is never starved by a long token wait.
      waitMs = Math.min(waitMs, Math.max(0, nextHousekeeping - clock()))
      if (waitMs > 0) await sleep(waitMs)
      else await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }

  return {
    workerId,

    start () {
      if (started) return
      started = true
      nextHousekeeping = 0
      loop = runLoop()
      log.info({ workerId, maxInFlight, leaseMs }, 'campaign sender started')
    },

    async stop () {
      started = false
      wake()
      await loop
      loop = undefined
      await Promise.allSettled([...inFlightSends])
      await flushAll()
      log.info({ workerId, ...stats }, 'campaign sender stopped')
    },

    async runOnce () {
      await housekeeping()
      const summary = await fill()
      await Promise.allSettled([...inFlightSends])
      await flushAll()
      return summary
    },

    async drain (options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 60_000)
      for (;;) {
        if (Date.now() > deadline) throw new Error('sender drain timed out')
        await housekeeping()
        const summary = await fill()
        await Promise.allSettled([...inFlightSends])
        await flushAll()
        if (summary.claimed === 0 && !summary.busy) break
        if (summary.claimed === 0 && summary.waitMs > 0) await sleep(Math.min(summary.waitMs, 50))
      }
      await housekeeping()
    },

    housekeeping,

    stats: () => ({ ...stats, inFlight }),

    get running () {
      return started
    },
  }
}
