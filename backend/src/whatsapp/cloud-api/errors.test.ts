import { describe, expect, it } from 'vitest'
import { AmbiguousSendError, CloudApiError, CloudApiNetworkError, ERROR_HANDLING, handlingFor, retryDelayMs, type CloudApiHandling } from './errors.js'

const HOUR = 3_600_000

describe('ERROR_HANDLING', () => {
  const expected: Record<CloudApiHandling, number[]> = {
    retry_soon: [1, 2, 4, 80007, 130429, 131000, 131016, 133004],
    retry_later: [131056, 131057, 131049, 133015, 80008, 132069],
    permanent_recipient: [131026, 131047, 131050, 130403, 131021, 131030, 130497, 130472],
    permanent_request: [100, 131008, 131009, 131051, 131052, 131053, 132000, 132001, 132005, 132007, 132012, 132015, 132016, 2388019, 131055, 132068, 135000],
    stop_number: [190, 131048, 131064, 131045, 133010, 133016, 131037, 33, 133000, 133006],
    stop_account: [0, 3, 10, 200, 250, 299, 368, 131031, 131042, 131063, 131005],
  }
  it.each(Object.entries(expected).flatMap(([handling, codes]) => codes.map((code) => ({ code, handling }))))('$code → $handling', ({ code, handling }) => {
    expect(ERROR_HANDLING[code]?.handling).toBe(handling)
  })

  it('covers every code of the reference table', () => {
    const reference = [0, 3, 10, 190, 368, 131031, 130497, 4, 80007, 130429, 131056, 131048, 131064, 133016, 1, 2, 131000, 131016, 133004,
      131057, 133015, 131047, 131049, 131050, 131026, 130403, 131021, 131030, 100, 131008, 131009, 131051, 131052, 131053, 132000, 132001,
      132005, 132007, 132012, 132015, 132016, 131042, 131045, 133010, 133005, 133008, 133009, 131063, 2388019, 80008]
    expect(reference.filter((code) => ERROR_HANDLING[code] === undefined)).toEqual([])
  })

  it('suggests the reference delays for the retry_later codes', () => {
    const pair = handlingFor(131056)
    expect([0, 1, 2, 3].map((n) => retryDelayMs(pair, n))).toEqual([1000, 4000, 16000, 64000])
    expect(retryDelayMs(handlingFor(131057))).toBe(60_000)
    expect(retryDelayMs(handlingFor(131049))).toBeGreaterThanOrEqual(24 * HOUR)
    expect(retryDelayMs(handlingFor(133015))).toBe(5 * 60_000)
    expect(retryDelayMs(handlingFor(131026))).toBeUndefined()
  })

  it('marks back-pressure, opt-out and template-wide codes for the callers that act on them', () => {
    expect([130429, 131056].map((c) => handlingFor(c).throttle)).toEqual([true, true])
    expect(handlingFor(131050).optOut).toBe(true)
    expect([132001, 132015, 132016, 132068].every((c) => handlingFor(c).templateWide === true)).toBe(true)
    expect(handlingFor(2).throttle).toBeUndefined()
  })

  it('allows 131000 only a couple of retries, since the message may have gone out', () => {
    expect(handlingFor(131000).maxRetries).toBe(2)
  })

  it.each([
    { description: 'unknown code on 400', code: 987654, status: 400, handling: 'permanent_request' },
    { description: 'unknown code without status', code: 987654, status: undefined, handling: 'permanent_request' },
    { description: 'unknown code on 500', code: 987654, status: 500, handling: 'retry_soon' },
    { description: 'unknown code on 503', code: 987654, status: 503, handling: 'retry_soon' },
    { description: 'unknown code on 429', code: 987654, status: 429, handling: 'retry_soon' },
    { description: 'known code keeps its class whatever the status', code: 131026, status: 500, handling: 'permanent_recipient' },
  ])('falls back for $description', ({ code, status, handling }) => {
    expect(handlingFor(code, status).handling).toBe(handling)
  })
})

describe('error classes', () => {
  it('CloudApiError reads Meta\'s shape and classifies by code, not title or status', () => {
    const e = new CloudApiError('sendText', 400, {
      message: '(#130429) Rate limit hit', type: 'OAuthException', code: 130429,
      error_data: { messaging_product: 'whatsapp', details: 'Cloud API message throughput has been reached.' }, fbtrace_id: 'Az8or2yhqkZ',
    })
    expect(e).toMatchObject({ code: 130429, title: 'Rate limit hit', details: 'Cloud API message throughput has been reached.', fbtraceId: 'Az8or2yhqkZ', httpStatus: 400, handling: 'retry_soon', retryable: true })
    expect(e.retryDelayMs(1)).toBe(2000)
    expect(e.message).toBe('Cloud API sendText failed: (#130429) Rate limit hit')
  })

  it('CloudApiError redacts secrets from Meta\'s text', () => {
    const e = new CloudApiError('exchangeCode', 400, { message: '(#100) bad secret s3cr3t', code: 100, error_data: { details: 'got s3cr3t' } }, (t) => t.split('s3cr3t').join('[redacted]'))
    expect(`${e.message} ${e.title} ${e.details}`).not.toContain('s3cr3t')
  })

  it('keeps ambiguity and plain network failure apart', () => {
    const ambiguous = new AmbiguousSendError('sendTemplate', 'timeout')
    expect(ambiguous.ambiguous).toBe(true)
    expect('handling' in ambiguous).toBe(false)
    const refused = new CloudApiNetworkError('sendTemplate', 'ECONNREFUSED')
    expect(refused).toMatchObject({ retryable: true, handling: 'retry_soon', causeCode: 'ECONNREFUSED' })
    expect(refused).not.toBeInstanceOf(AmbiguousSendError)
  })
})
