import { describe, expect, it } from 'vitest'
import { asciiJson, signWebhookBody, verifyWebhookSignature } from '../cloud-api/webhook-signature.js'
import type { MessageStatus, MessagesValue, WebhookEnvelope } from '../cloud-api/webhook-types.js'
import { graph, send, startTestCollector, startTestSandbox, template, welcomeOffer } from './sandbox-test-helpers.js'

const USER = '+16505551234'

describe('signature', () => {
  it('signs the ASCII-escaped bytes: verifiable as received, broken when re-serialised', async () => {
    const collector = await startTestCollector()
    const sandbox = await startTestSandbox({ webhookUrl: collector.url, appSecret: 'shh-app-secret' })
    sandbox.inboundText({ from: USER, text: 'Olá 👋', name: 'Zoë 🙂' })
    await collector.waitFor((c) => c.received.length === 1)
    const hook = collector.received[0]!
    const raw = hook.raw.toString('latin1')
    expect(raw).toContain('"name":"Zo\\u00eb \\ud83d\\ude42"')
    expect(raw).toContain('"body":"Ol\\u00e1 \\ud83d\\udc4b"')
    expect([...hook.raw].every((byte) => byte < 0x80)).toBe(true)
    expect(hook.signature).toMatch(/^sha256=[0-9a-f]{64}$/)
    expect(verifyWebhookSignature('shh-app-secret', hook.raw, hook.signature)).toBe(true)
    expect(verifyWebhookSignature('another-secret', hook.raw, hook.signature)).toBe(false)
    const reserialised = JSON.stringify(JSON.parse(hook.raw.toString('utf8')))
    expect(reserialised).toContain('Zoë 🙂')
    expect(verifyWebhookSignature('shh-app-secret', reserialised, hook.signature)).toBe(false)
    expect(asciiJson(JSON.parse(reserialised))).toBe(hook.raw.toString('utf8'))
  })

  it('verifies only well-formed sha256= headers', () => {
    const body = asciiJson({ a: 'é' })
    const good = signWebhookBody('s', body)
    expect(verifyWebhookSignature('s', Buffer.from(body), good)).toBe(true)
    for (const bad of [undefined, '', good.slice(7), `sha1=${good.slice(7)}`, 'sha256=zz', good.slice(0, -2)]) {
      expect(verifyWebhookSignature('s', body, bad)).toBe(false)
    }
  })
})

describe('status webhooks', () => {
  it('sends sent → delivered → read with PMP pricing on sent and delivered, the echoed callback data, and no conversation', async () => {
    const collector = await startTestCollector()
    const sandbox = await startTestSandbox({ webhookUrl: collector.url, webhooks: { readRate: 1 } })
    const answer = await send(sandbox, { to: '+1 650 555 1234', ...template('hello_world', 'en_US'), biz_opaque_callback_data: 'cmp_7:rcp_42' })
    const wamid = answer.body.messages[0].id as string
    await collector.waitFor((c) => c.statuses().length === 3)
    const [sent, delivered, read] = collector.statuses() as [MessageStatus, MessageStatus, MessageStatus]
    expect(collector.statuses().map((s) => s.status)).toEqual(['sent', 'delivered', 'read'])
    const pricing = { billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' }
    expect(sent).toEqual({ id: wamid, status: 'sent', timestamp: expect.stringMatching(/^\d{10}$/), recipient_id: '16505551234', biz_opaque_callback_data: 'cmp_7:rcp_42', pricing })
    expect(delivered.pricing).toEqual(pricing)
    expect(read.pricing).toBeUndefined()
    expect(read.biz_opaque_callback_data).toBe('cmp_7:rcp_42')
    for (const s of [sent, delivered, read]) expect(s.conversation).toBeUndefined()
    const envelope = collector.received[0]!.body
    expect(envelope).toMatchObject({ object: 'whatsapp_business_account', entry: [{ id: sandbox.wabaId, changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: sandbox.phoneNumberId } } }] }] })
    expect(sandbox.message(wamid)?.statuses.map((s) => s.status)).toEqual(['sent', 'delivered', 'read'])
  })

  it('adds conversation objects for apps on webhook versions before v24', async () => {
    const collector = await startTestCollector()
    const sandbox = await startTestSandbox({ webhookUrl: collector.url, webhookVersion: 'v23.0', webhooks: { readRate: 0 } })
    await send(sandbox, { to: USER, ...template('hello_world', 'en_US') })
    await collector.waitFor((c) => c.statuses().length === 2)
    const [sent, delivered] = collector.statuses() as [MessageStatus, MessageStatus]
    expect(sent.conversation).toEqual({ id: expect.any(String), expiration_timestamp: expect.any(String), origin: { type: 'utility' } })
    expect(delivered.conversation).toEqual({ id: sent.conversation?.id, origin: { type: 'utility' } })
  })

  it('prices free-form replies inside the window as free customer service', async () => {
    const collector = await startTestCollector()
    const sandbox = await startTestSandbox({ webhookUrl: collector.url, webhooks: { readRate: 0 } })
    sandbox.inboundText({ from: USER, text: 'hello?' })
    await send(sandbox, { to: USER, type: 'text', text: { body: 'Hi! How can we help?' } })
    await collector.waitFor((c) => c.statuses().length === 2)
    expect(collector.statuses()[0]?.pricing).toEqual({ billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' })
  })

  it('skips delivered when the user reads at once, pricing the read', async () => {
    const collector = await startTestCollector()
    const sandbox = await startTestSandbox({ webhookUrl: collector.url, webhooks: { skipDeliveredRate: 1 } })
    await send(sandbox, { to: USER, ...template('hello_world', 'en_US') })
    await collector.waitFor((c) => c.statuses().length === 2)
    await sandbox.whenWebhooksIdle()
    expect(collector.statuses().map((s) => s.status)).toEqual(['sent', 'read'])
    expect(collector.statuses()[1]?.pricing).toBeDefined()
  })

  it('reorders statuses when asked (arrival order no longer sent < delivered < read)', async () => {
    const collector = await startTestCollector()
    const sandbox = await startTestSandbox({
      webhookUrl: collector.url,
      webhooks: { reorderRate: 1, readRate: 1, sentDelay: { minMs: 0, maxMs: 5 }, deliveredDelay: { minMs: 30, maxMs: 40 }, readDelay: { minMs: 30, maxMs: 40 } },
    })
    const wamids: string[] = []
    for (let i = 0; i < 5; i += 1) wamids.push((await send(sandbox, { to: `+1650555000${i}`, ...template('hello_world', 'en_US') })).body.messages[0].id)
    await sandbox.whenWebhooksIdle()
    const rank = { sent: 0, delivered: 1, read: 2, failed: 3, played: 4 }
    for (const wamid of wamids) {
      const order = collector.statuses().filter((s) => s.id === wamid).map((s) => rank[s.status])
      expect(order).toHaveLength(3)
      expect(order).not.toEqual([0, 1, 2])
      // Timestamps still tell the true order.
      const stamps = collector.statuses().filter((s) => s.id === wamid).sort((a, b) => rank[a.status] - rank[b.status]).map((s) => Number(s.timestamp))
      expect(stamps).toEqual([...stamps].sort((a, b) => a - b))
    }
  })

  it('duplicates deliveries when asked (same bytes, same signature)', async () => {
    const collector = await startTestCollector()
    const sandbox = await startTestSandbox({ webhookUrl: collector.url, webhooks: { duplicateRate: 1, readRate: 0 } })
    await send(sandbox, { to: USER, ...template('hello_world', 'en_US') })
    await collector.waitFor((c) => c.received.length === 4)
    await sandbox.whenWebhooksIdle()
    const bodies = collector.received.map((r) => r.raw.toString('utf8'))
    expect(new Set(bodies).size).toBe(2)
    expect(sandbox.webhookStats()).toMatchObject({ delivered: 4, duplicates: 2, pending: 0 })
  })

  it('batches several statuses of one number into one POST', async () => {
    const collector = await startTestCollector()
    const sandbox = await startTestSandbox({ webhookUrl: collector.url, webhooks: { maxBatch: 10, batchWindowMs: 100, readRate: 0 } })
    await Promise.all(Array.from({ length: 5 }, (_v, i) => send(sandbox, { to: `+1650555100${i}`, ...template('hello_world', 'en_US') })))
    await collector.waitFor((c) => c.statuses().length === 10)
    expect(collector.received.length).toBeLessThan(10)
    expect(Math.max(...collector.received.map((r) => (r.body.entry[0]!.changes[0]!.value as MessagesValue).statuses?.length ?? 0))).toBeGreaterThan(1)
  })

  it('fails messages asynchronously with errors[] for scripted and injected failures, unpriced', async () => {
    const collector = await startTestCollector()
    const sandbox = await startTestSandbox({ webhookUrl: collector.url })
    sandbox.setRecipientFailure('16505550404', 131026)
    const scripted = await send(sandbox, { to: '+16505550404', ...template('hello_world', 'en_US') })
    expect(scripted.status).toBe(200)
    sandbox.setFaults({ 131049: 1 })
    const capped = await send(sandbox, welcomeOffer('+16505550405'))
    await collector.waitFor((c) => c.statuses().length === 2)
    const byId = new Map(collector.statuses().map((s) => [s.id, s]))
    expect(byId.get(scripted.body.messages[0].id)).toEqual({
      id: scripted.body.messages[0].id, status: 'failed', timestamp: expect.any(String), recipient_id: '16505550404',
      errors: [{ code: 131026, title: 'Message Undeliverable', message: 'Message Undeliverable', error_data: { details: expect.any(String) }, href: '/docs/whatsapp/cloud-api/support/error-codes/' }],
    })
    expect(byId.get(capped.body.messages[0].id)?.errors?.[0]?.code).toBe(131049)
    expect(sandbox.inspect().statuses.failed).toBe(2)
  })
})

describe('delivery', () => {
  it('retries a non-200 answer with backoff until it gets a 200 (204 counts as failure)', async () => {
    const collector = await startTestCollector()
    collector.answerWith((n) => [500, 204, 200][n] ?? 200)
    const sandbox = await startTestSandbox({ webhookUrl: collector.url, webhooks: { retry: { initialDelayMs: 30, factor: 2, maxDelayMs: 1000, maxAgeMs: 10_000 } } })
    sandbox.inboundText({ from: USER, text: 'retry me' })
    await collector.waitFor((c) => c.received.length === 3)
    await sandbox.whenWebhooksIdle()
    const [first, second, third] = collector.received
    expect(second!.raw.equals(first!.raw)).toBe(true)
    expect(third!.raw.equals(first!.raw)).toBe(true)
    expect(sandbox.webhookStats()).toMatchObject({ delivered: 1, failedAttempts: 2, abandoned: 0, pending: 0 })
  })

  it('abandons a delivery after the maximum age', async () => {
    const collector = await startTestCollector()
    collector.answerWith(() => 503)
    const sandbox = await startTestSandbox({ webhookUrl: collector.url, webhooks: { retry: { initialDelayMs: 20, factor: 2, maxDelayMs: 40, maxAgeMs: 150 } } })
    sandbox.inboundText({ from: USER, text: 'nobody home' })
    await sandbox.whenWebhooksIdle()
    expect(sandbox.webhookStats()).toMatchObject({ delivered: 0, abandoned: 1, pending: 0 })
    expect(sandbox.webhookStats().failedAttempts).toBeGreaterThanOrEqual(3)
  })

  it('retries when the endpoint is down and delivers once it listens (URL set later)', async () => {
    const sandbox = await startTestSandbox({ webhookUrl: 'http://127.0.0.1:9/unreachable', webhooks: { retry: { initialDelayMs: 30, factor: 1, maxDelayMs: 30, maxAgeMs: 5000 } } })
    sandbox.inboundText({ from: USER, text: 'early' })
    await new Promise((resolve) => setTimeout(resolve, 80))
    const collector = await startTestCollector()
    await sandbox.setWebhookUrl(collector.url)
    await collector.waitFor((c) => c.messages().length === 1)
    expect(sandbox.webhookStats().failedAttempts).toBeGreaterThanOrEqual(1)
  })

  it('sends nothing for a WABA that has not subscribed the app, and counts it as dropped', async () => {
    const collector = await startTestCollector()
    const sandbox = await startTestSandbox({ webhookUrl: collector.url })
    const popup = sandbox.signup()
    sandbox.inboundText({ from: USER, text: 'hello new business', phoneNumberId: popup.phone_number_id })
    await sandbox.whenWebhooksIdle()
    expect(collector.received).toHaveLength(0)
    expect(sandbox.webhookStats().dropped).toBe(1)
    await graph(sandbox, 'POST', `/v25.0/${popup.waba_id}/subscribed_apps`)
    sandbox.inboundText({ from: USER, text: 'again', phoneNumberId: popup.phone_number_id })
    await collector.waitFor((c) => c.messages().length === 1)
    expect(collector.received[0]!.body.entry[0]!.id).toBe(popup.waba_id)
  })

  it('refuses a callback that fails the hub.challenge handshake', async () => {
    const collector = await startTestCollector({ verifyToken: 'right' })
    const sandbox = await startTestSandbox()
    await expect(sandbox.setWebhookUrl(collector.url, { verifyToken: 'wrong' })).rejects.toThrow(/verification/)
    await sandbox.setWebhookUrl(collector.url, { verifyToken: 'right' })
  })
})

describe('inbound and account webhooks', () => {
  it('sends inbound text, quick-reply button, button_reply and list_reply like Meta', async () => {
    const collector = await startTestCollector()
    const sandbox = await startTestSandbox({ webhookUrl: collector.url })
    sandbox.inboundText({ from: USER, text: 'hi', name: 'Ada' })
    sandbox.inboundButton({ from: USER, payload: 'OPT_OUT', text: 'Stop updates', contextWamid: 'wamid.TPL' })
    sandbox.inboundButtonReply({ from: USER, id: 'yes', title: 'Yes', contextWamid: 'wamid.INT' })
    sandbox.inboundListReply({ from: USER, id: 'r2', title: 'Tuesday', description: '10:00', contextWamid: 'wamid.LIST' })
    await collector.waitFor((c) => c.messages().length === 4)
    const value = collector.received[0]!.body.entry[0]!.changes[0]!.value as unknown as Record<string, unknown>
    expect(value['contacts']).toEqual([{ profile: { name: 'Ada' }, wa_id: '16505551234' }])
    const byType = collector.messages()
    expect(byType).toEqual(expect.arrayContaining([
      { from: '16505551234', id: expect.stringMatching(/^wamid\./), timestamp: expect.any(String), type: 'text', text: { body: 'hi' } },
      expect.objectContaining({ type: 'button', button: { payload: 'OPT_OUT', text: 'Stop updates' }, context: { from: '15550783881', id: 'wamid.TPL' } }),
      expect.objectContaining({ type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes' } }, context: { from: '15550783881', id: 'wamid.INT' } }),
      expect.objectContaining({ type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'r2', title: 'Tuesday', description: '10:00' } } }),
    ]))
  })

  it('sends user_preferences and message_template_status_update', async () => {
    const collector = await startTestCollector()
    const sandbox = await startTestSandbox({ webhookUrl: collector.url })
    sandbox.userPreference({ waId: '16505551234', value: 'stop' })
    const rejected = sandbox.templateStatus({ name: 'spring_sale', language: 'en_US', event: 'REJECTED', reason: 'PROMOTIONAL' })
    await collector.waitFor((c) => c.received.length === 2)
    expect(collector.changes('user_preferences')[0]).toMatchObject({
      messaging_product: 'whatsapp',
      user_preferences: [{ wa_id: '16505551234', category: 'marketing_messages', value: 'stop', detail: expect.any(String), timestamp: expect.any(Number) }],
    })
    const templateHook = collector.received.find((r) => r.body.entry[0]!.changes[0]!.field === 'message_template_status_update')!.body as WebhookEnvelope
    expect(templateHook.entry[0]).toMatchObject({ id: sandbox.wabaId, time: expect.any(Number) })
    expect(templateHook.entry[0]!.changes[0]!.value).toEqual({
      event: 'REJECTED', message_template_id: Number(rejected.id), message_template_name: 'spring_sale', message_template_language: 'en_US',
      reason: 'PROMOTIONAL', message_template_category: 'MARKETING', rejection_info: { reason: 'PROMOTIONAL', recommendation: expect.any(String) },
    })
    const listed = await graph(sandbox, 'GET', `/v25.0/${sandbox.wabaId}/message_templates?name=spring_sale`)
    expect(listed.body.data[0].status).toBe('REJECTED')
  })
})
