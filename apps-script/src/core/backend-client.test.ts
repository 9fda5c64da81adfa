import { describe, expect, it } from 'vitest'
import { BackendError, createBackendClient, interpretResponse, type HttpRequest, type HttpResponse } from './backend-client.js'

function recordingTransport (response: HttpResponse | Error): { requests: HttpRequest[], transport: (r: HttpRequest) => HttpResponse } {
  const requests: HttpRequest[] = []
  return {
    requests,
    transport: (request) => {
      requests.push(request)
      if (response instanceof Error) throw response
      return response
    },
  }
}

function caught (run: () => unknown): BackendError {
  try {
    run()
  } catch (error) {
    if (error instanceof BackendError) return error
    throw error
  }
  throw new Error('expected a BackendError')
}

describe('interpretResponse', () => {
  it('returns the parsed body of a 2xx', () => {
    expect(interpretResponse({ status: 200, body: '{"a":1}' })).toEqual({ a: 1 })
  })

  it.each([
    { description: 'server error body', response: { status: 401, body: '{"code":"SB_UNAUTHENTICATED","message":"Sign in"}' }, code: 'SB_UNAUTHENTICATED', status: 401, field: undefined },
    { description: 'error body with field and detail', response: { status: 400, body: '{"code":"SB_VALIDATION","message":"m","field":"emails/0","detail":"must match format"}' }, code: 'SB_VALIDATION', status: 400, field: 'emails/0' },
    { description: 'HTML from a proxy', response: { status: 502, body: '<html>Bad gateway</html>' }, code: 'SB_CLIENT_BAD_RESPONSE', status: 502, field: undefined },
    { description: 'JSON that is not an error body', response: { status: 500, body: '{"error":"x"}' }, code: 'SB_CLIENT_BAD_RESPONSE', status: 500, field: undefined },
    { description: '2xx without JSON', response: { status: 200, body: '' }, code: 'SB_CLIENT_BAD_RESPONSE', status: 200, field: undefined },
  ])('throws BackendError with the right code ($description)', ({ response, code, status, field }) => {
    const error = caught(() => interpretResponse(response))
    expect([error.code, error.status, error.field]).toEqual([code, status, field])
  })

  it('keeps the server\'s detail', () => {
    const error = caught(() => interpretResponse({ status: 400, body: '{"code":"SB_VALIDATION","message":"m","field":"phone","detail":"must be E.164"}' }))
    expect(error.detail).toBe('must be E.164')
  })

  it('accepts listed non-2xx statuses as answers', () => {
    expect(interpretResponse({ status: 503, body: '{"status":"unavailable"}' }, [503])).toEqual({ status: 'unavailable' })
  })
})

describe('createBackendClient', () => {
  it('sends GET /api/v1/me with the bearer token to the configured backend', () => {
    const { requests, transport } = recordingTransport({ status: 200, body: '{"user":{}}' })
    createBackendClient({ baseUrl: 'https://crm.example.com/sb/', token: 'sbt_x', transport }).me()
    expect(requests).toEqual([{ method: 'get', url: 'https://crm.example.com/sb/api/v1/me', headers: { Accept: 'application/json', Authorization: 'Bearer sbt_x' } }])
  })

  it('refuses an authenticated call without a token, before any request', () => {
    const { requests, transport } = recordingTransport({ status: 200, body: '{}' })
    expect(caught(() => createBackendClient({ baseUrl: 'https://x.test', transport }).me()).code).toBe('SB_UNAUTHENTICATED')
    expect(requests).toEqual([])
  })

  it('calls /health without credentials and treats its 503 as "not ready", not as a failure', () => {
    const { requests, transport } = recordingTransport({ status: 503, body: '{"status":"unavailable","store":{"engine":"sqlite","reachable":false,"pendingMigrations":[]}}' })
    expect(createBackendClient({ baseUrl: 'https://x.test', token: 'sbt_x', transport }).health().status).toBe('unavailable')
    expect(requests[0]?.headers.Authorization).toBeUndefined()
  })

  it('turns a transport failure into SB_CLIENT_UNREACHABLE, keeping the cause', () => {
    const cause = new Error('Exception: Address unavailable')
    const { transport } = recordingTransport(cause)
    const error = caught(() => createBackendClient({ baseUrl: 'https://x.test', transport }).health())
    expect([error.code, error.status, error.cause]).toEqual(['SB_CLIENT_UNREACHABLE', 0, cause])
  })
})
