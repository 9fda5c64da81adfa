import { describe, expect, it } from 'vitest'
import { GRAPH_API_VERSION, createCloudApiClient, toE164 } from './client.js'
import { AmbiguousSendError, CloudApiError, CloudApiNetworkError } from './errors.js'

const TOKEN = 'EAAtoken-that-must-never-leak'

interface Call { url: URL, init: RequestInit }

/** A fetch that records calls and answers from a script. */
function fakeFetch (answer: (call: Call) => Response | Promise<Response>): { fetch: typeof fetch, calls: Call[] } {
  const calls: Call[] = []
  const fn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const call = { url: new URL(String(input)), init: init ?? {} }
    calls.push(call)
    return await answer(call)
  }
  return { fetch: fn as typeof fetch, calls }
}

function json (body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

const ACCEPTED = { messaging_product: 'whatsapp', contacts: [{ input: '+16505551234', wa_id: '16505551234' }], messages: [{ id: 'wamid.ABC' }] }

function bodyOf (call: Call): Record<string, unknown> {
  return JSON.parse(String(call.init.body)) as Record<string, unknown>
}

function networkError (code: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) })
}

describe('toE164', () => {
  it.each([
    { input: '+1 (650) 555-1234', expected: '+16505551234' },
    { input: '16505551234', expected: '+16505551234' },
    { input: '0044 7700 900123', expected: '+447700900123' },
    { input: '+55 11 98765-4321', expected: '+5511987654321' },
  ])('$input → $expected', ({ input, expected }) => {
    expect(toE164(input)).toBe(expected)
  })

  it.each(['abc', '+0123456789', '12345', '+1234567890123456'])('refuses %s without echoing it', (input) => {
    expect(() => toE164(input)).toThrow(/E\.164/)
    try { toE164(input) } catch (e) { expect((e as Error).message).not.toContain(input) }
  })
})

describe('sends', () => {
  it('posts text to /{version}/{phone}/messages with the bearer token and E.164 `to`', async () => {
    const f = fakeFetch(() => json(ACCEPTED))
    const client = createCloudApiClient({ accessToken: TOKEN, fetch: f.fetch })
    const result = await client.sendText('1065', '1 650 555 1234', 'Hi', { previewUrl: true, replyTo: 'wamid.IN', bizOpaqueCallbackData: 'cmp_1:rcp_2' })
    expect(result).toEqual({ wamid: 'wamid.ABC', waId: '16505551234', input: '+16505551234' })
    const call = f.calls[0] as Call
    expect(call.url.toString()).toBe(`https://graph.facebook.com/${GRAPH_API_VERSION}/1065/messages`)
    expect(GRAPH_API_VERSION).toBe('v25.0')
    expect(call.init.method).toBe('POST')
    expect((call.init.headers as Record<string, string>)['authorization']).toBe(`Bearer ${TOKEN}`)
    expect(bodyOf(call)).toEqual({
      messaging_product: 'whatsapp', recipient_type: 'individual', to: '+16505551234', type: 'text',
      text: { body: 'Hi', preview_url: true }, context: { message_id: 'wamid.IN' }, biz_opaque_callback_data: 'cmp_1:rcp_2',
    })
  })

  it('maps template components to Meta\'s wire shape, named and positional', async () => {
    const f = fakeFetch(() => json({ ...ACCEPTED, messages: [{ id: 'wamid.T', message_status: 'accepted' }] }))
    const client = createCloudApiClient({ accessToken: TOKEN, fetch: f.fetch, baseUrl: 'http://sandbox.test/', version: 'v23.0' })
    const result = await client.sendTemplate('1065', '+16505551234', {
      name: 'order_update',
      languageCode: 'en_US',
      components: [
        { type: 'header', parameters: [{ type: 'image', link: 'https://x.test/a.jpg' }] },
        { type: 'body', parameters: [
          { type: 'text', text: 'Ada', parameterName: 'first_name' },
          { type: 'currency', fallbackValue: '$1.50', code: 'USD', amount1000: 1500 },
          { type: 'date_time', fallbackValue: 'Jan 1, 2026' },
        ] },
        { type: 'button', subType: 'quick_reply', index: 0, parameters: [{ type: 'payload', payload: 'OPT_OUT' }] },
        { type: 'button', subType: 'url', index: 1, parameters: [{ type: 'text', text: 'abc123' }] },
        { type: 'button', subType: 'copy_code', index: 2, parameters: [{ type: 'coupon_code', couponCode: 'SAVE10' }] },
      ],
    }, { bizOpaqueCallbackData: 'r1' })
    expect(result.messageStatus).toBe('accepted')
    const call = f.calls[0] as Call
    expect(call.url.toString()).toBe('http://sandbox.test/v23.0/1065/messages')
    expect(bodyOf(call)['template']).toEqual({
      name: 'order_update',
      language: { code: 'en_US', policy: 'deterministic' },
      components: [
        { type: 'header', parameters: [{ type: 'image', image: { link: 'https://x.test/a.jpg' } }] },
        { type: 'body', parameters: [
          { type: 'text', text: 'Ada', parameter_name: 'first_name' },
          { type: 'currency', currency: { fallback_value: '$1.50', code: 'USD', amount_1000: 1500 } },
          { type: 'date_time', date_time: { fallback_value: 'Jan 1, 2026' } },
        ] },
        { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'OPT_OUT' }] },
        { type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: 'abc123' }] },
        { type: 'button', sub_type: 'copy_code', index: '2', parameters: [{ type: 'coupon_code', coupon_code: 'SAVE10' }] },
      ],
    })
    expect(bodyOf(call)['biz_opaque_callback_data']).toBe('r1')
  })

  it('sends media by link or id and refuses shapes Meta forbids before any request', async () => {
    const f = fakeFetch(() => json(ACCEPTED))
    const client = createCloudApiClient({ accessToken: TOKEN, fetch: f.fetch })
    await client.sendMedia('1065', '+16505551234', { kind: 'document', link: 'https://x.test/a.pdf', caption: 'Invoice', filename: 'a.pdf' })
    expect(bodyOf(f.calls[0] as Call)).toMatchObject({ type: 'document', document: { link: 'https://x.test/a.pdf', caption: 'Invoice', filename: 'a.pdf' } })
    await client.sendMedia('1065', '+16505551234', { kind: 'image', id: '12345' })
    expect(bodyOf(f.calls[1] as Call)).toMatchObject({ type: 'image', image: { id: '12345' } })
    await expect(client.sendMedia('1065', '+16505551234', { kind: 'audio', id: '1', caption: 'x' })).rejects.toThrow(TypeError)
    await expect(client.sendMedia('1065', '+16505551234', { kind: 'image', id: '1', filename: 'x' })).rejects.toThrow(TypeError)
    await expect(client.sendMedia('1065', '+16505551234', { kind: 'image', id: '1', link: 'https://x' })).rejects.toThrow(TypeError)
    await expect(client.sendText('1065', 'not a number', 'x')).rejects.toThrow(TypeError)
    expect(f.calls).toHaveLength(2)
  })

  it('marks an inbound message read', async () => {
    const f = fakeFetch(() => json({ success: true }))
    await createCloudApiClient({ accessToken: TOKEN, fetch: f.fetch }).markRead('1065', 'wamid.IN')
    expect(bodyOf(f.calls[0] as Call)).toEqual({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.IN' })
  })
})

describe('answers that are errors', () => {
  const metaError = (code: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    error: { message: `(#${code}) Some title`, type: 'OAuthException', code, error_data: { messaging_product: 'whatsapp', details: 'why' }, fbtrace_id: 'trace1', ...extra },
  })

  it.each([
    { description: 'Meta error on 400', response: () => json(metaError(132001), 400), kind: CloudApiError, handling: 'permanent_request' },
    { description: 'Meta error on 500 (classified by code)', response: () => json(metaError(131000), 500), kind: CloudApiError, handling: 'retry_soon' },
    { description: 'Meta 190 on 401', response: () => json(metaError(190), 401), kind: CloudApiError, handling: 'stop_number' },
    { description: 'Meta 131026 on 200 status (status ignored)', response: () => json(metaError(131026), 200), kind: CloudApiError, handling: 'permanent_recipient' },
    { description: 'proxy 404 page', response: () => new Response('<html>not found</html>', { status: 404 }), kind: CloudApiError, handling: 'permanent_request' },
    { description: 'proxy 429 page', response: () => new Response('slow down', { status: 429 }), kind: CloudApiError, handling: 'retry_soon' },
  ])('$description → $handling', async ({ response, kind, handling }) => {
    const client = createCloudApiClient({ accessToken: TOKEN, fetch: fakeFetch(response).fetch })
    const error = await client.sendText('1065', '+16505551234', 'x').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(kind)
    expect((error as CloudApiError).handling).toBe(handling)
  })

  it('reads code, title, details, trace id and status from Meta\'s error', async () => {
    const client = createCloudApiClient({ accessToken: TOKEN, fetch: fakeFetch(() => json(metaError(131056), 400)).fetch })
    const error = await client.sendText('1065', '+16505551234', 'x').catch((e: unknown) => e) as CloudApiError
    expect(error).toMatchObject({ code: 131056, title: 'Some title', details: 'why', fbtraceId: 'trace1', httpStatus: 400, handling: 'retry_later', operation: 'sendText' })
  })

  it.each([
    { description: '5xx without a Meta error', response: () => new Response('<h1>502 Bad Gateway</h1>', { status: 502 }), reason: 'server_error' },
    { description: '500 with an empty body', response: () => new Response('', { status: 500 }), reason: 'server_error' },
    { description: '200 that is not JSON', response: () => new Response('ok', { status: 200 }), reason: 'unreadable_response' },
    { description: '200 without a wamid', response: () => json({ messaging_product: 'whatsapp' }), reason: 'unreadable_response' },
  ])('$description is ambiguous ($reason)', async ({ response, reason }) => {
    const client = createCloudApiClient({ accessToken: TOKEN, fetch: fakeFetch(response).fetch })
    const error = await client.sendTemplate('1065', '+16505551234', { name: 'hello_world', languageCode: 'en_US' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AmbiguousSendError)
    expect((error as AmbiguousSendError).reason).toBe(reason)
  })

  it.each([
    { code: 'ECONNREFUSED', kind: CloudApiNetworkError },
    { code: 'ENOTFOUND', kind: CloudApiNetworkError },
    { code: 'UND_ERR_CONNECT_TIMEOUT', kind: CloudApiNetworkError },
    { code: 'ECONNRESET', kind: AmbiguousSendError },
    { code: 'UND_ERR_SOCKET', kind: AmbiguousSendError },
    { code: 'EPIPE', kind: AmbiguousSendError },
  ])('a $code failure is a $kind.name', async ({ code, kind }) => {
    const client = createCloudApiClient({ accessToken: TOKEN, fetch: fakeFetch(() => { throw networkError(code) }).fetch })
    const error = await client.sendText('1065', '+16505551234', 'x').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(kind)
  })

  it('treats a refused happy-eyeballs connect (AggregateError) as not sent', async () => {
    const cause = new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' }), Object.assign(new Error('b'), { code: 'ECONNREFUSED' })])
    const client = createCloudApiClient({ accessToken: TOKEN, fetch: fakeFetch(() => { throw new TypeError('fetch failed', { cause }) }).fetch })
    await expect(client.sendText('1065', '+16505551234', 'x')).rejects.toBeInstanceOf(CloudApiNetworkError)
  })

  it('gives up after timeoutMs with an ambiguous timeout', async () => {
    const hang = fakeFetch((call) => new Promise<Response>((_resolve, reject) => {
      call.init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
    }))
    const client = createCloudApiClient({ accessToken: TOKEN, fetch: hang.fetch, timeoutMs: 50 })
    const started = Date.now()
    const error = await client.sendText('1065', '+16505551234', 'x').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AmbiguousSendError)
    expect((error as AmbiguousSendError).reason).toBe('timeout')
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('never puts the access token, app secret or code into an error', async () => {
    const echo = fakeFetch((call) => json({ error: { message: `(#100) bad ${call.url.search} ${TOKEN}`, code: 100, error_data: { details: `token ${TOKEN}` } } }, 400))
    const client = createCloudApiClient({ accessToken: TOKEN, fetch: echo.fetch })
    const sendError = await client.sendText('1065', '+16505551234', 'x').catch((e: unknown) => e) as CloudApiError
    const exchangeError = await client.exchangeCode({ appId: '1', appSecret: 'app-secret-xyz', code: 'code-abc' }).catch((e: unknown) => e) as CloudApiError
    for (const e of [sendError, exchangeError]) {
      const text = `${e.message} ${e.title} ${e.details ?? ''} ${e.stack ?? ''}`
      expect(text).not.toContain(TOKEN)
      expect(text).not.toContain('app-secret-xyz')
      expect(text).not.toContain('code-abc')
    }
    const network = createCloudApiClient({ accessToken: TOKEN, fetch: fakeFetch(() => { throw networkError('ECONNRESET') }).fetch })
    const lost = await network.exchangeCode({ appId: '1', appSecret: 'app-secret-xyz', code: 'code-abc' }).catch((e: unknown) => e) as Error
    expect(`${lost.message} ${lost.stack ?? ''}`).not.toMatch(/app-secret-xyz|code-abc|EAAtoken/)
  })
})

describe('management calls', () => {
  it('exchanges a code without a bearer token and reads the business token', async () => {
    const f = fakeFetch(() => json({ access_token: 'EAAbusiness', token_type: 'bearer' }))
    const result = await createCloudApiClient({ accessToken: TOKEN, fetch: f.fetch }).exchangeCode({ appId: '42', appSecret: 's', code: 'c' })
    expect(result).toEqual({ accessToken: 'EAAbusiness', tokenType: 'bearer' })
    const call = f.calls[0] as Call
    expect(call.url.pathname).toBe('/v25.0/oauth/access_token')
    expect(Object.fromEntries(call.url.searchParams)).toEqual({ client_id: '42', client_secret: 's', code: 'c' })
    expect((call.init.headers as Record<string, string>)['authorization']).toBeUndefined()
  })

  it('refuses a malformed PIN without spending a registration attempt', async () => {
    const f = fakeFetch(() => json({ success: true }))
    const client = createCloudApiClient({ accessToken: TOKEN, fetch: f.fetch })
    await expect(client.registerNumber('1065', '12345')).rejects.toThrow(TypeError)
    expect(f.calls).toHaveLength(0)
    await client.registerNumber('1065', '123456')
    expect(bodyOf(f.calls[0] as Call)).toEqual({ messaging_product: 'whatsapp', pin: '123456' })
  })

  it('follows template cursors (never paging.next, which carries the token) to the end', async () => {
    const pages: Record<string, unknown> = {
      '': { data: [{ id: '1', name: 'a', language: 'en_US', status: 'APPROVED', category: 'UTILITY', parameter_format: 'NAMED', components: [] }], paging: { cursors: { before: 'b0', after: 'c1' }, next: `https://graph.facebook.com/v25.0/w/message_templates?access_token=${TOKEN}&after=c1` } },
      c1: { data: [{ id: '2', name: 'b', language: 'en_US', status: 'APPROVED', category: 'MARKETING', components: [] }], paging: { cursors: { before: 'c1', after: 'c2' } } },
    }
    const f = fakeFetch((call) => json(pages[call.url.searchParams.get('after') ?? '']))
    const client = createCloudApiClient({ accessToken: TOKEN, fetch: f.fetch })
    const first = await client.listTemplates('w', { limit: 1, status: 'APPROVED' })
    expect(first.nextCursor).toBe('c1')
    expect(first.templates[0]).toEqual({ id: '1', name: 'a', language: 'en_US', status: 'APPROVED', category: 'UTILITY', parameterFormat: 'NAMED', components: [] })
    const all = await client.listAllTemplates('w', { limit: 1 })
    expect(all.map((t) => t.name)).toEqual(['a', 'b'])
    expect(all[1]?.parameterFormat).toBe('POSITIONAL')
    for (const call of f.calls) expect(call.url.searchParams.has('access_token')).toBe(false)
  })

  it('reads a phone number\'s limits with the documented fields', async () => {
    const f = fakeFetch(() => json({ id: '1065', display_phone_number: '+1 555-078-3881', verified_name: 'Acme', quality_rating: 'GREEN', throughput: { level: 'STANDARD' }, whatsapp_business_manager_messaging_limit: 'TIER_250' }))
    const phone = await createCloudApiClient({ accessToken: TOKEN, fetch: f.fetch }).getPhoneNumber('1065')
    expect(phone).toEqual({ id: '1065', displayPhoneNumber: '+1 555-078-3881', verifiedName: 'Acme', qualityRating: 'GREEN', throughputLevel: 'STANDARD', messagingLimitTier: 'TIER_250' })
    expect((f.calls[0] as Call).url.searchParams.get('fields')).toBe('throughput,quality_rating,whatsapp_business_manager_messaging_limit,display_phone_number,verified_name')
  })

  it('withAccessToken sends the other token', async () => {
    const f = fakeFetch(() => json({ success: true }))
    await createCloudApiClient({ accessToken: TOKEN, fetch: f.fetch }).withAccessToken('EAAother').subscribeApp('w')
    expect((f.calls[0] as Call).init.headers).toMatchObject({ authorization: 'Bearer EAAother' })
  })
})
