import { describe, expect, it } from 'vitest'
import { graph, send, startTestCollector, startTestSandbox, template, welcomeOffer } from './sandbox-test-helpers.js'

const USER = '+16505551234'
const HOUR = 3_600_000

function orderUpdate (to: string, bodyParams: unknown[]): Record<string, unknown> {
  return {
    to,
    ...template('order_update', 'en_US', [
      { type: 'header', parameters: [{ type: 'image', image: { link: 'https://shop.example.com/p.jpg' } }] },
      { type: 'body', parameters: bodyParams },
      { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'abc123' }] },
    ]),
  }
}
const THREE_TEXTS = [{ type: 'text', text: 'Ada' }, { type: 'text', text: '#1042' }, { type: 'text', text: 'Jan 5' }]

describe('send validation (synchronous errors in Meta\'s shape)', () => {
  const long = 'x'.repeat(4097)
  it.each([
    { description: 'messaging_product missing', body: { to: USER, type: 'text', text: { body: 'hi' } }, raw: true, code: 100 },
    { description: 'to missing', body: { type: 'text', text: { body: 'hi' } }, code: 100 },
    { description: 'to not a number', body: { to: 'call me', type: 'text', text: { body: 'hi' } }, code: 100 },
    { description: 'unsupported type', body: { to: USER, type: 'reaction', reaction: { emoji: '👍' } }, code: 131051 },
    { description: 'type object missing', body: { to: USER, type: 'text' }, code: 131008 },
    { description: 'text body empty', body: { to: USER, type: 'text', text: { body: '' } }, code: 131008 },
    { description: 'text body over 4096', body: { to: USER, type: 'text', text: { body: long } }, code: 100 },
    { description: 'media with link and id', body: { to: USER, type: 'image', image: { id: '1', link: 'https://x.test/a.jpg' } }, code: 131008 },
    { description: 'media link not http', body: { to: USER, type: 'image', image: { link: 'ftp://x.test/a.jpg' } }, code: 131009 },
    { description: 'audio with caption', body: { to: USER, type: 'audio', audio: { id: '1', caption: 'no' } }, code: 100 },
    { description: 'four reply buttons', body: { to: USER, type: 'interactive', interactive: { type: 'button', body: { text: 'Pick' }, action: { buttons: [1, 2, 3, 4].map((n) => ({ type: 'reply', reply: { id: `b${n}`, title: `B${n}` } })) } } }, code: 131009 },
    { description: 'unknown template', body: { to: USER, ...template('no_such_template', 'en_US') }, code: 132001 },
    { description: 'template in a missing language', body: { to: USER, ...template('hello_world', 'fr_FR') }, code: 132001 },
    { description: 'PENDING template', body: { to: USER, ...template('spring_sale', 'en_US') }, code: 132001 },
    { description: 'REJECTED template', body: { to: USER, ...template('crypto_giveaway', 'en_US', [{ type: 'body', parameters: [{ type: 'text', text: 'Ada' }] }]) }, code: 132001 },
    { description: 'too few body parameters', body: orderUpdate(USER, THREE_TEXTS.slice(0, 2)), code: 132000 },
    { description: 'too many body parameters', body: orderUpdate(USER, [...THREE_TEXTS, { type: 'text', text: 'extra' }]), code: 132000 },
    { description: 'parameters for a template without any', body: { to: USER, ...template('hello_world', 'en_US', [{ type: 'body', parameters: [{ type: 'text', text: 'x' }] }]) }, code: 132000 },
    { description: 'URL button parameter missing', body: { to: USER, ...template('order_update', 'en_US', [{ type: 'header', parameters: [{ type: 'image', image: { link: 'https://x.test/a.jpg' } }] }, { type: 'body', parameters: THREE_TEXTS }]) }, code: 132000 },
    { description: 'header image given as text', body: { to: USER, ...template('order_update', 'en_US', [{ type: 'header', parameters: [{ type: 'text', text: 'x' }] }, { type: 'body', parameters: THREE_TEXTS }, { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'a' }] }]) }, code: 132012 },
    { description: 'named parameter without parameter_name', body: { to: USER, ...template('appointment_reminder', 'en_US', [{ type: 'body', parameters: [{ type: 'text', text: 'Ada' }, { type: 'text', text: 'Mon' }] }]) }, code: 131008 },
    { description: 'unknown parameter_name', body: { to: USER, ...template('appointment_reminder', 'en_US', [{ type: 'body', parameters: [{ type: 'text', text: 'Ada', parameter_name: 'customer_name' }, { type: 'text', text: 'Mon', parameter_name: 'when' }] }]) }, code: 132000 },
    { description: 'body over 1024 characters after substitution', body: orderUpdate(USER, [{ type: 'text', text: 'A'.repeat(1100) }, ...THREE_TEXTS.slice(1)]), code: 132005 },
    { description: 'button sub_type not matching the template', body: { to: USER, ...template('appointment_reminder', 'en_US', [{ type: 'body', parameters: [{ type: 'text', text: 'Ada', parameter_name: 'customer_name' }, { type: 'text', text: 'Mon', parameter_name: 'appointment_time' }] }, { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'x' }] }]) }, code: 131009 },
    { description: 'free-form outside the 24 h window (policyErrors: response)', body: { to: USER, type: 'text', text: { body: 'hi' } }, code: 131047 },
    { description: 'sending to the business number itself', body: { to: '+1 555-078-3881', ...template('hello_world', 'en_US') }, code: 131021 },
  ])('$description → $code', async ({ body, raw, code }) => {
    const sandbox = await startTestSandbox({ policyErrors: 'response' })
    const answer = raw === true
      ? await graph(sandbox, 'POST', `/v25.0/${sandbox.phoneNumberId}/messages`, body)
      : await send(sandbox, body)
    expect(answer.status).toBe(400)
    expect(answer.body.error).toMatchObject({ code, type: expect.any(String), fbtrace_id: expect.any(String), error_data: { messaging_product: 'whatsapp', details: expect.any(String) } })
    expect(answer.body.error.message).toMatch(/^\(#\d+\) /)
    expect(sandbox.inspect().acceptedTotal).toBe(0)
    expect(sandbox.inspect().rejected[String(code)]).toBe(1)
  })

  it('answers malformed JSON with a Meta error, not a framework one', async () => {
    const sandbox = await startTestSandbox()
    const answer = await graph(sandbox, 'POST', `/v25.0/${sandbox.phoneNumberId}/messages`, '{"messaging_product": ')
    expect(answer.status).toBe(400)
    expect(answer.body.error.code).toBe(100)
  })

  it('answers paused (132015) and disabled (132016) templates after a status change', async () => {
    const sandbox = await startTestSandbox()
    sandbox.templateStatus({ name: 'hello_world', language: 'en_US', event: 'PAUSED' })
    expect((await send(sandbox, { to: USER, ...template('hello_world', 'en_US') })).body.error.code).toBe(132015)
    sandbox.templateStatus({ name: 'hello_world', language: 'en_US', event: 'DISABLED' })
    expect((await send(sandbox, { to: USER, ...template('hello_world', 'en_US') })).body.error.code).toBe(132016)
    sandbox.templateStatus({ name: 'hello_world', language: 'en_US', event: 'REINSTATED' })
    expect((await send(sandbox, { to: USER, ...template('hello_world', 'en_US') })).status).toBe(200)
  })
})

describe('successful sends', () => {
  it('answers a template send exactly like Meta: contacts with wa_id (no +) and a wamid with message_status', async () => {
    const sandbox = await startTestSandbox()
    const answer = await send(sandbox, orderUpdate('+1 (650) 555-1234', THREE_TEXTS))
    expect(answer.status).toBe(200)
    expect(Object.keys(answer.body)).toEqual(['messaging_product', 'contacts', 'messages'])
    expect(answer.body.contacts).toEqual([{ input: '+1 (650) 555-1234', wa_id: '16505551234' }])
    expect(answer.body.messages).toEqual([{ id: expect.stringMatching(/^wamid\.[A-Za-z0-9+/=]+$/), message_status: 'accepted' }])
  })

  it('accepts named and positional templates, all seeded languages, and every button kind', async () => {
    const sandbox = await startTestSandbox()
    const ok = [
      welcomeOffer('+16505550001'),
      { ...welcomeOffer('+16505550002'), template: { ...(welcomeOffer('x')['template'] as object), language: { code: 'pt_BR' } } },
      orderUpdate('+16505550003', THREE_TEXTS),
      { to: '+16505550004', ...template('order_update', 'es_ES', [{ type: 'header', parameters: [{ type: 'image', image: { id: '998877' } }] }, { type: 'body', parameters: THREE_TEXTS }, { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'x1' }] }, { type: 'button', sub_type: 'quick_reply', index: '1', parameters: [{ type: 'payload', payload: 'STOP' }] }]) },
      { to: '+16505550005', ...template('loyalty_coupon', 'en_US', [{ type: 'body', parameters: [{ type: 'text', text: 'Ada' }, { type: 'currency', currency: { fallback_value: '$5', code: 'USD', amount_1000: 5000 } }] }, { type: 'button', sub_type: 'copy_code', index: '0', parameters: [{ type: 'coupon_code', coupon_code: 'SAVE5' }] }]) },
      { to: '+16505550006', ...template('verification_code', 'en_US', [{ type: 'body', parameters: [{ type: 'text', text: '482913' }] }, { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '482913' }] }]) },
      { to: '+16505550007', ...template('appointment_reminder', 'de_DE', [{ type: 'body', parameters: [{ type: 'text', text: 'Ada', parameter_name: 'customer_name' }, { type: 'date_time', date_time: { fallback_value: 'Mo 10:00' }, parameter_name: 'appointment_time' }] }]) },
    ]
    for (const body of ok) {
      const answer = await send(sandbox, body)
      expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    }
    expect(sandbox.inspect().acceptedTotal).toBe(ok.length)
  })

  it('prepends the business country code when + is missing, and reports wa_id quirks', async () => {
    const sandbox = await startTestSandbox()
    const hello = template('hello_world', 'en_US')
    expect((await send(sandbox, { to: '6505551234', ...hello })).body.contacts[0]).toEqual({ input: '6505551234', wa_id: '16505551234' })
    // A UK number without + goes to a +1 number: the misdelivery the reference warns about.
    expect((await send(sandbox, { to: '447700900123', ...hello })).body.contacts[0].wa_id).toBe('1447700900123')
    expect((await send(sandbox, { to: '+55 11 98765-4321', ...hello })).body.contacts[0].wa_id).toBe('551187654321')
  })

  it('accepts any vN.0 version prefix and the token as a query parameter', async () => {
    const sandbox = await startTestSandbox()
    for (const version of ['v13.0', 'v20.0', 'v25.0', 'v26.0']) {
      const r = await graph(sandbox, 'GET', `/${version}/${sandbox.phoneNumberId}?access_token=${sandbox.accessToken}`, undefined, null)
      expect(r.status).toBe(200)
    }
    expect((await graph(sandbox, 'GET', `/v25/${sandbox.phoneNumberId}`)).body.error.code).toBe(2500)
  })
})

describe('authentication and objects', () => {
  it.each([
    { description: 'no token', token: null },
    { description: 'unknown token', token: 'EAAnot-a-real-token' },
  ])('$description → 190 with HTTP 401', async ({ token }) => {
    const sandbox = await startTestSandbox()
    const answer = await send(sandbox, { to: USER, ...template('hello_world', 'en_US') }, { token })
    expect(answer.status).toBe(401)
    expect(answer.body.error).toMatchObject({ code: 190, type: 'OAuthException' })
  })

  it('answers 190 for a revoked token', async () => {
    const sandbox = await startTestSandbox()
    sandbox.revokeToken(sandbox.accessToken)
    expect((await send(sandbox, { to: USER, ...template('hello_world', 'en_US') })).body.error.code).toBe(190)
  })

  it('answers unknown ids with 100 (subcode 33) and unknown edges with 2500', async () => {
    const sandbox = await startTestSandbox()
    const unknown = await graph(sandbox, 'GET', '/v25.0/999999')
    expect(unknown.status).toBe(400)
    expect(unknown.body.error).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' })
    expect((await graph(sandbox, 'GET', `/v25.0/${sandbox.phoneNumberId}/nonsense`)).body.error.code).toBe(2500)
    expect((await graph(sandbox, 'GET', `/v25.0/${sandbox.phoneNumberId}/messages`)).body.error.code).toBe(100)
  })
})

describe('throughput (per number token bucket)', () => {
  it('accepts exactly the bucket in a burst and answers the rest 130429 with HTTP 429', async () => {
    let clock = Date.now()
    const sandbox = await startTestSandbox({ now: () => clock, phoneNumbers: [{ id: '111', displayPhoneNumber: '+1 555-000-0001', throughputPerSecond: 10 }] })
    const burst = await Promise.all(Array.from({ length: 25 }, (_v, i) => send(sandbox, { to: `+1650555${String(1000 + i)}`, ...template('hello_world', 'en_US') })))
    expect(burst.filter((r) => r.status === 200)).toHaveLength(10)
    const limited = burst.filter((r) => r.status !== 200)
    expect(limited).toHaveLength(15)
    for (const r of limited) {
      expect(r.status).toBe(429)
      expect(r.body.error).toMatchObject({ code: 130429, message: '(#130429) Rate limit hit' })
    }
    clock += 500
    const later = await Promise.all(Array.from({ length: 10 }, (_v, i) => send(sandbox, { to: `+1650556${String(1000 + i)}`, ...template('hello_world', 'en_US') })))
    expect(later.filter((r) => r.status === 200)).toHaveLength(5)
  })

  it('holds a measured rate close to the configured mps on the real clock', async () => {
    const sandbox = await startTestSandbox({ phoneNumbers: [{ id: '111', displayPhoneNumber: '+1 555-000-0001', throughputPerSecond: 50 }] })
    const started = Date.now()
    let accepted = 0
    let n = 0
    while (Date.now() - started < 2000) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => send(sandbox, { to: `+1650${String(5_000_000 + n++)}`, ...template('hello_world', 'en_US') })))
      accepted += batch.filter((r) => r.status === 200).length
      await new Promise((resolve) => setTimeout(resolve, 40))
    }
    const seconds = (Date.now() - started) / 1000
    // 50 in the initial bucket, then 50 per second.
    const expected = 50 + 50 * seconds
    expect(n).toBeGreaterThan(expected)
    expect(accepted).toBeGreaterThan(expected * 0.9)
    expect(accepted).toBeLessThan(expected * 1.1)
  })

  it('lets a control change the rate (up to 1000 mps)', async () => {
    let clock = Date.now()
    const sandbox = await startTestSandbox({ now: () => clock })
    const r = await fetch(`${sandbox.url}/_sandbox/throughput`, { method: 'POST', body: JSON.stringify({ perSecond: 3 }) })
    expect(r.status).toBe(200)
    const burst = await Promise.all(Array.from({ length: 5 }, (_v, i) => send(sandbox, { to: `+1650555${String(2000 + i)}`, ...template('hello_world', 'en_US') })))
    expect(burst.filter((x) => x.status === 200)).toHaveLength(3)
    expect(() => sandbox.setThroughput(sandbox.phoneNumberId, 1001)).toThrow(RangeError)
    sandbox.setThroughput(sandbox.phoneNumberId, 1000)
    clock += 1
    expect((await graph(sandbox, 'GET', `/v25.0/${sandbox.phoneNumberId}?fields=throughput`)).body.throughput).toEqual({ level: 'HIGH' })
  })
})

describe('pair rate (per recipient)', () => {
  it('allows a burst of 45 to one user, then 131056 until one refills every 6 s; other users are unaffected', async () => {
    let clock = Date.now()
    const sandbox = await startTestSandbox({ now: () => clock })
    const hello = template('hello_world', 'en_US')
    for (let i = 0; i < 45; i += 1) expect((await send(sandbox, { to: USER, ...hello })).status).toBe(200)
    const limited = await send(sandbox, { to: USER, ...hello })
    expect(limited.status).toBe(400)
    expect(limited.body.error.code).toBe(131056)
    expect((await send(sandbox, { to: '+16505559999', ...hello })).status).toBe(200)
    clock += 6000
    expect((await send(sandbox, { to: USER, ...hello })).status).toBe(200)
    expect((await send(sandbox, { to: USER, ...hello })).body.error.code).toBe(131056)
    expect(sandbox.inspect().byRecipient?.['16505551234']).toBe(46)
  })
})

describe('customer service window', () => {
  it('refuses free-form outside the window (131047), allows it after the user writes, and closes after 24 h', async () => {
    let clock = Date.now()
    const sandbox = await startTestSandbox({ now: () => clock, policyErrors: 'response' })
    const text = { to: USER, type: 'text', text: { body: 'Hello!' } }
    expect((await send(sandbox, text)).body.error.code).toBe(131047)
    // Templates need no window.
    expect((await send(sandbox, { to: USER, ...template('hello_world', 'en_US') })).status).toBe(200)
    sandbox.inboundText({ from: USER, text: 'hi there' })
    expect((await send(sandbox, text)).status).toBe(200)
    expect((await send(sandbox, { to: USER, type: 'image', image: { link: 'https://x.test/a.jpg', caption: 'pic' } })).status).toBe(200)
    clock += 23 * HOUR
    expect((await send(sandbox, text)).status).toBe(200)
    clock += 1 * HOUR
    expect((await send(sandbox, text)).body.error.code).toBe(131047)
    expect(sandbox.recipient(USER).windowOpenUntil).toBeNull()
  })

  it('by default accepts the free-form send and fails it by webhook, as Cloud API does', async () => {
    const collector = await startTestCollector()
    const sandbox = await startTestSandbox({ webhookUrl: collector.url })
    const answer = await send(sandbox, { to: USER, type: 'text', text: { body: 'Hello!' } })
    expect(answer.status).toBe(200)
    const wamid = answer.body.messages[0].id as string
    await collector.waitFor((c) => c.statuses().some((s) => s.id === wamid))
    const failed = collector.statuses().find((s) => s.id === wamid)
    expect(failed).toMatchObject({ status: 'failed', recipient_id: '16505551234', errors: [{ code: 131047, title: 'Re-engagement message' }] })
    expect(failed?.pricing).toBeUndefined()
  })
})

describe('marketing opt-out', () => {
  it('answers 131050 for marketing templates after a stop, never for utility, and clears on resume', async () => {
    const sandbox = await startTestSandbox({ policyErrors: 'response' })
    expect((await send(sandbox, welcomeOffer(USER))).status).toBe(200)
    sandbox.userPreference({ waId: '16505551234', value: 'stop' })
    const stopped = await send(sandbox, welcomeOffer(USER))
    expect(stopped.body.error.code).toBe(131050)
    expect((await send(sandbox, { to: USER, ...template('hello_world', 'en_US') })).status).toBe(200)
    sandbox.userPreference({ waId: '16505551234', value: 'resume' })
    expect((await send(sandbox, welcomeOffer(USER))).status).toBe(200)
  })
})

describe('registration', () => {
  it('refuses sends from an unregistered number (133010) until it registers with a 6-digit PIN', async () => {
    const sandbox = await startTestSandbox({ phoneNumbers: [{ id: '222', displayPhoneNumber: '+1 555-000-0002', registered: false }] })
    const hello = { to: USER, ...template('hello_world', 'en_US') }
    expect((await send(sandbox, hello)).body.error.code).toBe(133010)
    expect((await graph(sandbox, 'POST', '/v25.0/222/register', { messaging_product: 'whatsapp', pin: '12' })).body.error.code).toBe(100)
    expect((await graph(sandbox, 'POST', '/v25.0/222/register', { messaging_product: 'whatsapp', pin: '123456' })).body).toEqual({ success: true })
    expect((await send(sandbox, hello)).status).toBe(200)
    expect((await graph(sandbox, 'POST', '/v25.0/222/register', { messaging_product: 'whatsapp', pin: '654321' })).body.error.code).toBe(133005)
  })

  it('answers 133016 after 10 attempts in 72 hours', async () => {
    const sandbox = await startTestSandbox()
    for (let i = 0; i < 10; i += 1) await graph(sandbox, 'POST', `/v25.0/${sandbox.phoneNumberId}/register`, { messaging_product: 'whatsapp', pin: '000000' })
    const eleventh = await graph(sandbox, 'POST', `/v25.0/${sandbox.phoneNumberId}/register`, { messaging_product: 'whatsapp', pin: '000000' })
    expect(eleventh.body.error.code).toBe(133016)
  })
})

describe('Embedded Signup', () => {
  it('issues a single-use code that exchanges for a token scoped to the new WABA', async () => {
    let clock = Date.now()
    const sandbox = await startTestSandbox({ now: () => clock })
    const popup = await fetch(`${sandbox.url}/_sandbox/signup`, { method: 'POST', body: JSON.stringify({ verifiedName: 'Acme Bikes' }) }).then((r) => r.json()) as Record<string, string>
    expect(Object.keys(popup).sort()).toEqual(['business_id', 'code', 'phone_number_id', 'waba_id'])
    const exchange = (params: Record<string, string>): Promise<{ status: number, body: any }> => graph(sandbox, 'GET', `/v25.0/oauth/access_token?${new URLSearchParams(params).toString()}`, undefined, null)
    const base = { client_id: sandbox.appId, client_secret: sandbox.appSecret, code: popup['code'] as string }
    expect((await exchange({ ...base, client_secret: 'wrong' })).body.error).toMatchObject({ code: 100, type: 'OAuthException' })
    expect((await exchange({ ...base, code: 'AQnot-issued' })).body.error.code).toBe(100)
    const ok = await exchange(base)
    expect(ok.status).toBe(200)
    expect(ok.body).toEqual({ access_token: expect.stringMatching(/^EAA/), token_type: 'bearer' })
    const reused = await exchange(base)
    expect(reused.body.error).toMatchObject({ code: 100, message: 'This authorization code has been used.' })

    const token = ok.body.access_token as string
    expect((await graph(sandbox, 'GET', `/v25.0/${popup['waba_id']}/phone_numbers`, undefined, token)).body.data[0]).toMatchObject({ id: popup['phone_number_id'], verified_name: 'Acme Bikes', platform_type: 'NOT_APPLICABLE' })
    // The customer's token sees only the customer's WABA.
    expect((await graph(sandbox, 'GET', `/v25.0/${sandbox.wabaId}/message_templates`, undefined, token)).body.error).toMatchObject({ code: 100, error_subcode: 33 })

    const late = await fetch(`${sandbox.url}/_sandbox/signup`, { method: 'POST', body: '{}' }).then((r) => r.json()) as Record<string, string>
    clock += 31_000
    expect((await exchange({ ...base, code: late['code'] as string })).body.error.message).toBe('This authorization code has expired.')
  })

  it('subscribes the app, verifying an override callback with hub.challenge first', async () => {
    const collector = await startTestCollector({ verifyToken: 'vt-123' })
    const sandbox = await startTestSandbox()
    const path = `/v25.0/${sandbox.wabaId}/subscribed_apps`
    expect((await graph(sandbox, 'POST', path, { override_callback_uri: collector.url, verify_token: 'wrong' })).body.error.code).toBe(2200)
    expect((await graph(sandbox, 'POST', path, { override_callback_uri: collector.url, verify_token: 'vt-123' })).body).toEqual({ success: true })
    expect((await graph(sandbox, 'GET', path)).body.data[0].whatsapp_business_api_data.id).toBe(sandbox.appId)
    sandbox.inboundText({ from: USER, text: 'to the override' })
    await collector.waitFor((c) => c.messages().length === 1)
    expect((await graph(sandbox, 'DELETE', path)).body).toEqual({ success: true })
    expect((await graph(sandbox, 'GET', path)).body.data).toEqual([])
  })
})

describe('reads', () => {
  it('answers GET /{phone}?fields= with exactly the fields asked, and refuses unknown ones', async () => {
    const sandbox = await startTestSandbox()
    const fields = 'throughput,quality_rating,whatsapp_business_manager_messaging_limit,display_phone_number,verified_name'
    const r = await graph(sandbox, 'GET', `/v25.0/${sandbox.phoneNumberId}?fields=${fields}`)
    expect(r.body).toEqual({
      throughput: { level: 'STANDARD' }, quality_rating: 'GREEN', whatsapp_business_manager_messaging_limit: 'TIER_UNLIMITED',
      display_phone_number: '+1 555-078-3881', verified_name: 'Switchboard Sandbox', id: sandbox.phoneNumberId,
    })
    expect((await graph(sandbox, 'GET', `/v25.0/${sandbox.phoneNumberId}?fields=nope`)).body.error.code).toBe(100)
  })

  it('pages templates with limit and after, filters by status, and puts the token in paging.next like Graph', async () => {
    const sandbox = await startTestSandbox()
    const seen: string[] = []
    let after: string | undefined
    let pages = 0
    for (;;) {
      const r = await graph(sandbox, 'GET', `/v25.0/${sandbox.wabaId}/message_templates?limit=3${after === undefined ? '' : `&after=${after}`}`)
      expect(r.status).toBe(200)
      expect(r.body.data.length).toBeLessThanOrEqual(3)
      seen.push(...r.body.data.map((t: { name: string, language: string }) => `${t.name}/${t.language}`))
      pages += 1
      if (r.body.paging?.next === undefined) break
      expect(r.body.paging.next).toContain('access_token=')
      after = r.body.paging.cursors.after
    }
    expect(seen).toHaveLength(14)
    expect(new Set(seen).size).toBe(14)
    expect(pages).toBe(5)
    const approved = await graph(sandbox, 'GET', `/v25.0/${sandbox.wabaId}/message_templates?status=APPROVED&limit=100`)
    expect(approved.body.data).toHaveLength(12)
    expect(approved.body.data[0]).toEqual({ name: 'hello_world', parameter_format: 'POSITIONAL', components: expect.any(Array), language: 'en_US', status: 'APPROVED', category: 'UTILITY', id: expect.stringMatching(/^\d+$/) })
    expect((await graph(sandbox, 'GET', `/v25.0/${sandbox.wabaId}/message_templates?after=bogus`)).body.error.code).toBe(100)
  })
})

describe('control and inspection endpoints', () => {
  it('counts accepted messages per recipient and keeps each wamid\'s status history', async () => {
    const collector = await startTestCollector()
    const sandbox = await startTestSandbox({ webhookUrl: collector.url, webhooks: { readRate: 1 } })
    const hello = template('hello_world', 'en_US')
    const wamids: string[] = []
    for (const to of ['+16505550001', '+16505550001', '+16505550001', '+16505550002']) wamids.push((await send(sandbox, { to, ...hello })).body.messages[0].id)
    await send(sandbox, { to: '+16505550003', ...template('nope', 'en_US') })
    await sandbox.whenWebhooksIdle()
    const inspection = await fetch(`${sandbox.url}/_sandbox/inspect`).then((r) => r.json()) as Record<string, any>
    expect(inspection).toMatchObject({
      acceptedTotal: 4, recipients: 2, recipientsWithSeveral: 1, maxPerRecipient: 3,
      byRecipient: { 16505550001: 3, 16505550002: 1 }, rejected: { 132001: 1 },
      statuses: { sent: 4, delivered: 4, read: 4, failed: 0 },
      webhooks: { delivered: 12, pending: 0 },
    })
    const brief = await fetch(`${sandbox.url}/_sandbox/inspect?recipients=false`).then((r) => r.json()) as Record<string, unknown>
    expect(brief['byRecipient']).toBeUndefined()
    const history = await fetch(`${sandbox.url}/_sandbox/messages/${encodeURIComponent(wamids[3] as string)}`).then((r) => r.json()) as Record<string, any>
    expect(history).toMatchObject({ wamid: wamids[3], waId: '16505550002', templateName: 'hello_world', category: 'utility' })
    expect(history['statuses'].map((s: { status: string }) => s.status)).toEqual(['sent', 'delivered', 'read'])
    expect((await fetch(`${sandbox.url}/_sandbox/messages/wamid.unknown`)).status).toBe(404)
    const recipient = await fetch(`${sandbox.url}/_sandbox/recipients/16505550001`).then((r) => r.json()) as Record<string, unknown>
    expect(recipient).toMatchObject({ waId: '16505550001', accepted: 3, optedOut: false, windowOpenUntil: null })
    expect(recipient['wamids']).toEqual(wamids.slice(0, 3))
  })

  it('drives inbound messages, preferences, template reviews, faults and reset over HTTP', async () => {
    const collector = await startTestCollector()
    const sandbox = await startTestSandbox({ webhookUrl: collector.url })
    const post = async (path: string, body: unknown): Promise<{ status: number, body: any }> => {
      const r = await fetch(`${sandbox.url}/_sandbox${path}`, { method: 'POST', body: JSON.stringify(body) })
      return { status: r.status, body: await r.json() }
    }
    expect((await post('/inbound/text', { from: USER, text: 'hi', name: 'Ada' })).body).toEqual({ wamid: expect.stringMatching(/^wamid\./), waId: '16505551234' })
    expect((await post('/inbound/button', { from: USER, payload: 'STOP', text: 'Stop updates', contextWamid: 'wamid.X' })).status).toBe(200)
    expect((await post('/inbound/button-reply', { from: USER, id: 'yes', title: 'Yes', contextWamid: 'wamid.Y' })).status).toBe(200)
    expect((await post('/inbound/list-reply', { from: USER, id: 'r1', title: 'Row 1', description: 'First', contextWamid: 'wamid.Z' })).status).toBe(200)
    expect((await post('/user-preferences', { waId: '16505551234', value: 'stop' })).status).toBe(200)
    expect((await post('/templates/status', { name: 'spring_sale', language: 'en_US', event: 'APPROVED' })).body).toMatchObject({ name: 'spring_sale', status: 'APPROVED' })
    expect((await post('/faults', { 131026: 0.25 })).body).toMatchObject({ 131026: 0.25, 131000: 0 })
    expect((await post('/faults', { 131026: 0.9, 131000: 0.2 })).status).toBe(400)
    expect((await post('/faults/next', { code: 368 })).status).toBe(200)
    expect((await send(sandbox, { to: USER, ...template('hello_world', 'en_US') })).body.error.code).toBe(368)
    expect((await post('/inbound/text', { text: 'no sender' })).status).toBe(400)
    expect((await post('/nothing-here', {})).status).toBe(404)
    await collector.waitFor((c) => c.received.length === 6)
    expect((await send(sandbox, { to: USER, type: 'text', text: { body: 'in window' } })).status).toBe(200)

    expect((await post('/reset', {})).body).toEqual({ ok: true })
    expect(sandbox.inspect().acceptedTotal).toBe(0)
    expect(sandbox.inspect().rejected).toEqual({})
    expect((await fetch(`${sandbox.url}/_sandbox/faults`).then((r) => r.json()) as Record<string, number>)['131026']).toBe(0)
    // Reset also closes every window and restores template statuses.
    expect((await send(sandbox, { to: USER, ...template('spring_sale', 'en_US') })).body.error.code).toBe(132001)
  })

  it('marks an inbound message read, and refuses an id it never received', async () => {
    const sandbox = await startTestSandbox()
    const { wamid } = sandbox.inboundText({ from: USER, text: 'hello' })
    expect((await send(sandbox, { status: 'read', message_id: wamid })).body).toEqual({ success: true })
    expect((await send(sandbox, { status: 'read', message_id: 'wamid.nope' })).body.error.code).toBe(100)
  })
})
