import type { Health, Me } from './api-types.js'
import { ROUTES, routeUrl, type RoutePath } from './routes.js'

/**
 * The backend client shared by both Apps Script add-ons. It is pure: the host supplies a
 * synchronous transport (UrlFetchApp in Apps Script, a fake in tests), so everything that
 * decides what a response means is testable without Apps Script.
 */

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete'

export interface HttpRequest {
  method: HttpMethod
  url: string
  headers: Record<string, string>
  /** A JSON document; the transport sends it as `application/json`. */
  body?: string
}

export interface HttpResponse {
  status: number
  body: string
  /** Response headers (names as sent); only Retry-After is read. */
  headers?: Record<string, string>
}

/** Sends one request and returns whatever the server answered, any status; throws only when no answer came. */
export type HttpTransport = (request: HttpRequest) => HttpResponse

/**
 * Sends several requests at once and returns every answer in order. Like UrlFetchApp.fetchAll
 * it throws when any request got no answer, and then the other answers are lost too.
 */
export type HttpBatchTransport = (requests: readonly HttpRequest[]) => HttpResponse[]

/** Codes for failures that happen before or instead of a server answer; the server never sends them. */
export const CLIENT_ERROR_CODES = {
  unreachable: 'SB_CLIENT_UNREACHABLE',
  badResponse: 'SB_CLIENT_BAD_RESPONSE',
  tokenFormat: 'SB_CLIENT_TOKEN_FORMAT',
  /** A server function threw something other than BackendError, or google.script.run failed. */
  unexpected: 'SB_CLIENT_UNEXPECTED',
} as const

export type ClientErrorCode = typeof CLIENT_ERROR_CODES[keyof typeof CLIENT_ERROR_CODES]

/**
 * A failed backend call. `code` is the server's registry code when the server answered
 * with an error body, otherwise one of CLIENT_ERROR_CODES; callers branch on it and never
 * on `message`.
 */
export class BackendError extends Error {
  readonly code: string
  /** HTTP status, or 0 when no response arrived. */
  readonly status: number
  readonly field: string | undefined
  readonly detail: string | undefined
  /** What the server's Retry-After asked for, in milliseconds, when it sent one. */
  readonly retryAfterMs: number | undefined

  constructor (code: string, message: string, status: number, extras: { field?: string | undefined, detail?: string | undefined, cause?: unknown, retryAfterMs?: number | undefined } = {}) {
    super(message, extras.cause === undefined ? undefined : { cause: extras.cause })
    this.name = 'BackendError'
    this.code = code
    this.status = status
    this.field = extras.field
    this.detail = extras.detail
    this.retryAfterMs = extras.retryAfterMs
  }

  /** Whether sending the same request again later may succeed: rate limited or a server-side failure. */
  get retryable (): boolean {
    return this.status === 429 || this.status >= 500
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterMs (headers: Record<string, string> | undefined, now: number): number | undefined {
  const value = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'retry-after')?.[1]?.trim()
  if (value === undefined || value === '') return undefined
  if (/^\d+$/.test(value)) return Number(value) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/**
 * Turns a response into its JSON value, or throws BackendError carrying the server's code.
 * `alsoAccept` lists non-2xx statuses whose body is a normal answer (503 from /health).
 */
export function interpretResponse<T> (response: HttpResponse, alsoAccept: readonly number[] = []): T {
  const parsed = parseJson(response.body)
  if ((response.status >= 200 && response.status < 300) || alsoAccept.includes(response.status)) {
    if (parsed === undefined) {
      throw new BackendError(CLIENT_ERROR_CODES.badResponse, `The server answered ${response.status} without JSON`, response.status)
    }
    return parsed as T
  }
  const retryAfter = retryAfterMs(response.headers, Date.now())
  if (isErrorBody(parsed)) {
    throw new BackendError(parsed.code, parsed.message, response.status, { field: parsed.field, detail: parsed.detail, retryAfterMs: retryAfter })
  }
  // A proxy or load balancer in front of the backend answers with HTML, not our error body.
  throw new BackendError(CLIENT_ERROR_CODES.badResponse, `The server answered ${response.status}`, response.status, { retryAfterMs: retryAfter })
}

export interface BackendClient {
  /** `GET /health`, unauthenticated; `status` says whether the backend is ready. */
  health: () => Health
  /** `GET /api/v1/me`: who the token belongs to. */
  me: () => Me
}

export interface BackendClientOptions {
  baseUrl: string
  /** Bearer credential: an API token (`sbt_…`) or, later, a Google ID token. */
  token?: string | undefined
  transport: HttpTransport
}

/** How one request is made. */
export interface RequestOptions {
  authenticated: boolean
  body?: unknown
  headers?: Record<string, string>
  /** Non-2xx statuses whose body is a normal answer. */
  alsoAccept?: readonly number[]
}

/** Builds requests for one backend and token, sends them, and reads the answers. */
export interface Requester {
  /** The request `send` would make, for transports that send several at once. */
  prepare: (method: HttpMethod, path: RoutePath, options: RequestOptions) => HttpRequest
  /** Sends one request; throws BackendError on any failure. */
  send: <T>(method: HttpMethod, path: RoutePath, options: RequestOptions) => T
}

/** The request plumbing every client of the backend shares. */
export function createRequester (clientOptions: BackendClientOptions): Requester {
  const prepare: Requester['prepare'] = (method, path, options) => {
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers }
    if (options.authenticated) {
      if (clientOptions.token === undefined || clientOptions.token === '') {
        throw new BackendError('SB_UNAUTHENTICATED', 'No API token is configured', 0)
      }
      headers.Authorization = `Bearer ${clientOptions.token}`
    }
    const request: HttpRequest = { method, url: routeUrl(clientOptions.baseUrl, path), headers }
    if (options.body !== undefined) request.body = JSON.stringify(options.body)
    return request
  }
  return {
    prepare,
    send<T> (method: HttpMethod, path: RoutePath, options: RequestOptions): T {
      const request = prepare(method, path, options)
      let response: HttpResponse
      try {
        response = clientOptions.transport(request)
      } catch (cause) {
        // UrlFetchApp throws on DNS, TLS and connection failures even with muteHttpExceptions.
        throw unreachable(cause)
      }
      return interpretResponse<T>(response, options.alsoAccept)
    },
  }
}

/** The error for a request that got no answer at all. */
export function unreachable (cause: unknown): BackendError {
  return new BackendError(CLIENT_ERROR_CODES.unreachable, 'Switchboard could not be reached', 0, { cause })
}

export function createBackendClient (clientOptions: BackendClientOptions): BackendClient {
  const { send } = createRequester(clientOptions)
  return {
    // A 503 from /health is an answer ("not ready"), not a failure.
    health: () => send<Health>('get', ROUTES.health, { authenticated: false, alsoAccept: [503] }),
    me: () => send<Me>('get', ROUTES.me, { authenticated: true }),
  }
}

function parseJson (text: string): unknown {
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

interface ErrorBodyShape {
  code: string
  message: string
  field?: string
  detail?: string
}

function isErrorBody (value: unknown): value is ErrorBodyShape {
  if (typeof value !== 'object' || value === null) return false
  const record = value as Record<string, unknown>
  return typeof record.code === 'string' && typeof record.message === 'string' &&
    (record.field === undefined || typeof record.field === 'string') &&
    (record.detail === undefined || typeof record.detail === 'string')
}
