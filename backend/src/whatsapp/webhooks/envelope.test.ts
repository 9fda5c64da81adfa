import { describe, expect, it } from 'vitest'
import { readEnvelope, unixToIso } from './envelope.js'

const metadata = { display_phone_number: '15550783881', phone_number_id: '106540352242922' }

function envelope (changes: unknown[], wabaId = '102290129340398'): string {
  return JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: wabaId, changes }] })
}

describe('readEnvelope', () => {
  it('reads every status of every change of every entry, with the first error of a failed one', () => {
    const status = (id: string, s: string, extra = {}) => ({ id, status: s, timestamp: '1760000000', recipient_id: '16505551234', ...extra })
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        { id: '1', changes: [{ field: 'messages', value: { metadata, statuses: [status('wamid.A', 'sent'), status('wamid.B', 'delivered')] } }] },
        { id: '1', changes: [{ field: 'messages', value: { metadata, statuses: [status('wamid.C', 'failed', { errors: [{ code: 131026, title: 'Message undeliverable' }, { code: 1, title: 'x' }], biz_opaque_callback_data: 'cmp_1:rcp_2' })] } }] },
      ],
    })
    const { items, skipped } = readEnvelope(body)
    expect(skipped).toEqual([])
    expect(items.map((i) => i.kind === 'status' ? `${i.wamid}:${i.status}` : i.kind)).toEqual(['wamid.A:sent', 'wamid.B:delivered', 'wamid.C:failed'])
    expect(items[2]).toEqual({
      kind: 'status', phoneNumberId: metadata.phone_number_id, wamid: 'wamid.C', status: 'failed', recipientId: '16505551234',
      occurredAt: '2025-10-09T08:53:20.000Z', errorCode: 131026, errorTitle: 'Message undeliverable', bizOpaqueCallbackData: 'cmp_1:rcp_2',
    })
  })

  it.each([
    { description: 'text', message: { type: 'text', text: { body: 'Hello' } }, body: 'Hello', text: 'Hello', payload: undefined },
    { description: 'quick-reply button', message: { type: 'button', button: { payload: 'STOP', text: 'Stop promotions' } }, body: 'Stop promotions', text: undefined, payload: 'STOP' },
    { description: 'button reply', message: { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes' } } }, body: 'Yes', text: undefined, payload: 'yes' },
    { description: 'list reply', message: { type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'r1', title: 'Row one', description: 'd' } } }, body: 'Row one', text: undefined, payload: 'r1' },
    { description: 'image with caption', message: { type: 'image', image: { id: 'm1', mime_type: 'image/jpeg', caption: 'Look' } }, body: 'Look', text: undefined, payload: undefined },
    { description: 'image without caption', message: { type: 'image', image: { id: 'm1', mime_type: 'image/jpeg' } }, body: '[image]', text: undefined, payload: undefined },
    { description: 'location', message: { type: 'location', location: { latitude: 1, longitude: 2 } }, body: '[location]', text: undefined, payload: undefined },
  ])('gives an inbound $description its thread body', ({ message, body, text, payload }) => {
    const { items } = readEnvelope(envelope([{ field: 'messages', value: {
      metadata,
      contacts: [{ profile: { name: 'Ada' }, wa_id: '16505551234' }],
      messages: [{ from: '16505551234', id: 'wamid.IN', timestamp: '1760000000', context: { from: '15550783881', id: 'wamid.OUT' }, ...message }],
    } }]))
    expect(items).toEqual([{
      kind: 'inbound', phoneNumberId: metadata.phone_number_id, wamid: 'wamid.IN', waId: '16505551234', profileName: 'Ada', type: message.type,
      body, text, payload, contextWamid: 'wamid.OUT', sentAt: '2025-10-09T08:53:20.000Z',
    }])
  })

  it('reads user preferences and template status events', () => {
    const { items, skipped } = readEnvelope(envelope([
      { field: 'user_preferences', value: { metadata, user_preferences: [{ wa_id: '16505551234', category: 'marketing_messages', value: 'stop', detail: 'd', timestamp: 1760000000 }] } },
      { field: 'message_template_status_update', value: { event: 'PAUSED', message_template_id: 594425479261596, message_template_name: 'hello_world', message_template_language: 'en_US', reason: null } },
    ]))
    expect(skipped).toEqual([])
    expect(items).toEqual([
      { kind: 'preference', phoneNumberId: metadata.phone_number_id, waId: '16505551234', profileName: undefined, value: 'stop', at: '2025-10-09T08:53:20.000Z' },
      { kind: 'template', wabaId: '102290129340398', templateId: '594425479261596', name: 'hello_world', language: 'en_US', event: 'PAUSED' },
    ])
  })

  it.each([
    { description: 'not JSON', body: '{"object":', where: 'body', reason: 'not JSON' },
    { description: 'another object', body: JSON.stringify({ object: 'page', entry: [] }), where: 'body', reason: 'object is not whatsapp_business_account' },
    { description: 'entry not an array', body: JSON.stringify({ object: 'whatsapp_business_account', entry: {} }), where: 'entry', reason: 'not an array' },
    { description: 'entry without id', body: JSON.stringify({ object: 'whatsapp_business_account', entry: [{ changes: [] }] }), where: 'entry[0]', reason: 'id' },
    { description: 'change without value', body: envelope([{ field: 'messages' }]), where: 'entry[0].changes[0]', reason: 'value' },
    { description: 'no phone number id', body: envelope([{ field: 'messages', value: { statuses: [] } }]), where: 'entry[0].changes[0]', reason: 'metadata.phone_number_id' },
    { description: 'status without id', body: envelope([{ field: 'messages', value: { metadata, statuses: [{ status: 'sent', timestamp: '1' }] } }]), where: 'entry[0].changes[0].statuses[0]', reason: 'id' },
    { description: 'status with a bad timestamp', body: envelope([{ field: 'messages', value: { metadata, statuses: [{ id: 'wamid.A', status: 'sent', timestamp: 'soon' }] } }]), where: 'entry[0].changes[0].statuses[0]', reason: 'timestamp' },
    { description: 'message from a non-number', body: envelope([{ field: 'messages', value: { metadata, messages: [{ from: '+1 650', id: 'wamid.A', timestamp: '1', type: 'text' }] } }]), where: 'entry[0].changes[0].messages[0]', reason: 'from' },
    { description: 'preference of another category', body: envelope([{ field: 'user_preferences', value: { metadata, user_preferences: [{ wa_id: '1650555', category: 'calls', value: 'stop', timestamp: 1 }] } }]), where: 'entry[0].changes[0].user_preferences[0]', reason: 'category' },
    { description: 'template without id', body: envelope([{ field: 'message_template_status_update', value: { event: 'APPROVED' } }]), where: 'entry[0].changes[0]', reason: 'message_template_id' },
    { description: 'a field we do not act on', body: envelope([{ field: 'business_capability_update', value: { max_daily_conversation_per_phone: 1000 } }]), where: 'entry[0].changes[0]', reason: 'field business_capability_update' },
  ])('skips $description, naming where and why without quoting the payload', ({ body, where, reason }) => {
    const { items, skipped } = readEnvelope(body)
    expect(items).toEqual([])
    expect(skipped).toEqual([{ where, reason }])
  })

  it('reports Meta\'s value-level errors by code only', () => {
    const { skipped } = readEnvelope(envelope([{ field: 'messages', value: { metadata, errors: [{ code: 131052, title: 'Media download error', message: 'secret detail' }] } }]))
    expect(skipped).toEqual([{ where: 'entry[0].changes[0].errors', reason: 'meta reported errors', codes: [131052] }])
  })
})

describe('unixToIso', () => {
  it.each([
    { input: '1760000000', expected: '2025-10-09T08:53:20.000Z' },
    { input: 1760000000, expected: '2025-10-09T08:53:20.000Z' },
    { input: '', expected: undefined },
    { input: '17600000.5', expected: undefined },
    { input: -1, expected: undefined },
    { input: null, expected: undefined },
  ])('$input → $expected', ({ input, expected }) => {
    expect(unixToIso(input)).toBe(expected)
  })
})
