import type { HttpBatchTransport, HttpRequest, HttpResponse, HttpTransport } from '../core/backend-client.js'

/**
 * The backend client's transports in Apps Script, shared by the Sheets and Gmail add-ons.
 * `muteHttpExceptions` makes 4xx/5xx come back as responses, so the client can read the
 * server's error code instead of Apps Script's "Request failed … returned code 401" text.
 */
function options (request: HttpRequest): GoogleAppsScript.URL_Fetch.URLFetchRequest {
  const params: GoogleAppsScript.URL_Fetch.URLFetchRequest = {
    url: request.url,
    method: request.method,
    headers: request.headers,
    muteHttpExceptions: true,
  }
  if (request.body !== undefined) {
    // Without an explicit type Apps Script sends a string payload as form data.
    params.contentType = 'application/json'
    params.payload = request.body
  }
  return params
}

function answer (response: GoogleAppsScript.URL_Fetch.HTTPResponse): HttpResponse {
  return { status: response.getResponseCode(), body: response.getContentText(), headers: response.getHeaders() as Record<string, string> }
}

/** One request, one UrlFetchApp.fetch. */
export const urlFetchTransport: HttpTransport = (request: HttpRequest): HttpResponse => {
  const { url, ...params } = options(request)
  return answer(UrlFetchApp.fetch(url, params))
}

/**
 * Several requests in one UrlFetchApp.fetchAll, which Google runs side by side. Each still
 * counts against the daily UrlFetch quota; a request that gets no answer fails them all.
 */
export const urlFetchBatchTransport: HttpBatchTransport = (requests: readonly HttpRequest[]): HttpResponse[] => {
  if (requests.length === 0) return []
  return UrlFetchApp.fetchAll(requests.map(options)).map(answer)
}
