import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { graphError, newTraceId, unknownObject } from './graph-errors.js'
import {
  SandboxCore, verifyCallback, type Answer, type InboundInput, type Inspection, type MessageRecord,
  type SandboxFaults, type SandboxOptions, type SignupResult,
} from './sandbox-core.js'
import type { SandboxTemplateInput } from './seed-templates.js'
import type { SandboxTemplate } from './templates.js'
import type { WebhookStats } from './webhook-dispatcher.js'

export type { SandboxOptions, SandboxFaults, InboundInput, Inspection, MessageRecord, SignupResult } from './sandbox-core.js'

/** Prefix of the control endpoints; Graph ids are numeric and versions start with `v`, so it cannot collide. */
export const CONTROL_PREFIX = '/_sandbox'

const MAX_BODY_BYTES = 1024 * 1024

/** A running sandbox: its URL, its ids, and the same controls as the HTTP control endpoints. */
export interface Sandbox {
  /** Base URL without a trailing slash; use it as the client's `baseUrl`. */
  readonly url: string
  readonly appId: string
  readonly appSecret: string
  readonly wabaId: string
  readonly phoneNumberId: string
  readonly businessId: string
  /** The first configured access token. */
  readonly accessToken: string
  close (): Promise<void>

  /** A user sends text (opens their 24-hour window). */
  inboundText (input: Omit<Extract<InboundInput, { type: 'text' }>, 'type'>): { wamid: string, waId: string }
  /** A user taps a template's quick-reply button (`type: button` with `context`). */
  inboundButton (input: Omit<Extract<InboundInput, { type: 'button' }>, 'type'>): { wamid: string, waId: string }
  /** A user taps an interactive reply button. */
  inboundButtonReply (input: Omit<Extract<InboundInput, { type: 'button_reply' }>, 'type'>): { wamid: string, waId: string }
  /** A user picks a row of an interactive list. */
  inboundListReply (input: Omit<Extract<InboundInput, { type: 'list_reply' }>, 'type'>): { wamid: string, waId: string }
  /** A user stops or resumes marketing messages. */
  userPreference (input: { waId: string, value: 'stop' | 'resume', name?: string, phoneNumberId?: string }): void
  /** Sends `phone_number_quality_update` (tier or throughput change) for a number. */
  qualityUpdate (input: { phoneNumberId?: string, event: string, tier?: string, maxDaily?: number, legacy?: boolean }): void
  /** Sends `account_update` (ban, restriction, reinstatement) for a number's WABA. */
  accountUpdate (input: { phoneNumberId?: string, event: string, banState?: 'DISABLE' | 'SCHEDULE_FOR_DISABLE' | 'REINSTATE' }): void
  /** Adds a registered number to a WABA; returns its phone number id. */
  addNumber (wabaId: string, input: { displayPhoneNumber: string, throughputPerSecond?: number }): string
  /** Meta approves, rejects, pauses… a template (webhook + stored status). */
  templateStatus (input: { templateId?: string, wabaId?: string, name?: string, language?: string, event: string, reason?: string }): SandboxTemplate
  addTemplate (template: SandboxTemplateInput, wabaId?: string): SandboxTemplate
  setFaults (faults: Partial<SandboxFaults>): SandboxFaults
  /** The next `times` sends answer Meta error `code` (for errors no simulation produces, such as 368 or 131048). */
  forceErrors (code: number, times?: number, details?: string): void
  setThroughput (phoneNumberId: string, perSecond: number): void
  /** Sets the callback; with `verifyToken`, first runs Meta's hub.challenge handshake against it (throws if it fails). */
  setWebhookUrl (url: string | undefined, options?: { verifyToken?: string }): Promise<void>
  /** Later sends to this user fail asynchronously with `code` (for example 131026); null clears it. */
  setRecipientFailure (waId: string, code: number | null): void
  revokeToken (token: string): boolean
  addToken (token: string, wabaIds?: string[]): void
  /** A customer completes the Embedded Signup popup. */
  signup (input?: { verifiedName?: string, displayPhoneNumber?: string, throughputPerSecond?: number, coexistence?: boolean }): SignupResult
  inspect (includeRecipients?: boolean): Inspection
  message (wamid: string): MessageRecord | undefined
  recipient (waId: string): ReturnType<SandboxCore['recipient']>
  webhookStats (): WebhookStats
  /** Resolves when every scheduled webhook has been delivered, dropped or abandoned. */
  whenWebhooksIdle (timeoutMs?: number): Promise<void>
  reset (): void
}

type Json = Record<string, unknown>

class ControlError extends Error {}

function readBody (req: IncomingMessage): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) tooLarge = true
      else chunks.push(chunk)
    })
    req.on('end', () => resolve(tooLarge ? 'too_large' : Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** Graph takes JSON or form-encoded bodies; form values that look like JSON are parsed, as Graph does. */
function parseBody (raw: Buffer, contentType: string | undefined): unknown {
  const text = raw.toString('utf8')
  if (text.trim() === '') return undefined
  if (contentType?.includes('application/x-www-form-urlencoded') === true) {
    const out: Json = {}
    for (const [key, value] of new URLSearchParams(text)) {
      try {
        out[key] = /^[[{]/.test(value) ? JSON.parse(value) : value
      } catch {
        out[key] = value
      }
    }
    return out
  }
  return JSON.parse(text)
}

function bearerOf (req: IncomingMessage, query: URLSearchParams): string | undefined {
  const header = req.headers.authorization
  if (header !== undefined) {
    const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header)
    return m?.[1]?.trim()
  }
  return query.get('access_token') ?? undefined
}

function str (body: Json, key: string, required = true): string | undefined {
  const v = body[key]
  if (v === undefined && !required) return undefined
  if (typeof v !== 'string' || v === '') throw new ControlError(`${key} must be a non-empty string`)
  return v
}

/**
 * Starts a local Cloud API: Meta's Graph endpoints and errors, limits and windows, signed
 * webhooks with Meta's timing faults, and `/_sandbox/…` control endpoints. Built on
 * node:http rather than Fastify because every answer must be Meta's, including for
 * malformed JSON, unknown paths and odd content types (Fastify answers those in its own
 * shape), and because it has to hang or drop connections on purpose; the route table is
 * small enough that a framework adds only per-request cost.
 */
export async function startSandbox (options: SandboxOptions = {}): Promise<Sandbox> {
  const core = new SandboxCore(options)
  const held = new Set<ServerResponse>()
  const timers = new Set<NodeJS.Timeout>()
  let baseUrl = ''

  const later = (ms: number, fn: () => void): void => {
    if (ms <= 0) {
      fn()
      return
    }
    const t = setTimeout(() => { timers.delete(t); fn() }, ms)
    timers.add(t)
  }

  const write = (res: ServerResponse, answer: Answer): void => {
    if (res.destroyed) return
    if (answer.kind === 'hang') {
      // Never answer; drop the connection later, like a request lost in Meta's front end.
      held.add(res)
      later(answer.holdMs, () => { held.delete(res); res.socket?.destroy() })
      return
    }
    if (answer.kind === 'text') {
      res.writeHead(answer.status, { 'content-type': answer.contentType })
      res.end(answer.body)
      return
    }
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=UTF-8', 'x-fb-trace-id': newTraceId() }
    if (answer.status === 401) headers['www-authenticate'] = 'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token"'
    res.writeHead(answer.status, headers)
    res.end(JSON.stringify(answer.body))
  }

  const graph = async (req: IncomingMessage, url: URL, version: string, rest: string): Promise<Answer> => {
    const method = req.method ?? 'GET'
    const query = url.searchParams
    const segments = rest.split('/').filter((s) => s !== '')
    if (segments[0] === 'oauth' && segments[1] === 'access_token' && segments.length === 2 && method === 'GET') return core.exchangeCode(query)

    const token = bearerOf(req, query)
    const auth = core.authenticate(token)
    if ('kind' in auth) return auth
    const [id, edge, ...extra] = segments
    if (id === undefined) return { kind: 'json', ...graphError(2500, 'The path names no object.', { message: 'Unknown path components: /' }) }
    if (extra.length > 0) return { kind: 'json', ...graphError(2500, undefined, { message: `Unknown path components: /${extra.join('/')}` }) }
    const target = core.lookup(auth, id)
    if (target === undefined) return { kind: 'json', ...unknownObject(method, id) }

    let body: unknown
    if (method === 'POST' || method === 'DELETE') {
      const raw = await readBody(req)
      if (raw === 'too_large') return { kind: 'json', ...graphError(100, 'The request body is larger than the sandbox accepts (1 MB).') }
      try {
        body = parseBody(raw, req.headers['content-type'])
      } catch {
        return { kind: 'json', ...graphError(100, 'The request body is not valid JSON.', { message: '(#100) Invalid parameter' }) }
      }
    }
    // Graph writes the caller's token into `paging.next`; clients that log or store that URL leak it.
    const selfUrl = (params: URLSearchParams): string => {
      params.set('access_token', token ?? '')
      return `${baseUrl}/${version}/${segments.join('/')}?${params.toString()}`
    }

    if (target.kind === 'phone') {
      const phone = target.phone
      if (edge === undefined && method === 'GET') return core.phoneFields(phone, query.get('fields'))
      if (edge === 'messages' && method === 'POST') return core.send(phone, body)
      if (edge === 'register' && method === 'POST') return core.register(phone, body)
      if (edge === undefined || edge === 'messages' || edge === 'register') return { kind: 'json', ...unknownObject(method, id) }
    } else {
      const waba = target.waba
      if (edge === undefined && method === 'GET') return core.wabaFields(waba)
      if (edge === 'message_templates' && method === 'GET') return core.listTemplates(waba, query, selfUrl)
      if (edge === 'phone_numbers' && method === 'GET') return core.phoneNumbers(waba, query.get('fields'))
      if (edge === 'subscribed_apps' && method === 'POST') return core.subscribe(waba, body)
      if (edge === 'subscribed_apps' && method === 'GET') return core.subscribedApps(waba)
      if (edge === 'subscribed_apps' && method === 'DELETE') return core.unsubscribe(waba)
      if (edge === undefined || ['message_templates', 'phone_numbers', 'subscribed_apps'].includes(edge)) return { kind: 'json', ...unknownObject(method, id) }
    }
    return { kind: 'json', ...graphError(2500, undefined, { message: `Unknown path components: /${edge}` }) }
  }

  const setWebhookUrl = async (url: string | undefined, opts: { verifyToken?: string } = {}): Promise<void> => {
    if (url !== undefined && opts.verifyToken !== undefined && !(await verifyCallback(url, opts.verifyToken))) {
      throw new ControlError('the callback did not answer the hub.challenge verification')
    }
    core.setWebhookUrl(url)
  }

  const whenWebhooksIdle = async (timeoutMs = 30_000): Promise<void> => {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`webhooks still pending after ${timeoutMs} ms`)), timeoutMs)
    })
    try {
      await Promise.race([core.whenWebhooksIdle(), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  const inbound = (type: InboundInput['type'], input: Json): { wamid: string, waId: string } => core.inbound({ ...input, type } as InboundInput)

  const control = async (req: IncomingMessage, url: URL, path: string): Promise<{ status: number, body: unknown }> => {
    const method = req.method ?? 'GET'
    let body: Json = {}
    if (method === 'POST') {
      const raw = await readBody(req)
      if (raw === 'too_large') throw new ControlError('body too large')
      const parsed = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8')) as unknown
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ControlError('send a JSON object')
      body = parsed as Json
    }
    const route = `${method} ${path}`
    const inboundCheck = (type: InboundInput['type']): { status: number, body: unknown } => {
      str(body, 'from')
      if (type === 'text') str(body, 'text')
      if (type === 'button') { str(body, 'payload'); str(body, 'text') }
      if (type === 'button_reply' || type === 'list_reply') { str(body, 'id'); str(body, 'title') }
      return { status: 200, body: inbound(type, body) }
    }
    let m: RegExpExecArray | null
    switch (route) {
      case 'GET ':
      case 'GET /': {
        const d = core.defaults
        return { status: 200, body: { url: baseUrl, appId: core.appId, wabaId: d.wabaId, phoneNumberId: d.phoneNumberId, businessId: d.businessId, webhookUrl: core.currentWebhookUrl ?? null } }
      }
      case 'POST /inbound/text': return inboundCheck('text')
      case 'POST /inbound/button': return inboundCheck('button')
      case 'POST /inbound/button-reply': return inboundCheck('button_reply')
      case 'POST /inbound/list-reply': return inboundCheck('list_reply')
      case 'POST /user-preferences': {
        const value = body['value']
        if (value !== 'stop' && value !== 'resume') throw new ControlError('value must be stop or resume')
        core.userPreference({ waId: str(body, 'waId') as string, value, ...(typeof body['name'] === 'string' ? { name: body['name'] } : {}), ...(typeof body['phoneNumberId'] === 'string' ? { phoneNumberId: body['phoneNumberId'] } : {}) })
        return { status: 200, body: { ok: true } }
      }
      case 'POST /templates/status':
        return { status: 200, body: core.templateStatus(body as Parameters<SandboxCore['templateStatus']>[0]) }
      case 'POST /templates':
        return { status: 201, body: core.addTemplate(body as unknown as SandboxTemplateInput, typeof body['wabaId'] === 'string' ? body['wabaId'] : undefined) }
      case 'GET /faults':
        return { status: 200, body: core.setFaults({}) }
      case 'POST /faults':
        return { status: 200, body: core.setFaults(body as Partial<SandboxFaults>) }
      case 'POST /faults/next': {
        const code = body['code']
        const times = body['times'] ?? 1
        if (typeof code !== 'number' || typeof times !== 'number') throw new ControlError('code and times must be numbers')
        core.forceErrors(code, times, typeof body['details'] === 'string' ? body['details'] : undefined)
        return { status: 200, body: { ok: true } }
      }
      case 'POST /throughput': {
        const perSecond = body['perSecond']
        if (typeof perSecond !== 'number') throw new ControlError('perSecond must be a number')
        core.setThroughput(str(body, 'phoneNumberId', false) ?? core.defaults.phoneNumberId, perSecond)
        return { status: 200, body: { ok: true } }
      }
      case 'POST /webhook': {
        const target = body['url']
        if (target !== null && typeof target !== 'string') throw new ControlError('url must be a string or null')
        await setWebhookUrl(target ?? undefined, typeof body['verifyToken'] === 'string' ? { verifyToken: body['verifyToken'] } : {})
        return { status: 200, body: { url: core.currentWebhookUrl ?? null } }
      }
      case 'GET /webhooks':
        return { status: 200, body: core.inspect(false).webhooks }
      case 'POST /webhooks/idle':
        await whenWebhooksIdle(typeof body['timeoutMs'] === 'number' ? body['timeoutMs'] : undefined)
        return { status: 200, body: core.inspect(false).webhooks }
      case 'POST /tokens/revoke':
        return { status: 200, body: { revoked: core.revokeToken(str(body, 'token') as string) } }
      case 'POST /signup':
        return { status: 200, body: core.signup(body as Parameters<SandboxCore['signup']>[0]) }
      case 'GET /inspect':
        return { status: 200, body: core.inspect(url.searchParams.get('recipients') !== 'false') }
      case 'POST /reset':
        core.reset()
        return { status: 200, body: { ok: true } }
    }
    if (method === 'GET' && (m = /^\/messages\/([^/]+)$/.exec(path)) !== null) {
      const record = core.message(decodeURIComponent(m[1] as string))
      return record === undefined ? { status: 404, body: { error: 'unknown wamid' } } : { status: 200, body: record }
    }
    if (method === 'GET' && (m = /^\/recipients\/([^/]+)$/.exec(path)) !== null) {
      return { status: 200, body: core.recipient(decodeURIComponent(m[1] as string)) }
    }
    if (method === 'POST' && (m = /^\/recipients\/([^/]+)\/fail$/.exec(path)) !== null) {
      const code = body['code']
      if (code !== null && typeof code !== 'number') throw new ControlError('code must be a number or null')
      core.setRecipientFailure(decodeURIComponent(m[1] as string), code)
      return { status: 200, body: { ok: true } }
    }
    return { status: 404, body: { error: `no control endpoint ${route}` } }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox.local')
    const path = url.pathname
    if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) {
      control(req, url, path.slice(CONTROL_PREFIX.length)).then(
        (answer) => write(res, { kind: 'json', ...answer }),
        (error: unknown) => {
          const known = error instanceof ControlError || error instanceof RangeError || error instanceof SyntaxError
          write(res, { kind: 'json', status: known ? 400 : 500, body: { error: known ? (error as Error).message : 'internal sandbox error' } })
        },
      )
      return
    }
    const versioned = /^\/(v\d+\.0)\/(.*)$/.exec(path)
    const answered = versioned === null
      ? Promise.resolve<Answer>({ kind: 'json', ...graphError(2500, 'Paths start with a version such as /v25.0/.', { message: `Unknown path components: ${path}` }) })
      : graph(req, url, versioned[1] as string, versioned[2] as string)
    answered.then(
      (answer) => {
        const extra = answer.kind === 'json' ? answer.extraDelayMs ?? 0 : 0
        later(core.answerDelay() + extra, () => write(res, answer))
      },
      () => write(res, { kind: 'json', ...graphError(1) }),
    )
  })
  server.keepAliveTimeout = 65_000

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  baseUrl = `http://${host}:${address.port}`
  const d = core.defaults

  return {
    url: baseUrl,
    appId: core.appId,
    appSecret: core.appSecret,
    wabaId: d.wabaId,
    phoneNumberId: d.phoneNumberId,
    businessId: d.businessId,
    accessToken: d.accessToken as string,
    close: async () => {
      core.close()
      for (const t of timers) clearTimeout(t)
      timers.clear()
      for (const res of held) res.socket?.destroy()
      held.clear()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
    inboundText: (input) => core.inbound({ ...input, type: 'text' }),
    inboundButton: (input) => core.inbound({ ...input, type: 'button' }),
    inboundButtonReply: (input) => core.inbound({ ...input, type: 'button_reply' }),
    inboundListReply: (input) => core.inbound({ ...input, type: 'list_reply' }),
    userPreference: (input) => core.userPreference(input),
    addNumber: (wabaId, input) => core.addNumber(wabaId, input),
    qualityUpdate: (input) => core.qualityUpdate(input),
    accountUpdate: (input) => core.accountUpdate(input),
    templateStatus: (input) => core.templateStatus(input),
    addTemplate: (template, wabaId) => core.addTemplate(template, wabaId),
    setFaults: (faults) => core.setFaults(faults),
    forceErrors: (code, times, details) => core.forceErrors(code, times, details),
    setThroughput: (phoneNumberId, perSecond) => core.setThroughput(phoneNumberId, perSecond),
    setWebhookUrl,
    setRecipientFailure: (waId, code) => core.setRecipientFailure(waId, code),
    revokeToken: (token) => core.revokeToken(token),
    addToken: (token, wabaIds) => core.addToken(token, wabaIds),
    signup: (input) => core.signup(input),
    inspect: (includeRecipients) => core.inspect(includeRecipients),
    message: (wamid) => core.message(wamid),
    recipient: (waId) => core.recipient(waId),
    webhookStats: () => core.inspect(false).webhooks,
    whenWebhooksIdle,
    reset: () => core.reset(),
  }
}
