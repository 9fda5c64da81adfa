import http from 'node:http'
import https from 'node:https'
import { asciiJson, signWebhookBody } from '../cloud-api/webhook-signature.js'
import type { MessageStatus, WebhookChange, WebhookEnvelope, WebhookMetadata } from '../cloud-api/webhook-types.js'
import type { Random } from './random.js'
import type { Scheduler } from './scheduler.js'

/** How the sandbox delivers webhooks. */
export interface WebhookDelivery {
  /** Per POST; a slower answer counts as a failure and is retried. */
  timeoutMs: number
  /** POSTs in flight at once (Meta delivers concurrently). */
  concurrency: number
  /** Statuses of one number due within `batchWindowMs` share a POST, up to this many. 1 = never batch. */
  maxBatch: number
  batchWindowMs: number
  /** Fraction of successful POSTs sent a second time, as Meta's retries sometimes do. */
  duplicateRate: number
  /** Retries of non-200 answers: `initialDelayMs × factor^(n-1)`, capped at `maxDelayMs`, until `maxAgeMs` after the first try (Meta: 7 days). */
  retry: { initialDelayMs: number, factor: number, maxDelayMs: number, maxAgeMs: number }
}

/** Counters for inspection. */
export interface WebhookStats {
  /** POSTs answered 200. */
  delivered: number
  /** POST attempts that failed (non-200, timeout, refused) and were retried or abandoned. */
  failedAttempts: number
  /** Deliveries given up after `retry.maxAgeMs`. */
  abandoned: number
  /** Webhooks not sent: no callback URL, or the WABA has not subscribed the app. */
  dropped: number
  /** Extra copies of successful POSTs (duplicate injection). */
  duplicates: number
  /** Events scheduled, buffered, in flight or waiting for a retry. */
  pending: number
}

interface Delivery {
  wabaId: string
  body: string
  signature: string
  attempts: number
  firstAt: number
  copy: boolean
}

interface StatusBatch {
  wabaId: string
  metadata: WebhookMetadata
  statuses: MessageStatus[]
  flushScheduled: boolean
}

export interface DispatcherDeps {
  appSecret: () => string
  /** Where this WABA's webhooks go now, or undefined to drop them. */
  target: (wabaId: string) => string | undefined
  behaviour: () => WebhookDelivery
  random: Random
  scheduler: Scheduler
}

/**
 * Turns events into signed webhook POSTs: ASCII-escaped JSON signed over exactly those
 * bytes, statuses of one number batched, deliveries concurrent with a cap, non-200 answers
 * retried with exponential backoff, and optional duplicate deliveries.
 */
export class WebhookDispatcher {
  private readonly buffers = new Map<string, StatusBatch>()
  private readonly waiting: Delivery[] = []
  private active = 0
  private outstanding = 0
  private idleWaiters: Array<() => void> = []
  private generation = 0
  private readonly counters = { delivered: 0, failedAttempts: 0, abandoned: 0, dropped: 0, duplicates: 0 }
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256 })
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 256 })

  constructor (private readonly deps: DispatcherDeps) {}

  stats (): WebhookStats {
    return { ...this.counters, pending: this.outstanding }
  }

  /** Resolves when nothing is scheduled, buffered, in flight or awaiting a retry. */
  whenIdle (): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Forgets everything pending (reset); in-flight POSTs finish but are not retried. */
  clear (): void {
    this.generation += 1
    this.buffers.clear()
    this.waiting.length = 0
    this.outstanding = this.active
    for (const key of Object.keys(this.counters) as Array<keyof typeof this.counters>) this.counters[key] = 0
    this.settle()
  }

  /** Emits a status for a number after `delayMs`; `onEmit` runs when it leaves (to record history). */
  status (wabaId: string, metadata: WebhookMetadata, status: MessageStatus, delayMs: number, onEmit?: () => void): void {
    this.outstanding += 1
    const generation = this.generation
    this.deps.scheduler.after(delayMs, () => {
      if (generation !== this.generation) return
      onEmit?.()
      this.buffer(wabaId, metadata, status)
      this.outstanding -= 1
      this.settle()
    })
  }

  /** Sends one change (inbound message, preference, template event) on its own POST after `delayMs`. */
  change (wabaId: string, change: WebhookChange, delayMs = 0, time?: number): void {
    this.outstanding += 1
    const generation = this.generation
    this.deps.scheduler.after(delayMs, () => {
      if (generation !== this.generation) return
      const entry = time === undefined ? { id: wabaId, changes: [change] } : { id: wabaId, time, changes: [change] }
      this.enqueue(wabaId, { object: 'whatsapp_business_account', entry: [entry] })
      this.outstanding -= 1
      this.settle()
    })
  }

  private buffer (wabaId: string, metadata: WebhookMetadata, status: MessageStatus): void {
    const key = metadata.phone_number_id
    let buffer = this.buffers.get(key)
    if (buffer === undefined) {
      buffer = { wabaId, metadata, statuses: [], flushScheduled: false }
      this.buffers.set(key, buffer)
    }
    buffer.statuses.push(status)
    this.outstanding += 1
    const { maxBatch, batchWindowMs } = this.deps.behaviour()
    if (buffer.statuses.length >= maxBatch) {
      this.flush(key)
    } else if (!buffer.flushScheduled) {
      buffer.flushScheduled = true
      const generation = this.generation
      this.deps.scheduler.after(batchWindowMs, () => { if (generation === this.generation) this.flush(key) })
    }
  }

  private flush (key: string): void {
    const buffer = this.buffers.get(key)
    if (buffer === undefined) return
    this.buffers.delete(key)
    const { maxBatch } = this.deps.behaviour()
    for (let i = 0; i < buffer.statuses.length; i += maxBatch) {
      const statuses = buffer.statuses.slice(i, i + maxBatch)
      this.enqueue(buffer.wabaId, {
        object: 'whatsapp_business_account',
        entry: [{ id: buffer.wabaId, changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: buffer.metadata, statuses } }] }],
      })
    }
    this.outstanding -= buffer.statuses.length
    this.settle()
  }

  private enqueue (wabaId: string, envelope: WebhookEnvelope, copy = false): void {
    const body = asciiJson(envelope)
    this.start({ wabaId, body, signature: signWebhookBody(this.deps.appSecret(), body), attempts: 0, firstAt: Date.now(), copy })
  }

  private start (delivery: Delivery): void {
    this.outstanding += 1
    this.waiting.push(delivery)
    this.pump()
  }

  private pump (): void {
    const { concurrency } = this.deps.behaviour()
    while (this.active < concurrency && this.waiting.length > 0) {
      const delivery = this.waiting.shift() as Delivery
      this.active += 1
      void this.attempt(delivery).finally(() => {
        this.active -= 1
        this.pump()
      })
    }
  }

  private async attempt (delivery: Delivery): Promise<void> {
    const generation = this.generation
    const url = this.deps.target(delivery.wabaId)
    if (url === undefined) {
      this.counters.dropped += 1
      this.done()
      return
    }
    const behaviour = this.deps.behaviour()
    delivery.attempts += 1
    // Meta counts only 200 as delivered; 201 or 204 are retried like any failure.
    const ok = (await this.post(url, delivery, behaviour.timeoutMs)) === 200
    if (generation !== this.generation) {
      this.done()
      return
    }
    if (ok) {
      this.counters.delivered += 1
      if (!delivery.copy && this.deps.random.chance(behaviour.duplicateRate)) {
        this.counters.duplicates += 1
        this.outstanding += 1
        this.deps.scheduler.after(this.deps.random.between(5, 250), () => {
          if (generation !== this.generation) return
          this.outstanding -= 1
          this.start({ ...delivery, attempts: 0, firstAt: Date.now(), copy: true })
        })
      }
      this.done()
      return
    }
    this.counters.failedAttempts += 1
    const { initialDelayMs, factor, maxDelayMs, maxAgeMs } = behaviour.retry
    const delay = Math.min(maxDelayMs, initialDelayMs * Math.pow(factor, delivery.attempts - 1))
    if (Date.now() + delay - delivery.firstAt > maxAgeMs) {
      this.counters.abandoned += 1
      this.done()
      return
    }
    this.deps.scheduler.after(delay, () => {
      if (generation !== this.generation) return
      this.waiting.push(delivery)
      this.pump()
    })
  }

  /**
   * One POST; resolves with the status, or 0 when it failed or timed out. node:http with a
   * keep-alive pool rather than fetch: at 1,000 messages/s (3,000 statuses/s) fetch's
   * streams and abort signals were the sandbox's largest cost.
   */
  private post (url: string, delivery: Delivery, timeoutMs: number): Promise<number> {
    return new Promise((resolve) => {
      let target: URL
      try {
        target = new URL(url)
      } catch {
        resolve(0)
        return
      }
      const secure = target.protocol === 'https:'
      const request = (secure ? https : http).request(target, {
        method: 'POST',
        agent: secure ? this.httpsAgent : this.httpAgent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(delivery.body),
          'x-hub-signature-256': delivery.signature,
          'user-agent': 'facebookexternalua',
        },
      }, (response) => {
        response.on('error', () => resolve(0))
        response.on('end', () => resolve(response.statusCode ?? 0))
        // Drain the answer so the socket goes back to the pool.
        response.resume()
      })
      request.setTimeout(timeoutMs, () => request.destroy(new Error('webhook timeout')))
      request.on('error', () => resolve(0))
      request.end(delivery.body)
    })
  }

  /** Closes pooled connections (sandbox shutdown). */
  destroy (): void {
    this.httpAgent.destroy()
    this.httpsAgent.destroy()
  }

  private done (): void {
    this.outstanding -= 1
    this.settle()
  }

  private settle (): void {
    if (this.outstanding > 0) return
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}
