import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.js'
import type { SecretBox } from '../privacy/secret-box.js'
import type { AuditLog } from '../privacy/audit-log.js'
import { createWebhookTransport, type Resolver, type WebhookResult } from '../privacy/outbound.js'
import type { WorkerLogger } from '../whatsapp/webhooks/inbox-processor.js'
import type { EndpointsRepository } from './endpoints-repository.js'
import type { ClaimedDelivery, DeliveriesRepository, Settlement } from './deliveries-repository.js'
import { signedHeaders } from './signing.js'
import { nextAttempt, retryAfterMs } from './retry-schedule.js'
import { sealedSecretBinding } from './webhook-service.js'

export interface DeliveryWorkerOptions {
  /** Deliveries sent at once (default 16); also the most one claim takes. */
  maxInFlight?: number
  /** How often the store is checked for due retries and rows other processes queued (default 1 s). */
  pollIntervalMs?: number
  /** How long a receiver has to answer (default 15 s, as Standard Webhooks recommends 15–30 s). */
  timeoutMs?: number
  /** How long a claimed delivery stays this worker's before another may send it again (default twice the timeout plus 5 s). */
  leaseMs?: number
  /** Clock in milliseconds; tests move it to reach retries and the 24-hour give-up. */
  now?: () => number
  /** Jitter source in [0, 1). */
  random?: () => number
  /** DNS, replaceable in tests (rebinding). */
  resolve?: Resolver
  /** Extra trusted CAs, for tests with a local https receiver. */
  ca?: string
  workerId?: string
  logger?: WorkerLogger
}

export interface DeliveryWorkerDeps {
  db: Kysely<Database>
  secretBox: SecretBox
  audit: AuditLog
  endpoints: EndpointsRepository
  deliveries: DeliveriesRepository
  /** `WEBHOOKS_ALLOW_PRIVATE`. */
  allowPrivate: boolean
  /** Wakes the worker when this process queues deliveries. */
  onQueued?: (wake: () => void) => () => void
}

export interface DeliveryWorker {
  readonly workerId: string
  /** Starts delivering: now, whenever this process queues deliveries, and on every poll. Idempotent. */
  start (options?: { logger?: WorkerLogger }): void
  /** Stops claiming and waits for the deliveries in flight to be answered and recorded. */
  stop (): Promise<void>
  /** One claim of what is due now (expired leases requeued first), sent and recorded. Returns how many. */
  runOnce (): Promise<number>
  /** Sends until nothing is due now and nothing is in flight (retries scheduled later are left). For tests and tools. Returns how many. */
  drain (): Promise<number>
  readonly running: boolean
}

const SILENT: WorkerLogger = { debug () {}, info () {}, warn () {}, error () {} }

const USER_AGENT = 'Switchboard-Webhooks/1 (+https://www.standardwebhooks.com)'

/**
 * The webhook delivery worker. It runs wherever the other workers run: inside the API
 * process (RUN_WORKERS) and in every `npm run worker` process; claims keep two of them
 * from holding the same delivery (see deliveries-repository.ts).
 *
 * Each attempt signs the stored body afresh with the current timestamp. A 2xx answer
 * delivers; 410 Gone fails the delivery and disables the endpoint (Standard Webhooks: "the
 * server is no longer interested"); anything else — another status, a timeout, a refused
 * address — is tried again on the retry schedule, Retry-After honoured, until 24 hours
 * after the delivery was queued.
 */
export function createDeliveryWorker (deps: DeliveryWorkerDeps, options: DeliveryWorkerOptions = {}): DeliveryWorker {
  const { db, secretBox, audit, endpoints, deliveries } = deps
  const maxInFlight = options.maxInFlight ?? 16
  const pollIntervalMs = options.pollIntervalMs ?? 1000
  const timeoutMs = options.timeoutMs ?? 15_000
  const leaseMs = options.leaseMs ?? Math.max(30_000, 2 * timeoutMs + 5000)
  const clock = options.now ?? Date.now
  const random = options.random ?? Math.random
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
  const transport = createWebhookTransport({
    allowPrivate: deps.allowPrivate,
    timeoutMs,
    ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  })
  if (leaseMs <= timeoutMs) throw new RangeError('leaseMs must exceed timeoutMs, or answered deliveries would be sent again')
  let log = options.logger ?? SILENT
  let started = false
  let loop: Promise<void> | undefined
  let wakeUp: (() => void) | undefined
  let unsubscribe: (() => void) | undefined
  // One round at a time in this process: drain() and the loop take turns.
  let turn: Promise<unknown> = Promise.resolve()
  const inFlight = new Set<Promise<void>>()

  const iso = (ms: number): string => new Date(ms).toISOString()

  function exclusive<T> (work: () => Promise<T>): Promise<T> {
    const next = turn.then(work)
    turn = next.catch(() => undefined)
    return next
  }

  function secretsOf (d: ClaimedDelivery, nowMs: number): string[] {
    const binding = (column: 'secret' | 'previous_secret') => sealedSecretBinding(d.workspaceId, d.endpointId, column)
    const secrets = [secretBox.open(d.secret, binding('secret'))]
    if (d.previousSecret !== null && d.previousSecretUntil !== null && Date.parse(d.previousSecretUntil) > nowMs) {
      secrets.push(secretBox.open(d.previousSecret, binding('previous_secret')))
    }
    return secrets
  }

  async function attempt (d: ClaimedDelivery, allowedHosts: ReadonlySet<string>): Promise<{ result: WebhookResult, startedMs: number, endedMs: number }> {
    const startedMs = clock()
    let result: WebhookResult
    try {
      const headers = {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        ...signedHeaders(secretsOf(d, startedMs), d.eventId, Math.floor(startedMs / 1000), d.body),
      }
      result = await transport({ url: d.url, body: d.body, headers, allowedHosts })
    } catch (error) {
      // Only our side can throw here (a secret sealed under a key no longer configured).
      result = { kind: 'failed', reason: `could not sign (${(error as Error).name})` }
    }
    return { result, startedMs, endedMs: clock() }
  }

  /** What the attempt means for the delivery: delivered, failed for good, or another try. */
  function settlementOf (d: ClaimedDelivery, outcome: Awaited<ReturnType<typeof attempt>>): Settlement {
    const { result, startedMs, endedMs } = outcome
    const statusCode = result.kind === 'response' ? result.status : null
    const ok = statusCode !== null && statusCode >= 200 && statusCode < 300
    const error = ok
      ? null
      : result.kind === 'response'
        ? `HTTP ${result.status}${result.status >= 300 && result.status < 400 ? ' (redirects are not followed: register the final URL)' : ''}`
        : result.kind === 'refused' ? `refused: ${result.reason}` : result.reason
    const base = { seq: d.seq, workspaceId: d.workspaceId, attempt: { attempt: d.attempts, attemptedAt: iso(startedMs), durationMs: Math.max(0, endedMs - startedMs), statusCode, error } }
    if (ok) return { ...base, next: { status: 'delivered', at: iso(endedMs) } }
    if (statusCode === 410) {
      return { ...base, next: { status: 'failed', at: iso(endedMs) }, disableEndpoint: { endpointId: d.endpointId, reason: 'The receiver answered 410 Gone: it no longer wants these events' } }
    }
    const next = nextAttempt({
      attempts: d.attempts,
      queuedAtMs: Date.parse(d.createdAt),
      nowMs: endedMs,
      retryAfterMs: result.kind === 'response' ? retryAfterMs(result.retryAfter, endedMs) : undefined,
      random,
    })
    if (next === 'give_up') return { ...base, attempt: { ...base.attempt, error: `${error ?? 'failed'}; gave up 24 hours after the event` }, next: { status: 'failed', at: iso(endedMs) } }
    return { ...base, next: { status: 'pending', nextAttemptAt: iso(next.at) } }
  }

  async function record (d: ClaimedDelivery, settlement: Settlement): Promise<void> {
    await db.transaction().execute(async (trx) => {
      const held = await deliveries.settle(trx, workerId, settlement)
      if (held && settlement.disableEndpoint !== undefined) {
        const at = settlement.attempt.attemptedAt
        const changed = await endpoints.update(d.workspaceId, settlement.disableEndpoint.endpointId, { status: 'disabled', disabled_reason: settlement.disableEndpoint.reason, updated_at: at }, trx)
        if (changed) await audit.record(d.workspaceId, { action: 'webhook.endpoint_disabled', targetType: 'webhook_endpoint', targetId: d.endpointId, details: { reason: 'gone' } }, trx)
      }
    })
    const { next } = settlement
    if (next.status === 'delivered') log.debug({ deliveryId: d.id, attempt: d.attempts }, 'webhook delivered')
    else log.warn({ deliveryId: d.id, endpointId: d.endpointId, attempt: d.attempts, status: settlement.attempt.statusCode, error: settlement.attempt.error, next: next.status }, 'webhook delivery failed')
  }

  /** Sends one claimed delivery and records what came of it; never throws. */
  async function deliver (d: ClaimedDelivery): Promise<void> {
    try {
      const outcome = await attempt(d, await endpoints.allowedHosts(d.workspaceId))
      await record(d, settlementOf(d, outcome))
    } catch (error) {
      // The lease runs out and the delivery is sent again: at least once, never lost.
      log.error({ deliveryId: d.id, error: (error as Error).name }, 'webhook delivery outcome not recorded')
    }
  }

  let lastRequeue = Number.NEGATIVE_INFINITY

  /**
   * Claims as many due deliveries as there are free slots and starts them, without
   * waiting for their answers: one slow receiver (up to the timeout) holds its own slots,
   * not everyone's. Returns how many it started.
   */
  async function fill (): Promise<number> {
    const free = maxInFlight - inFlight.size
    if (free <= 0) return 0
    const nowMs = clock()
    const now = iso(nowMs)
    // A write on SQLite even when nothing has expired: once per poll is enough.
    if (nowMs - lastRequeue >= pollIntervalMs) {
      lastRequeue = nowMs
      await deliveries.requeueExpired(now)
    }
    const claimed = await deliveries.claim({ workerId, limit: free, now, leaseUntil: iso(nowMs + leaseMs) })
    for (const d of claimed) {
      const sending: Promise<void> = deliver(d).finally(() => {
        inFlight.delete(sending)
        wakeUp?.()
      })
      inFlight.add(sending)
    }
    return claimed.length
  }

  function sleep (ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done (): void {
        clearTimeout(timer)
        if (wakeUp === done) wakeUp = undefined
        resolve()
      }
      wakeUp = done
    })
  }

  async function runLoop (): Promise<void> {
    while (started) {
      let claimed = 0
      try {
        claimed = await exclusive(fill)
      } catch (error) {
        log.error({ error: (error as Error).name }, 'webhook deliveries unavailable')
      }
      if (!started) break
      // Woken early by an answer (a slot is free, and the next of that contact may be due),
      // by this process queueing deliveries, or by stop().
      if (claimed === 0 || inFlight.size >= maxInFlight) await sleep(pollIntervalMs)
    }
  }

  /** Everything sent by this round has been answered and recorded. */
  async function settled (): Promise<void> {
    while (inFlight.size > 0) await Promise.all([...inFlight])
  }

  return {
    workerId,
    start (startOptions = {}) {
      if (started) return
      log = startOptions.logger ?? log
      started = true
      unsubscribe = deps.onQueued?.(() => wakeUp?.())
      loop = runLoop()
    },
    async stop () {
      started = false
      unsubscribe?.()
      unsubscribe = undefined
      wakeUp?.()
      await loop
      await turn
      await settled()
    },
    async runOnce () {
      const sent = await exclusive(fill)
      await settled()
      return sent
    },
    async drain () {
      let total = 0
      for (;;) {
        const sent = await exclusive(fill)
        total += sent
        if (sent === 0 && inFlight.size === 0) return total
        // A finished delivery frees a slot, and may make the next of its contact due.
        if (inFlight.size > 0) await Promise.race([...inFlight])
      }
    },
    get running () {
      return started
    },
  }
}
