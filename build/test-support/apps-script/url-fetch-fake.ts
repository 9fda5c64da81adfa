import type { ExecutionContext } from './execution.js'
import { LIMITS, utf8Bytes } from './limits.js'
import { syncHttp, type SyncHttpRequest, type SyncHttpResult } from './sync-http.js'

const EXTERNAL_REQUEST = ['https://www.googleapis.com/auth/script.external_request']

/** A request as the runtime recorded it (method upper-case, Content-Type folded into headers). */
export interface RecordedFetch {
  url: string
  method: string
  headers: Record<string, string>
  payload: string | undefined
}

/** UrlFetchApp's request options, as far as add-ons use them. */
export interface UrlFetchParams {
  url?: string
  method?: string
  headers?: Record<string, string>
  contentType?: string
  payload?: unknown
  muteHttpExceptions?: boolean
  followRedirects?: boolean
  validateHttpsCertificates?: boolean
  escaping?: boolean
}

/** What UrlFetchApp remembers across executions. */
export interface UrlFetchState {
  fetches: RecordedFetch[]
  /** Requests made since the runtime loaded: the 20,000-a-day quota counts these. */
  requestsToday: number
}

/**
 * UrlFetchApp with real, synchronous HTTP (fetch and a concurrent fetchAll), the manifest's
 * urlFetchWhitelist, Google's size limits and daily quota, and its failure modes: a
 * network error throws even with muteHttpExceptions, and fails a whole fetchAll.
 */
export function fakeUrlFetchApp (exec: ExecutionContext, state: UrlFetchState, whitelist: readonly string[] | undefined): object {
  const prepare = (url: string, params: UrlFetchParams): SyncHttpRequest => {
    if (typeof url !== 'string') throw new Error('Exception: Invalid argument: url')
    if (whitelist !== undefined && !whitelist.some((prefix) => url.startsWith(prefix))) {
      throw new Error(`Exception: UrlFetch calls to ${url} are not permitted by the manifest's urlFetchWhitelist`)
    }
    if (url.length > LIMITS.urlFetch.urlLength) throw new Error(`Exception: Limit Exceeded: URLFetch URL Length (${url.length} characters).`)
    const method = (params.method ?? 'get').toUpperCase()
    const headers: Record<string, string> = { ...params.headers }
    let body: string | undefined
    if (params.payload !== undefined && params.payload !== null) {
      if (typeof params.payload === 'string') {
        body = params.payload
      } else if (typeof params.payload === 'object') {
        // An object payload goes as a form, as in Apps Script.
        body = new URLSearchParams(Object.entries(params.payload as Record<string, unknown>).map(([k, v]) => [k, String(v)])).toString()
      } else {
        throw new Error('Exception: Invalid argument: payload')
      }
    }
    if (params.contentType !== undefined) headers['Content-Type'] = params.contentType
    // Apps Script sends a payload as a form unless told otherwise.
    else if (body !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded'
    const headerBytes = Object.entries(headers).reduce((sum, [k, v]) => sum + utf8Bytes(k) + utf8Bytes(v) + 4, 0)
    if (Object.keys(headers).length > LIMITS.urlFetch.headerCount) throw new Error('Exception: Limit Exceeded: URLFetch header count.')
    if (headerBytes > LIMITS.urlFetch.headerBytes) throw new Error('Exception: Limit Exceeded: URLFetch header size.')
    if (body !== undefined && utf8Bytes(body) > LIMITS.urlFetch.payloadBytes) throw new Error('Exception: Limit Exceeded: URLFetch POST Size.')
    state.fetches.push({ url, method, headers, payload: body })
    return { url, method, headers, body, followRedirects: params.followRedirects !== false, timeoutMs: LIMITS.urlFetch.timeoutMs }
  }

  const countQuota = (requests: number): void => {
    if (state.requestsToday + requests > LIMITS.urlFetch.callsPerDay) throw new Error('Exception: Service invoked too many times for one day: urlfetch.')
    state.requestsToday += requests
    exec.count('urlFetchRequests', requests)
  }

  const toResponse = (request: SyncHttpRequest, result: SyncHttpResult, mute: boolean): object => {
    if (!result.ok) {
      if (result.error === 'timeout') throw new Error(`Exception: Timeout: ${request.url}`)
      throw new Error(`Exception: Address unavailable: ${request.url} (${result.error})`)
    }
    if (utf8Bytes(result.body) > LIMITS.urlFetch.responseBytes) throw new Error('Exception: Limit Exceeded: URLFetch response size.')
    if (!mute && result.status >= 400) {
      throw new Error(`Exception: Request failed for ${request.url} returned code ${result.status}. Truncated server response: ${result.body.slice(0, 100)} (use muteHttpExceptions option to examine full response)`)
    }
    return {
      getResponseCode: () => result.status,
      getContentText: () => result.body,
      getContent: () => [...Buffer.from(result.body, 'utf8')].map((b) => (b > 127 ? b - 256 : b)),
      getHeaders: () => result.headers,
      getAllHeaders: () => result.headers,
    }
  }

  return {
    fetch (url: string, params: UrlFetchParams = {}) {
      exec.enter('UrlFetchApp.fetch', { mode: 'FULL', scopes: EXTERNAL_REQUEST })
      const request = prepare(url, params)
      countQuota(1)
      exec.count('fetchCalls')
      exec.spend(exec.latency.urlFetchMs)
      const [result] = syncHttp([request])
      exec.checkTime()
      return toResponse(request, result!, params.muteHttpExceptions === true)
    },
    fetchAll (requests: Array<string | UrlFetchParams>) {
      exec.enter('UrlFetchApp.fetchAll', { mode: 'FULL', scopes: EXTERNAL_REQUEST })
      if (!Array.isArray(requests)) throw new Error('Exception: Invalid argument: requests')
      const params = requests.map((r) => typeof r === 'string' ? { url: r } : r)
      const prepared = params.map((p) => prepare(p.url ?? '', p))
      countQuota(prepared.length)
      exec.count('fetchAllCalls')
      exec.spend(exec.latency.urlFetchMs)
      const results = syncHttp(prepared)
      exec.checkTime()
      // One failed request fails the whole batch: the answers that did arrive are lost with it.
      return results.map((result, i) => toResponse(prepared[i]!, result, params[i]!.muteHttpExceptions === true))
    },
    getRequest (url: string, params: UrlFetchParams = {}) {
      return { url, method: (params.method ?? 'get').toLowerCase(), headers: params.headers ?? {}, payload: params.payload, contentType: params.contentType }
    },
  }
}
