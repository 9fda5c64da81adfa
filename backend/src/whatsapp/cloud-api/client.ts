import { AmbiguousSendError, CloudApiError, CloudApiNetworkError, UNREADABLE_ERROR_CODE, type MetaErrorBody } from './errors.js'
import type {
  ExchangedToken, InteractiveMessage, ListTemplatesOptions, MediaMessage, MessageTemplate, PhoneNumberInfo,
  SendOptions, SendResult, SubscribeAppOptions, TemplateComponentInput, TemplateMessage, TemplatePage,
  TemplateParameter, TextOptions,
} from './types.js'

/** The Graph API version WhatsApp's own documentation uses (reference §1). */
export const GRAPH_API_VERSION = 'v25.0'

/** Meta's Graph API host. */
export const GRAPH_BASE_URL = 'https://graph.facebook.com'

/** Default time to wait for a whole answer (headers and body). */
export const DEFAULT_TIMEOUT_MS = 15_000

export interface CloudApiClientOptions {
  /** Graph host; point it at the sandbox in development and tests. */
  baseUrl?: string
  /** Graph version such as `v25.0`. */
  version?: string
  /** The channel's token (system user or business integration token). Never logged. */
  accessToken: string
  timeoutMs?: number
  /** A fetch to use instead of Node's global one (tests). */
  fetch?: typeof fetch
}

/** A Cloud API client bound to one access token. All methods throw `CloudApiError`, `AmbiguousSendError` or `CloudApiNetworkError`. */
export interface CloudApiClient {
  sendText (phoneNumberId: string, to: string, body: string, options?: TextOptions): Promise<SendResult>
  sendTemplate (phoneNumberId: string, to: string, template: TemplateMessage, options?: SendOptions): Promise<SendResult>
  sendMedia (phoneNumberId: string, to: string, media: MediaMessage, options?: SendOptions): Promise<SendResult>
  sendInteractive (phoneNumberId: string, to: string, interactive: InteractiveMessage, options?: SendOptions): Promise<SendResult>
  /** Marks an inbound message (and all before it) as read: blue ticks for the user. */
  markRead (phoneNumberId: string, wamid: string): Promise<void>
  listTemplates (wabaId: string, options?: ListTemplatesOptions): Promise<TemplatePage>
  /** Every template, following the cursors to the last page. */
  iterateTemplates (wabaId: string, options?: Omit<ListTemplatesOptions, 'after'>): AsyncGenerator<MessageTemplate>
  listAllTemplates (wabaId: string, options?: Omit<ListTemplatesOptions, 'after'>): Promise<MessageTemplate[]>
  getPhoneNumber (phoneNumberId: string): Promise<PhoneNumberInfo>
  listPhoneNumbers (wabaId: string): Promise<PhoneNumberInfo[]>
  /** Embedded Signup step 1: the popup's code → the customer's business token. Needs no bearer token. */
  exchangeCode (input: { appId: string, appSecret: string, code: string }): Promise<ExchangedToken>
  /** Embedded Signup step 2: subscribe our app to the WABA's webhooks (call with the business token). */
  subscribeApp (wabaId: string, options?: SubscribeAppOptions): Promise<void>
  /** Embedded Signup step 4: register the number for Cloud API; `pin` (6 digits) becomes its 2FA PIN. Never auto-retry. */
  registerNumber (phoneNumberId: string, pin: string): Promise<void>
  /** The same client with another token (for example the business token from `exchangeCode`). */
  withAccessToken (accessToken: string): CloudApiClient
}

const PHONE_FIELDS = 'throughput,quality_rating,whatsapp_business_manager_messaging_limit,display_phone_number,verified_name'

// Nothing went out on these: the connection or name lookup failed before a byte of the request was written.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID',
  // privacy/outbound.ts refused the host before connecting.
  'ERR_OUTBOUND_HOST_REFUSED',
])

/**
 * `to` as E.164 with `+`. Meta accepts spaces, dashes and brackets, but without `+` it
 * prepends the *business* number's country code and may deliver to a stranger (reference §1).
 * Digits without `+` are taken as already international (a stored `wa_id`).
 */
export function toE164 (to: string): string {
  const compact = to.replace(/[\s\-().]/g, '')
  const digits = compact.startsWith('+') ? compact.slice(1) : compact.startsWith('00') ? compact.slice(2) : compact
  // No number in the message: it would end up in logs.
  if (!/^[1-9]\d{6,14}$/.test(digits)) throw new TypeError('Recipient is not an international phone number (E.164)')
  return `+${digits}`
}

function parameterToWire (p: TemplateParameter): Record<string, unknown> {
  switch (p.type) {
    case 'text':
      return { type: 'text', text: p.text, ...(p.parameterName === undefined ? {} : { parameter_name: p.parameterName }) }
    case 'currency':
      return { type: 'currency', currency: { fallback_value: p.fallbackValue, code: p.code, amount_1000: p.amount1000 }, ...(p.parameterName === undefined ? {} : { parameter_name: p.parameterName }) }
    case 'date_time':
      return { type: 'date_time', date_time: { fallback_value: p.fallbackValue }, ...(p.parameterName === undefined ? {} : { parameter_name: p.parameterName }) }
    case 'image':
    case 'video':
    case 'document':
      return { type: p.type, [p.type]: mediaObject(p) }
    case 'location':
      return { type: 'location', location: { latitude: p.latitude, longitude: p.longitude, ...(p.name === undefined ? {} : { name: p.name }), ...(p.address === undefined ? {} : { address: p.address }) } }
    case 'payload':
      return { type: 'payload', payload: p.payload }
    case 'coupon_code':
      return { type: 'coupon_code', coupon_code: p.couponCode }
  }
}

function mediaObject (m: { link?: string, id?: string, filename?: string, caption?: string }): Record<string, string> {
  if ((m.link === undefined) === (m.id === undefined)) throw new TypeError('Media needs exactly one of link or id')
  const out: Record<string, string> = m.id === undefined ? { link: m.link as string } : { id: m.id }
  if (m.caption !== undefined) out['caption'] = m.caption
  if (m.filename !== undefined) out['filename'] = m.filename
  return out
}

function componentToWire (c: TemplateComponentInput): Record<string, unknown> {
  const parameters = c.parameters.map(parameterToWire)
  if (c.type === 'button') return { type: 'button', sub_type: c.subType, index: String(c.index), parameters }
  return { type: c.type, parameters }
}

interface WirePhoneNumber {
  id: string
  display_phone_number?: string
  verified_name?: string
  quality_rating?: string
  throughput?: { level?: string }
  whatsapp_business_manager_messaging_limit?: unknown
}

function phoneFromWire (p: WirePhoneNumber): PhoneNumberInfo {
  const limit = p.whatsapp_business_manager_messaging_limit
  return {
    id: p.id,
    displayPhoneNumber: p.display_phone_number ?? '',
    verifiedName: p.verified_name ?? '',
    qualityRating: p.quality_rating ?? 'UNKNOWN',
    throughputLevel: p.throughput?.level ?? null,
    messagingLimitTier: typeof limit === 'string' ? limit : null,
  }
}

interface WireTemplate {
  id: string
  name: string
  language: string
  status: string
  category: string
  parameter_format?: 'NAMED' | 'POSITIONAL'
  components?: MessageTemplate['components']
}

function templateFromWire (t: WireTemplate): MessageTemplate {
  return {
    id: t.id,
    name: t.name,
    language: t.language,
    status: t.status,
    category: t.category,
    parameterFormat: t.parameter_format ?? 'POSITIONAL',
    components: t.components ?? [],
  }
}

function causeCodeOf (error: unknown): string | undefined {
  const cause = (error as { cause?: unknown }).cause
  if (cause === null || typeof cause !== 'object') return undefined
  const code = (cause as { code?: unknown }).code
  if (typeof code === 'string') return code
  // Happy-eyeballs connects fail as an AggregateError of one error per address.
  const errors = (cause as { errors?: unknown }).errors
  if (Array.isArray(errors) && errors.length > 0) {
    const codes = errors.map((e) => (e as { code?: unknown }).code)
    if (codes.every((c) => typeof c === 'string' && NOT_SENT_CODES.has(c))) return codes[0] as string
    return 'ECONNRESET'
  }
  return undefined
}

interface RequestSpec {
  operation: string
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  query?: Record<string, string | undefined>
  body?: unknown
  /** Bearer token to send; null for calls authenticated otherwise (the code exchange). */
  token: string | null
  /** Extra secrets in this request that must never appear in an error. */
  secrets?: string[]
}

/** Creates a client for one access token. Cheap: make one per channel, or use `withAccessToken`. */
export function createCloudApiClient (options: CloudApiClientOptions): CloudApiClient {
  const baseUrl = (options.baseUrl ?? GRAPH_BASE_URL).replace(/\/+$/, '')
  const version = options.version ?? GRAPH_API_VERSION
  if (!/^v\d+\.0$/.test(version)) throw new TypeError('Graph API version must look like v25.0')
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const doFetch = options.fetch ?? globalThis.fetch
  const accessToken = options.accessToken

  async function request<T> (spec: RequestSpec): Promise<T> {
    const secrets = [accessToken, ...(spec.secrets ?? [])].filter((s) => s.length > 0)
    const redact = (text: string): string => secrets.reduce((t, s) => t.split(s).join('[redacted]'), text)

    const url = new URL(`${baseUrl}/${version}/${spec.path}`)
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value)
    }
    const headers: Record<string, string> = { accept: 'application/json' }
    if (spec.token !== null) headers['authorization'] = `Bearer ${spec.token}`
    if (spec.body !== undefined) headers['content-type'] = 'application/json'

    const controller = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => { timedOut = true; controller.abort() }, timeoutMs)
    let status: number
    let text: string
    try {
      const init: RequestInit = { method: spec.method, headers, signal: controller.signal }
      if (spec.body !== undefined) init.body = JSON.stringify(spec.body)
      let response: Response
      try {
        response = await doFetch(url, init)
      } catch (error) {
        if (timedOut) throw new AmbiguousSendError(spec.operation, 'timeout')
        const code = causeCodeOf(error) ?? 'UNKNOWN'
        if (NOT_SENT_CODES.has(code)) throw new CloudApiNetworkError(spec.operation, code)
        // A reset or close after the request was written: Meta may have acted on it.
        throw new AmbiguousSendError(spec.operation, 'connection_lost', undefined, code)
      }
      status = response.status
      try {
        text = await response.text()
      } catch (error) {
        throw new AmbiguousSendError(spec.operation, timedOut ? 'timeout' : 'connection_lost', status, timedOut ? undefined : causeCodeOf(error))
      }
    } finally {
      clearTimeout(timer)
    }

    let parsed: unknown
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {
      parsed = undefined
    }
    const metaError = (parsed as { error?: MetaErrorBody } | undefined)?.error
    if (metaError !== undefined && typeof metaError === 'object' && typeof metaError.code === 'number') {
      throw new CloudApiError(spec.operation, status, metaError, redact)
    }
    if (status >= 500) throw new AmbiguousSendError(spec.operation, 'server_error', status)
    if (status >= 200 && status < 300) {
      if (parsed === undefined || parsed === null || typeof parsed !== 'object') throw new AmbiguousSendError(spec.operation, 'unreadable_response', status)
      return parsed as T
    }
    // A 4xx that is not Meta's (a proxy's page): nothing we can branch on but the status.
    throw new CloudApiError(spec.operation, status, { code: UNREADABLE_ERROR_CODE, message: `Unreadable error answer (HTTP ${status})` }, redact)
  }

  async function send (operation: string, phoneNumberId: string, to: string, type: string, payload: unknown, opts: SendOptions = {}): Promise<SendResult> {
    const body: Record<string, unknown> = {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: toE164(to),
      type,
      [type]: payload,
    }
    if (opts.replyTo !== undefined) body['context'] = { message_id: opts.replyTo }
    if (opts.bizOpaqueCallbackData !== undefined) body['biz_opaque_callback_data'] = opts.bizOpaqueCallbackData
    const answer = await request<{ contacts?: Array<{ input: string, wa_id: string }>, messages?: Array<{ id: string, message_status?: string }> }>({
      operation, method: 'POST', path: `${encodeURIComponent(phoneNumberId)}/messages`, body, token: accessToken,
    })
    const message = answer.messages?.[0]
    const contact = answer.contacts?.[0]
    // Accepted but without a wamid we cannot reconcile: treat it like any other ambiguous answer.
    if (message === undefined || typeof message.id !== 'string' || contact === undefined) throw new AmbiguousSendError(operation, 'unreadable_response', 200)
    const result: SendResult = { wamid: message.id, waId: contact.wa_id, input: contact.input }
    if (message.message_status !== undefined) result.messageStatus = message.message_status
    return result
  }

  async function listTemplates (wabaId: string, opts: ListTemplatesOptions = {}): Promise<TemplatePage> {
    const answer = await request<{ data?: WireTemplate[], paging?: { cursors?: { after?: string }, next?: string } }>({
      operation: 'listTemplates',
      method: 'GET',
      path: `${encodeURIComponent(wabaId)}/message_templates`,
      query: {
        limit: opts.limit === undefined ? undefined : String(opts.limit),
        after: opts.after,
        status: opts.status,
      },
      token: accessToken,
    })
    // Follow the cursor, not `paging.next`: Graph puts the access token into that URL.
    const after = answer.paging?.cursors?.after
    return {
      templates: (answer.data ?? []).map(templateFromWire),
      nextCursor: answer.paging?.next !== undefined && after !== undefined ? after : null,
    }
  }

  async function * iterateTemplates (wabaId: string, opts: Omit<ListTemplatesOptions, 'after'> = {}): AsyncGenerator<MessageTemplate> {
    let after: string | undefined
    for (;;) {
      const page = await listTemplates(wabaId, { ...opts, ...(after === undefined ? {} : { after }) })
      yield * page.templates
      if (page.nextCursor === null || page.nextCursor === after) return
      after = page.nextCursor
    }
  }

  async function expectSuccess (spec: RequestSpec): Promise<void> {
    const answer = await request<{ success?: boolean }>(spec)
    if (answer.success !== true) throw new CloudApiError(spec.operation, 200, { code: UNREADABLE_ERROR_CODE, message: 'Answer did not report success' })
  }

  return {
    sendText: async (phoneNumberId, to, body, opts = {}) => {
      const text: Record<string, unknown> = { body }
      if (opts.previewUrl !== undefined) text['preview_url'] = opts.previewUrl
      return send('sendText', phoneNumberId, to, 'text', text, opts)
    },

    sendTemplate: async (phoneNumberId, to, template, opts = {}) => {
      const wire: Record<string, unknown> = {
        name: template.name,
        // Deterministic: the language asked for or an error, never a silent fallback.
        language: { code: template.languageCode, policy: 'deterministic' },
      }
      if (template.components !== undefined && template.components.length > 0) wire['components'] = template.components.map(componentToWire)
      return send('sendTemplate', phoneNumberId, to, 'template', wire, opts)
    },

    sendMedia: async (phoneNumberId, to, media, opts = {}) => {
      if (media.caption !== undefined && (media.kind === 'audio' || media.kind === 'sticker')) throw new TypeError(`A ${media.kind} cannot carry a caption`)
      if (media.filename !== undefined && media.kind !== 'document') throw new TypeError('Only documents carry a filename')
      return send('sendMedia', phoneNumberId, to, media.kind, mediaObject(media), opts)
    },

    sendInteractive: async (phoneNumberId, to, interactive, opts = {}) =>
      send('sendInteractive', phoneNumberId, to, 'interactive', interactive, opts),

    markRead: async (phoneNumberId, wamid) => expectSuccess({
      operation: 'markRead',
      method: 'POST',
      path: `${encodeURIComponent(phoneNumberId)}/messages`,
      body: { messaging_product: 'whatsapp', status: 'read', message_id: wamid },
      token: accessToken,
    }),

    listTemplates,
    iterateTemplates,

    listAllTemplates: async (wabaId, opts) => {
      const all: MessageTemplate[] = []
      for await (const template of iterateTemplates(wabaId, opts)) all.push(template)
      return all
    },

    getPhoneNumber: async (phoneNumberId) => phoneFromWire(await request<WirePhoneNumber>({
      operation: 'getPhoneNumber', method: 'GET', path: encodeURIComponent(phoneNumberId), query: { fields: PHONE_FIELDS }, token: accessToken,
    })),

    listPhoneNumbers: async (wabaId) => {
      const all: PhoneNumberInfo[] = []
      let after: string | undefined
      for (;;) {
        const page = await request<{ data?: WirePhoneNumber[], paging?: { cursors?: { after?: string }, next?: string } }>({
          operation: 'listPhoneNumbers', method: 'GET', path: `${encodeURIComponent(wabaId)}/phone_numbers`, query: { fields: PHONE_FIELDS, after }, token: accessToken,
        })
        all.push(...(page.data ?? []).map(phoneFromWire))
        const next = page.paging?.cursors?.after
        if (page.paging?.next === undefined || next === undefined || next === after) return all
        after = next
      }
    },

    exchangeCode: async ({ appId, appSecret, code }) => {
      const answer = await request<{ access_token?: string, token_type?: string, expires_in?: number }>({
        operation: 'exchangeCode',
        method: 'GET',
        path: 'oauth/access_token',
        query: { client_id: appId, client_secret: appSecret, code },
        token: null,
        secrets: [appSecret, code],
      })
      if (typeof answer.access_token !== 'string' || answer.access_token === '') {
        throw new CloudApiError('exchangeCode', 200, { code: UNREADABLE_ERROR_CODE, message: 'No access token in the answer' })
      }
      const result: ExchangedToken = { accessToken: answer.access_token, tokenType: answer.token_type ?? 'bearer' }
      if (typeof answer.expires_in === 'number') result.expiresIn = answer.expires_in
      return result
    },

    subscribeApp: async (wabaId, opts = {}) => {
      const body: Record<string, string> = {}
      if (opts.overrideCallbackUri !== undefined) body['override_callback_uri'] = opts.overrideCallbackUri
      if (opts.verifyToken !== undefined) body['verify_token'] = opts.verifyToken
      return expectSuccess({
        operation: 'subscribeApp',
        method: 'POST',
        path: `${encodeURIComponent(wabaId)}/subscribed_apps`,
        ...(Object.keys(body).length > 0 ? { body } : {}),
        token: accessToken,
        secrets: opts.verifyToken === undefined ? [] : [opts.verifyToken],
      })
    },

    registerNumber: async (phoneNumberId, pin) => {
      // Attempts are capped (about 10 per 72 h): refuse a malformed PIN here instead of spending one.
      if (!/^\d{6}$/.test(pin)) throw new TypeError('The registration PIN must be 6 digits')
      return expectSuccess({
        operation: 'registerNumber',
        method: 'POST',
        path: `${encodeURIComponent(phoneNumberId)}/register`,
        body: { messaging_product: 'whatsapp', pin },
        token: accessToken,
        secrets: [pin],
      })
    },

    withAccessToken: (token) => createCloudApiClient({ ...options, accessToken: token }),
  }
}
