import { randomBytes } from 'node:crypto'
import type {
  InboundMessage, MessageStatus, MessageStatusName, StatusPricing, TemplateStatusValue, WebhookChange, WebhookContact, WebhookMetadata,
} from '../cloud-api/webhook-types.js'
import { graphError, webhookError, type GraphErrorAnswer } from './graph-errors.js'
import { createRandom, type Random } from './random.js'
import { countryCodeOf, waIdFor } from './recipients.js'
import { Scheduler } from './scheduler.js'
import { SEED_TEMPLATES, type SandboxTemplateInput } from './seed-templates.js'
import { checkTemplateSend, templateToWire, type SandboxTemplate } from './templates.js'
import { TokenBucket } from './token-bucket.js'
import { WebhookDispatcher, type WebhookDelivery, type WebhookStats } from './webhook-dispatcher.js'

/** A business phone number the sandbox serves. */
export interface SandboxPhoneNumber {
  id: string
  /** As Meta shows it, such as `+1 555-078-3881`; webhooks carry its digits. */
  displayPhoneNumber: string
  verifiedName?: string
  /** Messages per second (default 80, at most 1000); inbound and outbound share it. */
  throughputPerSecond?: number
  qualityRating?: 'GREEN' | 'YELLOW' | 'RED' | 'UNKNOWN'
  messagingLimitTier?: string
  /** Registered for Cloud API (default true); unregistered numbers answer sends with 133010. */
  registered?: boolean
  /** Also on the WhatsApp Business app (coexistence): already registered, 20 messages/s, registering again is refused. */
  coexistence?: boolean
}

/** A uniform random duration. */
export interface DelayRange { minMs: number, maxMs: number }

/** When and how statuses go out, and how webhooks are delivered. */
export interface SandboxWebhookOptions extends Omit<WebhookDelivery, 'retry'> {
  /** From acceptance to `sent`. */
  sentDelay: DelayRange
  /** From `sent` to `delivered`. */
  deliveredDelay: DelayRange
  /** From `delivered` to `read`. */
  readDelay: DelayRange
  /** Fraction of delivered messages that get read. */
  readRate: number
  /** Fraction of messages whose statuses are emitted out of order (one adjacent pair swapped). */
  reorderRate: number
  /** Fraction of messages read at once, so `delivered` never comes (Meta skips it then). */
  skipDeliveredRate: number
  /**
   * Fraction of failing messages that get `sent` before `failed`: Meta can report a message
   * sent and then failed (webhooks status reference: `failed` may follow `sent`).
   */
  sentBeforeFailedRate: number
  retry: WebhookDelivery['retry']
}

/** Fault injection: per accepted-looking send, at most one fault, drawn from one seeded stream. */
export interface SandboxFaults {
  /** Accepted, then a `failed` status with 131026 (undeliverable). */
  131026: number
  /** Accepted, then `failed` with 131049 (per-user marketing cap); marketing templates only. */
  131049: number
  /** Answered 500 with Meta error 131000; nothing sent. */
  131000: number
  /** Answered 502 with a non-Meta body (ambiguous). */
  http5xx: number
  /** No answer; the connection is dropped after `timeoutHoldMs` (ambiguous). */
  timeout: number
  /** Answered normally but `slowMs` late. */
  slow: number
  /** For `http5xx` and `timeout`: the fraction where the message had in fact been accepted and goes on to be delivered. */
  acceptedBeforeFailure: number
  timeoutHoldMs: number
  slowMs: number
}

/** Options of `startSandbox`; every one has a default. */
export interface SandboxOptions {
  host?: string
  /** 0 = a free port. */
  port?: number
  /** Bearer tokens with access to everything (a system user); others get 190. */
  accessTokens?: string[]
  appId?: string
  appSecret?: string
  /** Where webhooks go; may be set later. Without one, webhooks are dropped (and counted). */
  webhookUrl?: string
  /** Graph version the app's webhooks use; below v24 statuses carry `conversation`. */
  webhookVersion?: string
  wabaId?: string
  businessId?: string
  phoneNumbers?: SandboxPhoneNumber[]
  templates?: SandboxTemplateInput[]
  /** Time to answer each Graph request. */
  latency?: DelayRange
  webhooks?: Partial<Omit<SandboxWebhookOptions, 'retry'>> & { retry?: Partial<WebhookDelivery['retry']> }
  faults?: Partial<SandboxFaults>
  /**
   * Where window (131047) and marketing opt-out (131050) errors surface. `webhook` (default):
   * the send is accepted and a `failed` status follows, as Cloud API does. `response`: a
   * synchronous 400.
   */
  policyErrors?: 'webhook' | 'response'
  /** Per-recipient pair rate: `burst` messages, refilling one per `refillSeconds` (Meta: 45 and 6). */
  pairRate?: { burst: number, refillSeconds: number }
  /** Lifetime of Embedded Signup codes (practitioners report about 30 s). */
  signupCodeTtlMs?: number
  /** Seed of every random choice (faults, timing, duplicates). */
  seed?: number
  /** Clock for limits, windows and timestamps (tests freeze or advance it). */
  now?: () => number
  /**
   * Messages whose status history is kept (default 200,000, about 1.3 KB each); beyond it the
   * oldest histories are forgotten. Per-recipient counts are never forgotten.
   */
  maxTrackedMessages?: number
}

/** A Graph answer as the HTTP layer sends it. */
export type Answer =
  | { kind: 'json', status: number, body: unknown, extraDelayMs?: number }
  | { kind: 'text', status: number, contentType: string, body: string }
  | { kind: 'hang', holdMs: number }

/** One accepted message and what happened to it. */
export interface MessageRecord {
  wamid: string
  phoneNumberId: string
  waId: string
  input: string
  type: string
  templateName?: string
  templateLanguage?: string
  category: StatusPricing['category']
  bizOpaqueCallbackData?: string
  acceptedAt: number
  /** Statuses in the order they were emitted (duplicate POSTs not repeated). */
  statuses: Array<{ status: MessageStatusName, at: number, errorCode?: number }>
}

/** What the inspection endpoint reports. */
export interface Inspection {
  acceptedTotal: number
  recipients: number
  /** Recipients that were accepted more than one message. */
  recipientsWithSeveral: number
  maxPerRecipient: number
  /** Accepted messages per wa_id (omitted when asked without). */
  byRecipient?: Record<string, number>
  statuses: Record<MessageStatusName, number>
  /** Synchronous error answers by Meta code. */
  rejected: Record<string, number>
  webhooks: WebhookStats
}

export interface InboundBase {
  /** The user's number (any format); becomes `from` as a wa_id. */
  from: string
  /** Profile name shown in `contacts`. */
  name?: string
  /** Business number written to (default: the first). */
  phoneNumberId?: string
}

/** An inbound message to simulate. */
export type InboundInput = InboundBase & (
  | { type: 'text', text: string }
  | { type: 'button', payload: string, text: string, contextWamid?: string }
  | { type: 'button_reply', id: string, title: string, contextWamid?: string }
  | { type: 'list_reply', id: string, title: string, description?: string, contextWamid?: string }
)

/** What the Embedded Signup popup hands the browser. */
export interface SignupResult {
  code: string
  waba_id: string
  phone_number_id: string
  business_id: string
}

const DAY = 24 * 60 * 60 * 1000
const FREE_FORM = new Set(['text', 'image', 'video', 'audio', 'document', 'sticker', 'interactive'])
const MEDIA = new Set(['image', 'video', 'audio', 'document', 'sticker'])
const TEMPLATE_EVENTS: Record<string, SandboxTemplate['status'] | undefined> = {
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
  FLAGGED: undefined,
}

const DEFAULT_WEBHOOKS: SandboxWebhookOptions = {
  sentDelay: { minMs: 50, maxMs: 250 },
  deliveredDelay: { minMs: 100, maxMs: 600 },
  readDelay: { minMs: 500, maxMs: 3000 },
  readRate: 0.6,
  reorderRate: 0,
  skipDeliveredRate: 0,
  sentBeforeFailedRate: 0,
  duplicateRate: 0,
  maxBatch: 4,
  batchWindowMs: 25,
  timeoutMs: 5000,
  concurrency: 50,
  retry: { initialDelayMs: 1000, factor: 2, maxDelayMs: 60 * 60 * 1000, maxAgeMs: 7 * DAY },
}

const NO_FAULTS: SandboxFaults = {
  131026: 0, 131049: 0, 131000: 0, http5xx: 0, timeout: 0, slow: 0,
  acceptedBeforeFailure: 0.5, timeoutHoldMs: 60_000, slowMs: 3000,
}

/** A phone number's live state. */
export interface PhoneState {
  id: string
  wabaId: string
  displayPhoneNumber: string
  digits: string
  countryCode: string
  verifiedName: string
  qualityRating: string
  messagingLimitTier: string
  throughputPerSecond: number
  bucket: TokenBucket
  registered: boolean
  /** On the WhatsApp Business app too (coexistence): registered by the app, fixed at 20 messages/s. */
  coexistence: boolean
  pin: string | undefined
  registerAttempts: number[]
}

/** A WABA's live state. */
export interface WabaState {
  id: string
  businessId: string
  name: string
  subscribed: boolean
  overrideCallbackUri: string | undefined
  phoneIds: string[]
  templates: SandboxTemplate[]
  optedOut: Set<string>
}

interface PairState {
  lastInboundAt: number | undefined
  bucket: TokenBucket | undefined
}

/** What a bearer token may see. */
export interface TokenState { wabaIds: Set<string> | 'all', revoked: boolean }

interface SignupCode { wabaId: string, expiresAt: number, used: boolean }

type Json = Record<string, unknown>

function isObject (v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function validRange (r: DelayRange, name: string): DelayRange {
  if (!(r.minMs >= 0 && r.maxMs >= r.minMs)) throw new RangeError(`${name}: need 0 <= minMs <= maxMs`)
  return r
}

function rate (v: number, name: string): number {
  if (!(v >= 0 && v <= 1)) throw new RangeError(`${name} must be between 0 and 1`)
  return v
}

function digitsOf (display: string): string {
  return display.replace(/\D/g, '')
}

function ok (body: unknown, status = 200): Answer {
  return { kind: 'json', status, body }
}

function fromError (e: GraphErrorAnswer): Answer {
  return { kind: 'json', status: e.status, body: e.body }
}

/**
 * The sandbox's state and behaviour without HTTP: phone numbers, WABAs, templates, tokens,
 * limits, windows, accepted messages and their status lifecycles. `startSandbox` puts an
 * HTTP server in front of it. Every operation is O(1) apart from template lookups (≤ 250).
 */
export class SandboxCore {
  readonly appId: string
  readonly appSecret: string
  readonly defaultWabaId: string
  private readonly options: SandboxOptions
  private readonly now: () => number
  private readonly scheduler = new Scheduler()
  private readonly dispatcher: WebhookDispatcher
  private faultRandom!: Random
  private timingRandom!: Random
  private webhookRandom!: Random
  private webhookUrl: string | undefined
  private webhookOptions!: SandboxWebhookOptions
  private faults!: SandboxFaults
  private policyErrors!: 'webhook' | 'response'
  private pairRate!: { burst: number, refillSeconds: number }
  private readonly phones = new Map<string, PhoneState>()
  private readonly wabas = new Map<string, WabaState>()
  private readonly tokens = new Map<string, TokenState>()
  private readonly pairs = new Map<string, PairState>()
  private readonly messages = new Map<string, MessageRecord>()
  private readonly inboundIds = new Map<string, string>()
  private readonly acceptedByRecipient = new Map<string, number>()
  private readonly wamidsByRecipient = new Map<string, string[]>()
  private readonly recipientFailures = new Map<string, number>()
  private readonly signupCodes = new Map<string, SignupCode>()
  /** Numbers Embedded Signup created, and the last of them a signup registered (connected). */
  private readonly signupPhones = new Set<string>()
  private connectedPhoneId: string | undefined
  private readonly rejected = new Map<number, number>()
  private forced: Array<{ code: number, details: string | undefined }> = []
  private readonly statusCounts: Record<MessageStatusName, number> = { sent: 0, delivered: 0, read: 0, failed: 0, played: 0 }
  private acceptedTotal = 0
  private wamidCounter = 0
  private idCounter = 0
  private readonly instanceTag = randomBytes(3).toString('hex').toUpperCase()

  constructor (options: SandboxOptions = {}) {
    this.options = options
    this.now = options.now ?? Date.now
    this.appId = options.appId ?? '1234567890123456'
    this.appSecret = options.appSecret ?? 'sandbox-app-secret'
    this.defaultWabaId = options.wabaId ?? '102290129340398'
    this.dispatcher = new WebhookDispatcher({
      appSecret: () => this.appSecret,
      target: (wabaId) => this.webhookTarget(wabaId),
      behaviour: () => this.webhookOptions,
      random: { next: () => this.webhookRandom.next(), between: (a, b) => this.webhookRandom.between(a, b), chance: (p) => this.webhookRandom.chance(p) },
      scheduler: this.scheduler,
    })
    this.reset()
  }

  // ---------------------------------------------------------------- setup and controls

  /** Back to the state right after start: seed data, no messages, no counters, initial faults. */
  reset (): void {
    const o = this.options
    this.scheduler.clear()
    this.dispatcher.clear()
    const seed = o.seed ?? 0x5eed
    // Separate streams: how many faults are drawn must not change the webhook timing, and vice versa.
    this.faultRandom = createRandom(seed)
    this.timingRandom = createRandom(seed ^ 0x9e3779b9)
    this.webhookRandom = createRandom(seed ^ 0x85ebca6b)
    this.webhookUrl = o.webhookUrl
    const w = o.webhooks ?? {}
    this.webhookOptions = { ...DEFAULT_WEBHOOKS, ...w, retry: { ...DEFAULT_WEBHOOKS.retry, ...w.retry } }
    for (const key of ['sentDelay', 'deliveredDelay', 'readDelay'] as const) validRange(this.webhookOptions[key], `webhooks.${key}`)
    for (const key of ['readRate', 'reorderRate', 'skipDeliveredRate', 'duplicateRate', 'sentBeforeFailedRate'] as const) rate(this.webhookOptions[key], `webhooks.${key}`)
    if (!(this.webhookOptions.maxBatch >= 1)) throw new RangeError('webhooks.maxBatch must be at least 1')
    this.faults = { ...NO_FAULTS }
    this.setFaults(o.faults ?? {})
    this.policyErrors = o.policyErrors ?? 'webhook'
    this.pairRate = o.pairRate ?? { burst: 45, refillSeconds: 6 }
    if (o.latency !== undefined) validRange(o.latency, 'latency')

    this.phones.clear()
    this.wabas.clear()
    this.tokens.clear()
    this.pairs.clear()
    this.messages.clear()
    this.inboundIds.clear()
    this.acceptedByRecipient.clear()
    this.wamidsByRecipient.clear()
    this.recipientFailures.clear()
    this.signupCodes.clear()
    this.rejected.clear()
    this.forced = []
    for (const key of Object.keys(this.statusCounts) as MessageStatusName[]) this.statusCounts[key] = 0
    this.acceptedTotal = 0

    for (const token of o.accessTokens ?? ['sandbox-token']) this.tokens.set(token, { wabaIds: 'all', revoked: false })
    const waba = this.addWaba(this.defaultWabaId, o.businessId ?? '1020304050607080', 'Switchboard Sandbox', true, o.templates ?? SEED_TEMPLATES)
    const numbers = o.phoneNumbers ?? [{ id: '106540352242922', displayPhoneNumber: '+1 555-078-3881', verifiedName: 'Switchboard Sandbox', messagingLimitTier: 'TIER_UNLIMITED' }]
    if (numbers.length === 0) throw new RangeError('phoneNumbers needs at least one number')
    for (const n of numbers) this.addPhone(waba, n)
  }

  private addWaba (id: string, businessId: string, name: string, subscribed: boolean, templates: readonly SandboxTemplateInput[]): WabaState {
    const waba: WabaState = {
      id, businessId, name, subscribed, overrideCallbackUri: undefined, phoneIds: [], optedOut: new Set(),
      templates: templates.map((t) => ({ ...t, id: t.id ?? this.newNumericId() })),
    }
    this.wabas.set(id, waba)
    return waba
  }

  private addPhone (waba: WabaState, n: SandboxPhoneNumber): PhoneState {
    const mps = n.throughputPerSecond ?? 80
    if (!(mps >= 1 && mps <= 1000)) throw new RangeError('throughputPerSecond must be between 1 and 1000')
    const digits = digitsOf(n.displayPhoneNumber)
    const phone: PhoneState = {
      id: n.id,
      wabaId: waba.id,
      displayPhoneNumber: n.displayPhoneNumber,
      digits,
      countryCode: countryCodeOf(digits),
      verifiedName: n.verifiedName ?? waba.name,
      qualityRating: n.qualityRating ?? 'GREEN',
      messagingLimitTier: n.messagingLimitTier ?? 'TIER_250',
      throughputPerSecond: mps,
      bucket: new TokenBucket(mps, mps, this.now()),
      registered: n.registered ?? true,
      coexistence: n.coexistence ?? false,
      pin: undefined,
      registerAttempts: [],
    }
    this.phones.set(phone.id, phone)
    waba.phoneIds.push(phone.id)
    return phone
  }

  private newNumericId (): string {
    this.idCounter += 1
    return String(100_000_000_000_000 + Math.floor(this.timingRandom.next() * 800_000_000_000_000) + this.idCounter)
  }

  /** Ids of the first phone number and the default WABA. */
  get defaults (): { wabaId: string, phoneNumberId: string, businessId: string, accessToken: string | undefined } {
    const waba = this.wabas.get(this.defaultWabaId) as WabaState
    return { wabaId: waba.id, phoneNumberId: waba.phoneIds[0] as string, businessId: waba.businessId, accessToken: this.options.accessTokens?.[0] ?? 'sandbox-token' }
  }

  /** Latency range for Graph answers. */
  get latency (): DelayRange {
    return this.options.latency ?? { minMs: 50, maxMs: 150 }
  }

  /** A random answer delay within the latency range. */
  answerDelay (): number {
    const { minMs, maxMs } = this.latency
    return this.timingRandom.between(minMs, maxMs)
  }

  /** Changes fault rates (unspecified ones keep their value); the rates must add up to at most 1. */
  setFaults (faults: Partial<SandboxFaults>): SandboxFaults {
    const next = { ...this.faults, ...faults }
    for (const key of ['131026', '131049', '131000', 'http5xx', 'timeout', 'slow', 'acceptedBeforeFailure'] as const) {
      rate(next[key as keyof SandboxFaults], `faults.${key}`)
    }
    const total = next[131026] + next[131049] + next[131000] + next.http5xx + next.timeout + next.slow
    if (total > 1 + 1e-9) throw new RangeError('fault rates add up to more than 1')
    if (!(next.timeoutHoldMs >= 0) || !(next.slowMs >= 0)) throw new RangeError('timeoutHoldMs and slowMs must be >= 0')
    this.faults = next
    return { ...next }
  }

  /** Sets a number's messages-per-second (1–1000); its bucket starts full. */
  setThroughput (phoneNumberId: string, perSecond: number): void {
    const phone = this.phones.get(phoneNumberId)
    if (phone === undefined) throw new RangeError('unknown phone number id')
    if (!(perSecond >= 1 && perSecond <= 1000)) throw new RangeError('throughput must be between 1 and 1000')
    phone.throughputPerSecond = perSecond
    phone.bucket.reconfigure(perSecond, perSecond, this.now())
  }

  /** Sets (or with undefined clears) the app's webhook callback URL. */
  setWebhookUrl (url: string | undefined): void {
    this.webhookUrl = url
  }

  get currentWebhookUrl (): string | undefined {
    return this.webhookUrl
  }

  /** Every later send to `waId` is accepted and then fails asynchronously with `code` (null to stop). */
  setRecipientFailure (waId: string, code: number | null): void {
    const id = digitsOf(waId)
    if (code === null) this.recipientFailures.delete(id)
    else this.recipientFailures.set(id, code)
  }

  /** Makes `token` fail with 190 from now on (an expired or revoked business token). */
  revokeToken (token: string): boolean {
    const state = this.tokens.get(token)
    if (state === undefined) return false
    state.revoked = true
    return true
  }

  /** Adds a bearer token with access to everything (or only to the listed WABAs). */
  addToken (token: string, wabaIds?: string[]): void {
    this.tokens.set(token, { wabaIds: wabaIds === undefined ? 'all' : new Set(wabaIds), revoked: false })
  }

  private webhookTarget (wabaId: string): string | undefined {
    const waba = this.wabas.get(wabaId)
    // Meta sends nothing for a WABA our app has not subscribed to (Embedded Signup step 2).
    if (waba === undefined || !waba.subscribed) return undefined
    return waba.overrideCallbackUri ?? this.webhookUrl
  }

  whenWebhooksIdle (): Promise<void> {
    return this.dispatcher.whenIdle()
  }

  close (): void {
    this.scheduler.close()
    this.dispatcher.clear()
    this.dispatcher.destroy()
  }

  // ---------------------------------------------------------------- inspection

  inspect (includeRecipients = true): Inspection {
    let several = 0
    let max = 0
    for (const n of this.acceptedByRecipient.values()) {
      if (n > 1) several += 1
      if (n > max) max = n
    }
    const result: Inspection = {
      acceptedTotal: this.acceptedTotal,
      recipients: this.acceptedByRecipient.size,
      recipientsWithSeveral: several,
      maxPerRecipient: max,
      statuses: { ...this.statusCounts },
      rejected: Object.fromEntries([...this.rejected].map(([code, n]) => [String(code), n])),
      webhooks: this.dispatcher.stats(),
    }
    if (includeRecipients) result.byRecipient = Object.fromEntries(this.acceptedByRecipient)
    return result
  }

  /** One accepted message with its status history, if still remembered. */
  message (wamid: string): MessageRecord | undefined {
    const m = this.messages.get(wamid)
    return m === undefined ? undefined : { ...m, statuses: [...m.statuses] }
  }

  /** What the sandbox knows about one user (window and opt-out as seen by the first number and the default WABA). */
  recipient (waIdOrPhone: string): { waId: string, accepted: number, wamids: string[], windowOpenUntil: number | null, optedOut: boolean, failWith: number | null } {
    const waId = digitsOf(waIdOrPhone)
    const defaults = this.defaults
    const pair = this.pairs.get(`${defaults.phoneNumberId}:${waId}`)
    const last = pair?.lastInboundAt
    return {
      waId,
      accepted: this.acceptedByRecipient.get(waId) ?? 0,
      wamids: [...(this.wamidsByRecipient.get(waId) ?? [])],
      windowOpenUntil: last === undefined || this.now() - last >= DAY ? null : last + DAY,
      optedOut: this.wabas.get(defaults.wabaId)?.optedOut.has(waId) ?? false,
      failWith: this.recipientFailures.get(waId) ?? null,
    }
  }

  // ---------------------------------------------------------------- auth

  /** Checks the bearer token; an error answer, or the token's WABA scope. */
  authenticate (token: string | undefined): Answer | TokenState {
    if (token === undefined || token === '') {
      return fromError(graphError(190, 'No access token was sent.', { message: 'An active access token must be used to query information about the current user.' }))
    }
    const state = this.tokens.get(token)
    if (state === undefined) return fromError(graphError(190, 'The access token could not be decrypted.', { message: 'Invalid OAuth access token - Cannot parse access token' }))
    if (state.revoked) return fromError(graphError(190, 'The access token has expired or was revoked.', { message: 'Error validating access token: Session has expired or the token was revoked.' }))
    return state
  }

  private canSee (scope: TokenState, wabaId: string): boolean {
    return scope.wabaIds === 'all' || scope.wabaIds.has(wabaId)
  }

  /** What an id names, if the token may see it. */
  lookup (scope: TokenState, id: string): { kind: 'phone', phone: PhoneState } | { kind: 'waba', waba: WabaState } | undefined {
    const phone = this.phones.get(id)
    if (phone !== undefined) return this.canSee(scope, phone.wabaId) ? { kind: 'phone', phone } : undefined
    const waba = this.wabas.get(id)
    if (waba !== undefined) return this.canSee(scope, waba.id) ? { kind: 'waba', waba } : undefined
    return undefined
  }

  private reject (e: GraphErrorAnswer): Answer {
    const code = (e.body.error['code'] as number)
    this.rejected.set(code, (this.rejected.get(code) ?? 0) + 1)
    return fromError(e)
  }

  // ---------------------------------------------------------------- POST /{phone}/messages

  /**
   * The next `times` sends (any number) are answered with Meta error `code` before any
   * other check: for errors no simulation produces (368, 131031, 131048, …).
   */
  forceErrors (code: number, times = 1, details?: string): void {
    if (!Number.isInteger(code) || !Number.isInteger(times) || times < 1) throw new RangeError('code and times must be whole numbers, times >= 1')
    for (let i = 0; i < times; i += 1) this.forced.push({ code, details })
  }

  /** Handles a send (or mark-as-read) to `phone`, like Cloud API. */
  send (phone: PhoneState, body: unknown): Answer {
    const now = this.now()
    const forced = this.forced.shift()
    if (forced !== undefined) return this.reject(graphError(forced.code, forced.details))
    if (!isObject(body)) return this.reject(graphError(100, 'The request body must be a JSON object.'))
    if (body['messaging_product'] !== 'whatsapp') {
      return this.reject(graphError(100, 'messaging_product must be "whatsapp".', { message: '(#100) The parameter messaging_product is required.' }))
    }
    if (!phone.registered) return this.reject(graphError(133010))
    if (body['status'] === 'read') return this.markRead(phone, body)

    const recipientType = body['recipient_type'] ?? 'individual'
    if (recipientType !== 'individual') return this.reject(graphError(100, 'The sandbox only sends to individuals (recipient_type "individual").'))
    const to = body['to']
    if (typeof to !== 'string' || to === '') return this.reject(graphError(100, 'to is required.', { message: '(#100) The parameter to is required.' }))
    const type = body['type'] ?? 'text'
    if (typeof type !== 'string') return this.reject(graphError(100, 'type must be a string.'))
    if (!FREE_FORM.has(type) && type !== 'template') return this.reject(graphError(131051, `Message type ${type} is not supported.`))
    const payload = body[type]
    if (!isObject(payload)) return this.reject(graphError(131008, `The parameter ${type} is required.`))
    const bizOpaque = body['biz_opaque_callback_data']
    if (bizOpaque !== undefined && (typeof bizOpaque !== 'string' || bizOpaque.length > 512)) {
      return this.reject(graphError(100, 'biz_opaque_callback_data must be a string of at most 512 characters.'))
    }
    const waba = this.wabas.get(phone.wabaId) as WabaState

    let template: SandboxTemplate | undefined
    let mediaFailure = false
    if (type === 'text') {
      const text = payload['body']
      if (typeof text !== 'string' || text === '') return this.reject(graphError(131008, 'text.body is required.'))
      if (text.length > 4096) return this.reject(graphError(100, 'text.body must be at most 4096 characters long.'))
    } else if (MEDIA.has(type)) {
      const problem = this.checkMedia(type, payload)
      if (problem !== undefined) return this.reject(problem)
      // A link that cannot be fetched fails after acceptance, as Meta downloads it asynchronously.
      mediaFailure = typeof payload['link'] === 'string' && /^https?:\/\/[^/]*\.invalid([:/]|$)/.test(payload['link'])
    } else if (type === 'interactive') {
      const problem = this.checkInteractive(payload)
      if (problem !== undefined) return this.reject(problem)
    } else {
      const checked = checkTemplateSend(waba.templates, payload)
      if (!('id' in checked)) return this.reject(graphError(checked.code, checked.details))
      template = checked
    }

    const waId = waIdFor(to, phone.countryCode)
    if (waId === undefined) return this.reject(graphError(100, 'to is not a valid phone number.'))
    if (waId === phone.digits) return this.reject(graphError(131021, 'The recipient is the sender.', { message: '(#131021) Recipient cannot be sender.' }))

    if (!phone.bucket.take(now)) return this.reject(graphError(130429))
    const pairKey = `${phone.id}:${waId}`
    let pair = this.pairs.get(pairKey)
    if (pair === undefined) {
      pair = { lastInboundAt: undefined, bucket: undefined }
      this.pairs.set(pairKey, pair)
    }
    pair.bucket ??= new TokenBucket(this.pairRate.burst, 1 / this.pairRate.refillSeconds, now)
    if (!pair.bucket.take(now)) return this.reject(graphError(131056))

    const windowOpen = pair.lastInboundAt !== undefined && now - pair.lastInboundAt < DAY
    let policyFailure: number | undefined
    if (template === undefined && !windowOpen) policyFailure = 131047
    else if (template?.category === 'MARKETING' && waba.optedOut.has(waId)) policyFailure = 131050
    if (policyFailure !== undefined && this.policyErrors === 'response') return this.reject(graphError(policyFailure))

    const category: StatusPricing['category'] = template === undefined ? 'service' : template.category.toLowerCase() as StatusPricing['category']
    const free = template === undefined || (template.category === 'UTILITY' && windowOpen)
    const accept = (failWith?: number): string => this.accept({
      phone, waba, waId, input: to, type, template, category, free,
      bizOpaque: bizOpaque as string | undefined,
      failWith: failWith ?? policyFailure ?? this.recipientFailures.get(waId) ?? (mediaFailure ? 131053 : undefined),
    })
    const success = (wamid: string): Answer => ok({
      messaging_product: 'whatsapp',
      contacts: [{ input: to, wa_id: waId }],
      // `message_status` appears on template sends only (reference §1).
      messages: [template === undefined ? { id: wamid } : { id: wamid, message_status: 'accepted' }],
    })

    // One draw per send that got this far, so a fixed seed gives the same fault sequence.
    const f = this.faults
    let u = this.faultRandom.next()
    if ((u -= f[131026]) < 0) return success(accept(131026))
    if ((u -= f[131049]) < 0) return success(accept(template?.category === 'MARKETING' ? 131049 : undefined))
    if ((u -= f[131000]) < 0) return this.reject(graphError(131000))
    if ((u -= f.http5xx) < 0) {
      if (this.faultRandom.chance(f.acceptedBeforeFailure)) accept()
      return { kind: 'text', status: 502, contentType: 'text/html; charset=utf-8', body: '<html><body><h1>502 Bad Gateway</h1></body></html>' }
    }
    if ((u -= f.timeout) < 0) {
      if (this.faultRandom.chance(f.acceptedBeforeFailure)) accept()
      return { kind: 'hang', holdMs: f.timeoutHoldMs }
    }
    if ((u -= f.slow) < 0) return { ...(success(accept()) as Answer & { kind: 'json' }), extraDelayMs: f.slowMs }
    return success(accept())
  }

  private checkMedia (type: string, m: Json): GraphErrorAnswer | undefined {
    const hasId = typeof m['id'] === 'string' && m['id'] !== ''
    const hasLink = typeof m['link'] === 'string' && m['link'] !== ''
    if (hasId === hasLink) return graphError(131008, `${type} needs exactly one of id or link.`)
    if (hasLink && !/^https?:\/\/\S+$/.test(m['link'] as string)) return graphError(131009, `${type}.link must be an http(s) URL.`)
    if (m['caption'] !== undefined && (type === 'audio' || type === 'sticker')) return graphError(100, `${type} cannot have a caption.`)
    if (m['filename'] !== undefined && type !== 'document') return graphError(100, 'Only documents have a filename.')
    return undefined
  }

  private checkInteractive (i: Json): GraphErrorAnswer | undefined {
    const kind = i['type']
    if (kind !== 'button' && kind !== 'list' && kind !== 'cta_url') return graphError(131009, 'interactive.type must be button, list or cta_url.')
    if (!isObject(i['body']) || typeof i['body']['text'] !== 'string' || i['body']['text'] === '') return graphError(131008, 'interactive.body.text is required.')
    const action = i['action']
    if (!isObject(action)) return graphError(131008, 'interactive.action is required.')
    if (kind === 'button') {
      const buttons = action['buttons']
      if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3) return graphError(131009, 'interactive.action.buttons must hold 1 to 3 buttons.')
      for (const b of buttons) {
        if (!isObject(b) || b['type'] !== 'reply' || !isObject(b['reply']) || typeof b['reply']['id'] !== 'string' || typeof b['reply']['title'] !== 'string') {
          return graphError(131009, 'Each reply button needs type "reply" and reply.id / reply.title.')
        }
        if (b['reply']['title'].length > 20) return graphError(131009, 'Button titles are at most 20 characters.')
      }
    } else if (kind === 'list') {
      if (typeof action['button'] !== 'string' || !Array.isArray(action['sections']) || action['sections'].length === 0) {
        return graphError(131009, 'A list needs action.button and at least one section.')
      }
    }
    return undefined
  }

  private markRead (phone: PhoneState, body: Json): Answer {
    const id = body['message_id']
    if (typeof id !== 'string' || id === '') return this.reject(graphError(100, 'message_id is required.'))
    if (this.inboundIds.get(id) !== phone.id) return this.reject(graphError(100, 'message_id does not name a message this number received.'))
    return ok({ success: true })
  }

  private newWamid (waId: string): string {
    this.wamidCounter += 1
    // Shaped like Meta's: `wamid.` + base64 of a small binary record holding the user's number and a unique id.
    const unique = `${this.instanceTag}${this.wamidCounter.toString(16).toUpperCase().padStart(12, '0')}`
    const raw = Buffer.concat([
      Buffer.from([0x1c, 0x18, waId.length]), Buffer.from(waId), Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, unique.length]), Buffer.from(unique), Buffer.from([0x00]),
    ])
    return `wamid.${raw.toString('base64')}`
  }

  private accept (m: {
    phone: PhoneState, waba: WabaState, waId: string, input: string, type: string, template: SandboxTemplate | undefined,
    category: StatusPricing['category'], free: boolean, bizOpaque: string | undefined, failWith: number | undefined
  }): string {
    const wamid = this.newWamid(m.waId)
    const record: MessageRecord = {
      wamid, phoneNumberId: m.phone.id, waId: m.waId, input: m.input, type: m.type, category: m.category, acceptedAt: this.now(), statuses: [],
    }
    if (m.template !== undefined) {
      record.templateName = m.template.name
      record.templateLanguage = m.template.language
    }
    if (m.bizOpaque !== undefined) record.bizOpaqueCallbackData = m.bizOpaque
    this.messages.set(wamid, record)
    const cap = this.options.maxTrackedMessages ?? 200_000
    if (this.messages.size > cap) this.messages.delete(this.messages.keys().next().value as string)
    this.acceptedTotal += 1
    this.acceptedByRecipient.set(m.waId, (this.acceptedByRecipient.get(m.waId) ?? 0) + 1)
    let list = this.wamidsByRecipient.get(m.waId)
    if (list === undefined) {
      list = []
      this.wamidsByRecipient.set(m.waId, list)
    }
    list.push(wamid)
    this.scheduleLifecycle(m.phone, record, m.free, m.failWith)
    return wamid
  }

  private metadataOf (phone: PhoneState): WebhookMetadata {
    return { display_phone_number: phone.digits, phone_number_id: phone.id }
  }

  private scheduleLifecycle (phone: PhoneState, record: MessageRecord, free: boolean, failWith: number | undefined): void {
    const o = this.webhookOptions
    const r = this.timingRandom
    const base = (status: MessageStatusName, offsetMs: number): MessageStatus => {
      const s: MessageStatus = { id: record.wamid, status, timestamp: String(Math.floor((this.now() + offsetMs) / 1000)), recipient_id: record.waId }
      if (record.bizOpaqueCallbackData !== undefined) s.biz_opaque_callback_data = record.bizOpaqueCallbackData
      return s
    }
    const emit = (status: MessageStatus, delayMs: number, errorCode?: number): void => {
      this.dispatcher.status(phone.wabaId, this.metadataOf(phone), status, delayMs, () => {
        record.statuses.push(errorCode === undefined ? { status: status.status, at: this.now() } : { status: status.status, at: this.now(), errorCode })
        this.statusCounts[status.status] += 1
      })
    }
    const sentAt = r.between(o.sentDelay.minMs, o.sentDelay.maxMs)
    if (failWith !== undefined) {
      // Failed messages are not charged: no pricing, no conversation.
      if (r.chance(o.sentBeforeFailedRate)) {
        emit(base('sent', sentAt), sentAt)
        const failedAt = sentAt + r.between(o.deliveredDelay.minMs, o.deliveredDelay.maxMs)
        emit({ ...base('failed', failedAt), errors: [webhookError(failWith)] }, failedAt, failWith)
        return
      }
      emit({ ...base('failed', sentAt), errors: [webhookError(failWith)] }, sentAt, failWith)
      return
    }
    const pricing: StatusPricing = { billable: !free, pricing_model: 'PMP', type: free ? 'free_customer_service' : 'regular', category: record.category }
    const legacy = Number(/^v(\d+)/.exec(this.options.webhookVersion ?? 'v25.0')?.[1] ?? 25) < 24
    const conversationId = legacy ? randomBytes(16).toString('hex') : ''
    const withPricing = (s: MessageStatus, sent: boolean): MessageStatus => {
      s.pricing = { ...pricing }
      // `conversation` is gone from v24.0 on (reference §3).
      if (legacy) {
        s.conversation = sent
          ? { id: conversationId, expiration_timestamp: String(Math.floor((this.now() + DAY) / 1000)), origin: { type: record.category } }
          : { id: conversationId, origin: { type: record.category } }
      }
      return s
    }

    const skipDelivered = r.chance(o.skipDeliveredRate)
    const read = skipDelivered || r.chance(o.readRate)
    const deliveredAt = sentAt + r.between(o.deliveredDelay.minMs, o.deliveredDelay.maxMs)
    const readAt = deliveredAt + r.between(o.readDelay.minMs, o.readDelay.maxMs)
    const events: Array<{ status: MessageStatus, at: number }> = [{ status: withPricing(base('sent', sentAt), true), at: sentAt }]
    if (!skipDelivered) events.push({ status: withPricing(base('delivered', deliveredAt), false), at: deliveredAt })
    // Pricing rides on `sent` and on exactly one of delivered/read.
    if (read) events.push({ status: skipDelivered ? withPricing(base('read', readAt), false) : base('read', readAt), at: readAt })
    if (events.length >= 2 && r.chance(o.reorderRate)) {
      const i = r.between(0, events.length - 2)
      const a = events[i] as { at: number }
      const b = events[i + 1] as { at: number }
      ;[a.at, b.at] = [b.at + 1, a.at]
    }
    for (const e of events) emit(e.status, e.at)
  }

  // ---------------------------------------------------------------- inbound simulation

  /**
   * The number a simulated user writes to when none is named: the one an Embedded Signup
   * last connected (what the app shows as its number), else the sandbox's own first number.
   * So "play the customer" reaches the workspace that connected the sandbox as written.
   */
  private phoneFor (phoneNumberId: string | undefined): PhoneState {
    const phone = this.phones.get(phoneNumberId ?? this.connectedPhoneId ?? this.defaults.phoneNumberId)
    if (phone === undefined) throw new RangeError('unknown phone number id')
    return phone
  }

  /** Adds a registered number to a WABA (a business with several numbers: replies must come from the one the user wrote to). */
  addNumber (wabaId: string, input: { displayPhoneNumber: string, throughputPerSecond?: number }): string {
    const waba = this.wabas.get(wabaId)
    if (waba === undefined) throw new RangeError('unknown WABA')
    return this.addPhone(waba, { id: this.newNumericId(), displayPhoneNumber: input.displayPhoneNumber, ...(input.throughputPerSecond === undefined ? {} : { throughputPerSecond: input.throughputPerSecond }) }).id
  }

  /** A user writes to the business: opens (or refreshes) their 24-hour window and sends the `messages` webhook. */
  inbound (input: InboundInput): { wamid: string, waId: string } {
    const phone = this.phoneFor(input.phoneNumberId)
    const waId = waIdFor(input.from.startsWith('+') ? input.from : `+${input.from}`, phone.countryCode)
    if (waId === undefined) throw new RangeError('from is not a phone number')
    const now = this.now()
    phone.bucket.drain(now)
    const key = `${phone.id}:${waId}`
    const pair = this.pairs.get(key) ?? { lastInboundAt: undefined, bucket: undefined }
    pair.lastInboundAt = now
    this.pairs.set(key, pair)

    const wamid = this.newWamid(waId)
    this.inboundIds.set(wamid, phone.id)
    const base = { from: waId, id: wamid, timestamp: String(Math.floor(now / 1000)) }
    const context = 'contextWamid' in input && input.contextWamid !== undefined ? { context: { from: phone.digits, id: input.contextWamid } } : {}
    let message: InboundMessage
    switch (input.type) {
      case 'text':
        message = { ...base, type: 'text', text: { body: input.text } }
        break
      case 'button':
        message = { ...base, ...context, type: 'button', button: { payload: input.payload, text: input.text } }
        break
      case 'button_reply':
        message = { ...base, ...context, type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: input.id, title: input.title } } }
        break
      case 'list_reply': {
        const reply: { id: string, title: string, description?: string } = { id: input.id, title: input.title }
        if (input.description !== undefined) reply.description = input.description
        message = { ...base, ...context, type: 'interactive', interactive: { type: 'list_reply', list_reply: reply } }
        break
      }
    }
    const contacts: WebhookContact[] = [{ profile: { name: input.name ?? 'Sandbox User' }, wa_id: waId }]
    this.dispatcher.change(phone.wabaId, { field: 'messages', value: { messaging_product: 'whatsapp', metadata: this.metadataOf(phone), contacts, messages: [message] } })
    return { wamid, waId }
  }

  /**
   * Meta changes a number's messaging limit or throughput and says so in
   * `phone_number_quality_update`. From February 2026 `max_daily_conversations_per_business`
   * replaces `current_limit` (Meta's page says the latter "will be removed"): `legacy` sends
   * only the old field, otherwise both are sent, as during the transition.
   */
  qualityUpdate (input: { phoneNumberId?: string, event: string, tier?: string, maxDaily?: number, legacy?: boolean }): void {
    const phone = this.phoneFor(input.phoneNumberId)
    if (input.tier !== undefined) phone.messagingLimitTier = input.tier
    if (input.event === 'THROUGHPUT_UPGRADE') phone.throughputPerSecond = 1000
    const value: Extract<WebhookChange, { field: 'phone_number_quality_update' }>['value'] = { display_phone_number: phone.digits, event: input.event }
    if (input.tier !== undefined) value.current_limit = input.tier
    if (input.maxDaily !== undefined && input.legacy !== true) value.max_daily_conversations_per_business = String(input.maxDaily)
    this.dispatcher.change(phone.wabaId, { field: 'phone_number_quality_update', value })
  }

  /** Meta bans, restricts or reinstates the WABA of a number: `account_update` (required for Embedded Signup). */
  accountUpdate (input: { phoneNumberId?: string, event: string, banState?: 'DISABLE' | 'SCHEDULE_FOR_DISABLE' | 'REINSTATE' }): void {
    const phone = this.phoneFor(input.phoneNumberId)
    const value: Extract<WebhookChange, { field: 'account_update' }>['value'] = { phone_number: phone.digits, event: input.event }
    if (input.banState !== undefined) value.ban_info = { waba_ban_state: input.banState, waba_ban_date: new Date(this.now()).toISOString().slice(0, 10) }
    this.dispatcher.change(phone.wabaId, { field: 'account_update', value })
  }

  /** A user stops or resumes marketing messages: updates the opt-out list and sends `user_preferences`. */
  userPreference (input: { waId: string, value: 'stop' | 'resume', name?: string, phoneNumberId?: string }): void {
    const phone = this.phoneFor(input.phoneNumberId)
    const waba = this.wabas.get(phone.wabaId) as WabaState
    const waId = digitsOf(input.waId)
    if (input.value === 'stop') waba.optedOut.add(waId)
    else waba.optedOut.delete(waId)
    const now = this.now()
    this.dispatcher.change(phone.wabaId, {
      field: 'user_preferences',
      value: {
        messaging_product: 'whatsapp',
        metadata: this.metadataOf(phone),
        contacts: [{ profile: { name: input.name ?? 'Sandbox User' }, wa_id: waId }],
        user_preferences: [{
          wa_id: waId,
          detail: input.value === 'stop' ? 'User requested to stop marketing messages' : 'User requested to resume marketing messages',
          category: 'marketing_messages',
          value: input.value,
          timestamp: Math.floor(now / 1000),
        }],
      },
    })
  }

  /** Meta reviews a template: changes its status and sends `message_template_status_update`. */
  templateStatus (input: { templateId?: string, wabaId?: string, name?: string, language?: string, event: string, reason?: string }): SandboxTemplate {
    if (!Object.hasOwn(TEMPLATE_EVENTS, input.event)) throw new RangeError(`unknown template event ${input.event}`)
    let found: { waba: WabaState, template: SandboxTemplate } | undefined
    for (const waba of this.wabas.values()) {
      if (input.wabaId !== undefined && waba.id !== input.wabaId) continue
      const template = waba.templates.find((t) => input.templateId !== undefined
        ? t.id === input.templateId
        : t.name === input.name && (input.language === undefined || t.language === input.language))
      if (template !== undefined) {
        found = { waba, template }
        break
      }
    }
    if (found === undefined) throw new RangeError('no such template')
    const { waba, template } = found
    const status = TEMPLATE_EVENTS[input.event]
    if (status !== undefined) template.status = status
    const reason = input.reason ?? (input.event === 'REJECTED' ? 'INVALID_FORMAT' : 'NONE')
    if (input.event === 'REJECTED') template.rejected_reason = reason
    const value: TemplateStatusValue = {
      event: input.event,
      message_template_id: Number(template.id),
      message_template_name: template.name,
      message_template_language: template.language,
      reason,
      message_template_category: template.category,
    }
    if (input.event === 'REJECTED') value.rejection_info = { reason, recommendation: 'Review the template guidelines, edit the template and submit it again.' }
    this.dispatcher.change(waba.id, { field: 'message_template_status_update', value }, 0, Math.floor(this.now() / 1000))
    return { ...template }
  }

  /** Adds a template to a WABA (default: the sandbox's own) in the given status. */
  addTemplate (template: SandboxTemplateInput, wabaId = this.defaultWabaId): SandboxTemplate {
    const waba = this.wabas.get(wabaId)
    if (waba === undefined) throw new RangeError('unknown WABA id')
    if (waba.templates.some((t) => t.name === template.name && t.language === template.language)) throw new RangeError('a template with this name and language exists')
    const stored = { ...template, id: template.id ?? this.newNumericId() }
    waba.templates.push(stored)
    return { ...stored }
  }

  // ---------------------------------------------------------------- Embedded Signup

  /** What a customer finishing the Embedded Signup popup produces: a new business, WABA and number, and a single-use code. */
  signup (input: { verifiedName?: string, displayPhoneNumber?: string, throughputPerSecond?: number, coexistence?: boolean } = {}): SignupResult {
    const businessId = this.newNumericId()
    const waba = this.addWaba(this.newNumericId(), businessId, input.verifiedName ?? 'Customer Business', false, this.options.templates ?? SEED_TEMPLATES)
    const suffix = String(this.idCounter % 10000).padStart(4, '0')
    const phone = this.addPhone(waba, {
      id: this.newNumericId(),
      displayPhoneNumber: input.displayPhoneNumber ?? `+1 555-01${suffix.slice(0, 1)}-${suffix.slice(1)}0`,
      verifiedName: input.verifiedName ?? 'Customer Business',
      // New numbers must be registered before they can send (Embedded Signup step 4); a
      // coexistence number is registered already, by the WhatsApp Business app.
      registered: input.coexistence === true,
      // Coexistence numbers are fixed at 20 messages/s (reference §4, throughput).
      ...(input.coexistence === true ? { coexistence: true, throughputPerSecond: 20 } : input.throughputPerSecond === undefined ? {} : { throughputPerSecond: input.throughputPerSecond }),
    })
    const code = `AQ${randomBytes(48).toString('base64url')}`
    this.signupCodes.set(code, { wabaId: waba.id, expiresAt: this.now() + (this.options.signupCodeTtlMs ?? 30_000), used: false })
    this.signupPhones.add(phone.id)
    return { code, waba_id: waba.id, phone_number_id: phone.id, business_id: businessId }
  }

  /** `GET /oauth/access_token`: a single-use code → a business token scoped to that customer's WABA. */
  exchangeCode (query: URLSearchParams): Answer {
    const oauth = (code: number, message: string): Answer => this.reject(graphError(code, message, { message, type: 'OAuthException' }))
    if (query.get('client_id') !== this.appId) return oauth(101, 'Error validating application. Invalid application ID.')
    if (query.get('client_secret') !== this.appSecret) return oauth(100, 'Error validating client secret.')
    const code = query.get('code')
    if (code === null || code === '') return oauth(100, 'Missing authorization code')
    const entry = this.signupCodes.get(code)
    if (entry === undefined) return oauth(100, 'Invalid verification code format.')
    if (entry.used) return oauth(100, 'This authorization code has been used.')
    if (this.now() > entry.expiresAt) return oauth(100, 'This authorization code has expired.')
    entry.used = true
    const token = `EAA${randomBytes(60).toString('base64url')}`
    this.tokens.set(token, { wabaIds: new Set([entry.wabaId]), revoked: false })
    return ok({ access_token: token, token_type: 'bearer' })
  }

  /** `POST /{phone}/register`. */
  register (phone: PhoneState, body: unknown): Answer {
    if (!isObject(body) || body['messaging_product'] !== 'whatsapp') {
      return this.reject(graphError(100, 'messaging_product must be "whatsapp".', { message: '(#100) The parameter messaging_product is required.' }))
    }
    // Coexistence numbers are registered by the WhatsApp Business app; Meta's onboarding guide
    // skips the register step for them. What Meta answers to a register call is not documented:
    // refusing it is the stricter reading (README, "to confirm on a real account").
    if (phone.coexistence) return this.reject(graphError(100, 'This phone number is in use with the WhatsApp Business app and cannot be registered again.'))
    const now = this.now()
    phone.registerAttempts = phone.registerAttempts.filter((t) => now - t < 3 * DAY)
    // Counted before the PIN is checked: wrong PINs spend attempts too.
    if (phone.registerAttempts.length >= 10) return this.reject(graphError(133016))
    phone.registerAttempts.push(now)
    const pin = body['pin']
    if (typeof pin !== 'string' || !/^\d{6}$/.test(pin)) return this.reject(graphError(100, 'pin must be 6 digits.', { message: '(#100) Param pin must be 6 characters long.' }))
    if (phone.pin !== undefined && phone.pin !== pin) return this.reject(graphError(133005))
    phone.pin = pin
    phone.registered = true
    if (this.signupPhones.has(phone.id)) this.connectedPhoneId = phone.id
    return ok({ success: true })
  }

  /** `POST /{waba}/subscribed_apps`; verifies an override callback like Meta before accepting it. */
  async subscribe (waba: WabaState, body: unknown): Promise<Answer> {
    const b = isObject(body) ? body : {}
    const uri = b['override_callback_uri']
    if (uri !== undefined) {
      if (typeof uri !== 'string' || !/^https?:\/\//.test(uri)) return this.reject(graphError(100, 'override_callback_uri must be an http(s) URL.'))
      const verified = await verifyCallback(uri, typeof b['verify_token'] === 'string' ? b['verify_token'] : '')
      if (!verified) return this.reject(graphError(2200, 'The callback URL did not answer the verification request with hub.challenge.'))
      waba.overrideCallbackUri = uri
    }
    waba.subscribed = true
    return ok({ success: true })
  }

  /** `GET /{waba}/subscribed_apps`. */
  subscribedApps (waba: WabaState): Answer {
    return ok({ data: waba.subscribed ? [{ whatsapp_business_api_data: { id: this.appId, link: `https://www.facebook.com/games/?app_id=${this.appId}`, name: 'Switchboard' } }] : [] })
  }

  /** `DELETE /{waba}/subscribed_apps`. */
  unsubscribe (waba: WabaState): Answer {
    waba.subscribed = false
    waba.overrideCallbackUri = undefined
    return ok({ success: true })
  }

  // ---------------------------------------------------------------- reads

  /** `GET /{phone}?fields=…`; unknown fields are refused as Graph does. */
  phoneFields (phone: PhoneState, fields: string | null): Answer {
    const all: Record<string, () => unknown> = {
      id: () => phone.id,
      display_phone_number: () => phone.displayPhoneNumber,
      verified_name: () => phone.verifiedName,
      quality_rating: () => phone.qualityRating,
      code_verification_status: () => 'VERIFIED',
      platform_type: () => phone.registered ? 'CLOUD_API' : 'NOT_APPLICABLE',
      status: () => phone.registered ? 'CONNECTED' : 'PENDING',
      name_status: () => 'APPROVED',
      throughput: () => ({ level: phone.throughputPerSecond >= 1000 ? 'HIGH' : 'STANDARD' }),
      whatsapp_business_manager_messaging_limit: () => phone.messagingLimitTier,
      messaging_limit_tier: () => phone.messagingLimitTier,
    }
    const wanted = fields === null || fields === ''
      ? ['verified_name', 'code_verification_status', 'display_phone_number', 'quality_rating', 'platform_type', 'throughput', 'id']
      : fields.split(',').map((f) => f.trim()).filter((f) => f !== '')
    const out: Record<string, unknown> = {}
    for (const field of wanted) {
      const read = all[field]
      if (read === undefined) return this.reject(graphError(100, `Unknown field ${field}.`, { message: `(#100) Tried accessing nonexisting field (${field}) on node type (WhatsAppBusinessPhoneNumber)` }))
      out[field] = read()
    }
    out['id'] = phone.id
    return ok(out)
  }

  /** `GET /{waba}`. */
  wabaFields (waba: WabaState): Answer {
    return ok({ id: waba.id, name: waba.name, currency: 'USD', timezone_id: '1', message_template_namespace: `sb_${waba.id.slice(-8)}` })
  }

  /** `GET /{waba}/phone_numbers` (one page holds them all). */
  phoneNumbers (waba: WabaState, fields: string | null): Answer {
    const data: unknown[] = []
    for (const id of waba.phoneIds) {
      const answer = this.phoneFields(this.phones.get(id) as PhoneState, fields)
      if (answer.kind !== 'json' || answer.status !== 200) return answer
      data.push(answer.body)
    }
    const cursor = Buffer.from(`phones:${waba.id}`).toString('base64url')
    return ok({ data, paging: { cursors: { before: cursor, after: cursor } } })
  }

  /** `GET /{waba}/message_templates` with `limit`, `after`/`before` cursors and `status`, `name`, `language` filters. */
  listTemplates (waba: WabaState, query: URLSearchParams, selfUrl: (params: URLSearchParams) => string): Answer {
    const limitRaw = query.get('limit')
    const limit = limitRaw === null ? 25 : Number(limitRaw)
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return this.reject(graphError(100, 'limit must be a whole number from 1 to 1000.'))
    const statuses = query.get('status')?.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '')
    const name = query.get('name')
    const language = query.get('language')
    const matching = waba.templates.filter((t) =>
      (statuses === undefined || statuses.length === 0 || statuses.includes(t.status)) &&
      (name === null || t.name.includes(name)) &&
      (language === null || t.language === language))
    const decode = (cursor: string): number | undefined => {
      const id = Buffer.from(cursor, 'base64url').toString('utf8')
      const index = matching.findIndex((t) => `tpl:${t.id}` === id)
      return index === -1 ? undefined : index
    }
    let start = 0
    const after = query.get('after')
    if (after !== null) {
      const index = decode(after)
      if (index === undefined) return this.reject(graphError(100, 'The after cursor is not valid.'))
      start = index + 1
    }
    const page = matching.slice(start, start + limit)
    const body: Record<string, unknown> = { data: page.map(templateToWire) }
    if (page.length > 0) {
      const cursor = (t: SandboxTemplate): string => Buffer.from(`tpl:${t.id}`).toString('base64url')
      const paging: Record<string, unknown> = { cursors: { before: cursor(page[0] as SandboxTemplate), after: cursor(page[page.length - 1] as SandboxTemplate) } }
      if (start + limit < matching.length) {
        const next = new URLSearchParams(query)
        next.set('after', cursor(page[page.length - 1] as SandboxTemplate))
        next.set('limit', String(limit))
        paging['next'] = selfUrl(next)
      }
      body['paging'] = paging
    }
    return ok(body)
  }
}

/** Meta's subscription check: GET with hub.* parameters; the callback must answer 200 with the challenge. */
export async function verifyCallback (uri: string, verifyToken: string): Promise<boolean> {
  const challenge = String(Math.floor(Math.random() * 1_000_000_000))
  const url = new URL(uri)
  url.searchParams.set('hub.mode', 'subscribe')
  url.searchParams.set('hub.challenge', challenge)
  url.searchParams.set('hub.verify_token', verifyToken)
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000), headers: { 'user-agent': 'facebookplatform/1.0 (+http://developers.facebook.com)' } })
    const text = await response.text()
    return response.status === 200 && text.trim() === challenge
  } catch {
    return false
  }
}
