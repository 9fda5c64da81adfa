import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { startTestCollector, startTestSandbox } from '../sandbox/sandbox-test-helpers.js'
import type { Sandbox, SandboxOptions } from '../sandbox/sandbox.js'
import { createCloudApiClient, type CloudApiClient } from './client.js'
import { AmbiguousSendError, CloudApiError, CloudApiNetworkError } from './errors.js'
import type { TemplateMessage } from './types.js'

const USER = '+16505551234'
const HELLO: TemplateMessage = { name: 'hello_world', languageCode: 'en_US' }

async function setup (options: SandboxOptions = {}, timeoutMs = 5000): Promise<{ sandbox: Sandbox, client: CloudApiClient }> {
  const sandbox = await startTestSandbox(options)
  return { sandbox, client: createCloudApiClient({ baseUrl: sandbox.url, accessToken: sandbox.accessToken, timeoutMs }) }
}

async function failure (promise: Promise<unknown>): Promise<unknown> {
  return await promise.then(() => { throw new Error('expected a failure') }, (e: unknown) => e)
}

describe('client against the sandbox: one real error per handling class', () => {
  it('retry_soon: 130429 when the number\'s throughput is used up', async () => {
    const { sandbox, client } = await setup({ now: () => 0 })
    sandbox.setThroughput(sandbox.phoneNumberId, 1)
    await client.sendTemplate(sandbox.phoneNumberId, USER, HELLO)
    const e = await failure(client.sendTemplate(sandbox.phoneNumberId, '+16505550000', HELLO)) as CloudApiError
    expect(e).toBeInstanceOf(CloudApiError)
    expect(e).toMatchObject({ code: 130429, httpStatus: 429, handling: 'retry_soon', retryable: true })
  })

  it('retry_later: 131056 when one user got too many too fast (4^n s backoff)', async () => {
    const { sandbox, client } = await setup({ now: () => 0, pairRate: { burst: 1, refillSeconds: 6 } })
    await client.sendTemplate(sandbox.phoneNumberId, USER, HELLO)
    const e = await failure(client.sendTemplate(sandbox.phoneNumberId, USER, HELLO)) as CloudApiError
    expect(e).toMatchObject({ code: 131056, handling: 'retry_later' })
    expect([0, 1, 2].map((n) => e.retryDelayMs(n))).toEqual([1000, 4000, 16000])
  })

  it('permanent_recipient: 131047 for free-form outside the window, 131050 for marketing after a stop', async () => {
    const { sandbox, client } = await setup({ policyErrors: 'response' })
    const windowClosed = await failure(client.sendText(sandbox.phoneNumberId, USER, 'hi')) as CloudApiError
    expect(windowClosed).toMatchObject({ code: 131047, handling: 'permanent_recipient' })
    sandbox.userPreference({ waId: '16505551234', value: 'stop' })
    const stopped = await failure(client.sendTemplate(sandbox.phoneNumberId, USER, {
      name: 'welcome_offer',
      languageCode: 'en_US',
      components: [
        { type: 'header', parameters: [{ type: 'text', text: 'Ada', parameterName: 'first_name' }] },
        { type: 'body', parameters: [{ type: 'text', text: 'Ada', parameterName: 'first_name' }, { type: 'text', text: '15%', parameterName: 'discount' }, { type: 'text', text: 'Sunday', parameterName: 'expiry' }] },
      ],
    })) as CloudApiError
    expect(stopped).toMatchObject({ code: 131050, handling: 'permanent_recipient' })
  })

  it('permanent_request: 132001 for an unknown template and 132000 for a wrong parameter count', async () => {
    const { sandbox, client } = await setup()
    expect(await failure(client.sendTemplate(sandbox.phoneNumberId, USER, { name: 'nope', languageCode: 'en_US' }))).toMatchObject({ code: 132001, handling: 'permanent_request', httpStatus: 400 })
    const wrongCount = await failure(client.sendTemplate(sandbox.phoneNumberId, USER, { name: 'appointment_reminder', languageCode: 'en_US', components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ada', parameterName: 'customer_name' }] }] })) as CloudApiError
    expect(wrongCount).toMatchObject({ code: 132000, handling: 'permanent_request', fbtraceId: expect.any(String), details: expect.stringContaining('expected 2') })
  })

  it('stop_number: 190 for a revoked token, 133010 for an unregistered number', async () => {
    const { sandbox, client } = await setup({ phoneNumbers: [{ id: '111', displayPhoneNumber: '+1 555-000-0001' }, { id: '222', displayPhoneNumber: '+1 555-000-0002', registered: false }] })
    expect(await failure(client.sendTemplate('222', USER, HELLO))).toMatchObject({ code: 133010, handling: 'stop_number' })
    sandbox.revokeToken(sandbox.accessToken)
    const e = await failure(client.sendTemplate('111', USER, HELLO)) as CloudApiError
    expect(e).toMatchObject({ code: 190, httpStatus: 401, handling: 'stop_number' })
    expect(`${e.message} ${e.details ?? ''}`).not.toContain(sandbox.accessToken)
  })

  it('stop_account: 368 (forced, as nothing in the sandbox restricts a WABA by itself)', async () => {
    const { sandbox, client } = await setup()
    sandbox.forceErrors(368)
    expect(await failure(client.sendText(sandbox.phoneNumberId, USER, 'x'))).toMatchObject({ code: 368, handling: 'stop_account' })
  })
})

describe('client against the sandbox: ambiguity', () => {
  it('a timeout is ambiguous, and the message may indeed have gone out', async () => {
    const { sandbox, client } = await setup({ faults: { timeout: 1, timeoutHoldMs: 5000, acceptedBeforeFailure: 1 } }, 200)
    const e = await failure(client.sendTemplate(sandbox.phoneNumberId, USER, HELLO)) as AmbiguousSendError
    expect(e).toBeInstanceOf(AmbiguousSendError)
    expect(e.reason).toBe('timeout')
    expect(sandbox.inspect().byRecipient?.['16505551234']).toBe(1)
  })

  it('a connection dropped after sending is ambiguous', async () => {
    const { sandbox, client } = await setup({ faults: { timeout: 1, timeoutHoldMs: 50, acceptedBeforeFailure: 0 } })
    const e = await failure(client.sendTemplate(sandbox.phoneNumberId, USER, HELLO)) as AmbiguousSendError
    expect(e).toBeInstanceOf(AmbiguousSendError)
    expect(e.reason).toBe('connection_lost')
  })

  it('a 5xx without a Meta error is ambiguous; 131000 on 500 is a Meta error to retry once or twice', async () => {
    const { sandbox, client } = await setup({ faults: { http5xx: 1 } })
    const e = await failure(client.sendTemplate(sandbox.phoneNumberId, USER, HELLO)) as AmbiguousSendError
    expect(e).toBeInstanceOf(AmbiguousSendError)
    expect(e).toMatchObject({ reason: 'server_error', httpStatus: 502 })
    sandbox.setFaults({ http5xx: 0, 131000: 1 })
    expect(await failure(client.sendTemplate(sandbox.phoneNumberId, USER, HELLO))).toMatchObject({ code: 131000, httpStatus: 500, handling: 'retry_soon', rule: { maxRetries: 2 } })
  })

  it('a refused connection is a plain retryable error: nothing was sent', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer()
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address() as { port: number }
        probe.close(() => resolve(address.port))
      })
    })
    const client = createCloudApiClient({ baseUrl: `http://127.0.0.1:${port}`, accessToken: 'x' })
    const e = await failure(client.sendText('1', USER, 'hi'))
    expect(e).toBeInstanceOf(CloudApiNetworkError)
    expect(e).toMatchObject({ causeCode: 'ECONNREFUSED', retryable: true })
  })
})

describe('client against the sandbox: reads and sends', () => {
  it('sends every kind and returns the canonical wa_id', async () => {
    const { sandbox, client } = await setup()
    const inbound = sandbox.inboundText({ from: '+55 11 98765-4321', text: 'oi' })
    const brazil = '+55 11 98765-4321'
    const text = await client.sendText(sandbox.phoneNumberId, brazil, 'Olá!', { replyTo: inbound.wamid })
    expect(text).toEqual({ wamid: expect.stringMatching(/^wamid\./), waId: '551187654321', input: '+5511987654321' })
    await client.sendMedia(sandbox.phoneNumberId, brazil, { kind: 'document', link: 'https://x.test/a.pdf', filename: 'a.pdf', caption: 'Fatura' })
    await client.sendInteractive(sandbox.phoneNumberId, brazil, { type: 'button', body: { text: 'Confirm?' }, action: { buttons: [{ type: 'reply', reply: { id: 'yes', title: 'Yes' } }] } })
    await client.markRead(sandbox.phoneNumberId, inbound.wamid)
    const tpl = await client.sendTemplate(sandbox.phoneNumberId, USER, {
      name: 'order_update',
      languageCode: 'es_ES',
      components: [
        { type: 'header', parameters: [{ type: 'image', link: 'https://x.test/p.jpg' }] },
        { type: 'body', parameters: [{ type: 'text', text: 'Ada' }, { type: 'text', text: '#1' }, { type: 'date_time', fallbackValue: '5 ene' }] },
        { type: 'button', subType: 'url', index: 0, parameters: [{ type: 'text', text: 'abc' }] },
      ],
    }, { bizOpaqueCallbackData: 'campaign-1' })
    expect(tpl.messageStatus).toBe('accepted')
    expect(sandbox.message(tpl.wamid)?.bizOpaqueCallbackData).toBe('campaign-1')
  })

  it('pages through templates to the end, with a status filter', async () => {
    const { sandbox, client } = await setup()
    const first = await client.listTemplates(sandbox.wabaId, { limit: 2 })
    expect(first.templates).toHaveLength(2)
    expect(first.nextCursor).not.toBeNull()
    const all = await client.listAllTemplates(sandbox.wabaId, { limit: 2 })
    expect(all).toHaveLength(14)
    expect(new Set(all.map((t) => t.id)).size).toBe(14)
    expect(all.find((t) => t.name === 'welcome_offer')?.parameterFormat).toBe('NAMED')
    const approved: string[] = []
    for await (const t of client.iterateTemplates(sandbox.wabaId, { limit: 4, status: 'APPROVED' })) approved.push(t.status)
    expect(approved).toHaveLength(12)
    expect(new Set(approved)).toEqual(new Set(['APPROVED']))
    const last = await client.listTemplates(sandbox.wabaId, { limit: 100 })
    expect(last.nextCursor).toBeNull()
  })

  it('reads a phone number', async () => {
    const { sandbox, client } = await setup()
    expect(await client.getPhoneNumber(sandbox.phoneNumberId)).toEqual({
      id: sandbox.phoneNumberId, displayPhoneNumber: '+1 555-078-3881', verifiedName: 'Switchboard Sandbox',
      qualityRating: 'GREEN', throughputLevel: 'STANDARD', messagingLimitTier: 'TIER_UNLIMITED',
    })
  })
})

describe('client against the sandbox: Embedded Signup', () => {
  it('exchanges the code, subscribes, registers, lists numbers and sends with the business token', async () => {
    const collector = await startTestCollector()
    const { sandbox, client } = await setup({ webhookUrl: collector.url })
    const popup = sandbox.signup({ verifiedName: 'Acme Bikes', displayPhoneNumber: '+44 7700 900123' })
    const token = await client.exchangeCode({ appId: sandbox.appId, appSecret: sandbox.appSecret, code: popup.code })
    expect(token).toEqual({ accessToken: expect.stringMatching(/^EAA/), tokenType: 'bearer' })
    const reused = await failure(client.exchangeCode({ appId: sandbox.appId, appSecret: sandbox.appSecret, code: popup.code })) as CloudApiError
    expect(reused).toMatchObject({ code: 100, handling: 'permanent_request' })
    expect(`${reused.message} ${reused.details ?? ''}`).not.toContain(popup.code)

    const business = client.withAccessToken(token.accessToken)
    await business.subscribeApp(popup.waba_id)
    const numbers = await business.listPhoneNumbers(popup.waba_id)
    expect(numbers).toEqual([{ id: popup.phone_number_id, displayPhoneNumber: '+44 7700 900123', verifiedName: 'Acme Bikes', qualityRating: 'GREEN', throughputLevel: 'STANDARD', messagingLimitTier: 'TIER_250' }])
    expect(await failure(business.sendTemplate(popup.phone_number_id, USER, HELLO))).toMatchObject({ code: 133010, handling: 'stop_number' })
    await business.registerNumber(popup.phone_number_id, '246810')
    const sent = await business.sendTemplate(popup.phone_number_id, USER, HELLO)
    await collector.waitFor((c) => c.statuses().some((s) => s.id === sent.wamid))
    expect(collector.received.find((r) => r.body.entry[0]!.id === popup.waba_id)).toBeDefined()

    // The customer's token cannot touch the sandbox's own WABA, and ours is not needed for theirs.
    expect(await failure(business.listTemplates(sandbox.wabaId))).toMatchObject({ code: 100, subcode: 33 })
    expect(await business.getPhoneNumber(popup.phone_number_id)).toMatchObject({ verifiedName: 'Acme Bikes' })
  })
})
