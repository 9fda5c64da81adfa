import { describe, expect, it } from 'vitest'
import { whatsappPhones } from '../../crm/wa-id.js'
import { senderHarness } from './sender-test-helpers.js'

describe('reply attribution uses the one wa_id normalisation (issue 20 item 8)', () => {
  it('maps Brazil\'s and Mexico\'s wa_id spellings to the dialable phone first', () => {
    expect(whatsappPhones('551187654321')).toEqual(['+5511987654321', '+551187654321'])
    expect(whatsappPhones('5215512345678')).toEqual(['+525512345678', '+5215512345678'])
    expect(whatsappPhones('16505551234')).toEqual(['+16505551234'])
    // A Brazilian landline (starting 2–5) never gained a ninth digit.
    expect(whatsappPhones('551132345678')).toEqual(['+551132345678'])
  })

  it('a Brazilian and a Mexican reply count for the recipients their numbers were sent to', async () => {
    const h = await senderHarness()
    await h.limits({ perSecond: 1000, tier: 'TIER_UNLIMITED' })
    const created = await h.api('POST', '/campaigns', { name: 'LatAm', template: { name: 'hello_world', language: 'en_US' }, source: 'sheets' })
    expect(created.status).toBe(201)
    const phones = ['+5511987654321', '+525512345678', '+16505551234']
    const rows = phones.map((phone, i) => ({ rowKey: `r${i}`, phone, variables: {} }))
    const submitted = await h.api('POST', `/campaigns/${created.body.id}/recipients`, { rows }, { 'idempotency-key': 'latam-chunk-0001' })
    expect(submitted.body.rejected, JSON.stringify(submitted.body)).toBe(0)
    await h.api('POST', `/campaigns/${created.body.id}/start`, {})
    await h.sender().drain()
    await h.settle()
    // The sandbox, like Meta, reports the older spellings as the sender's wa_id.
    expect(h.sandbox.inboundText({ from: phones[0]!, text: 'Sim', name: 'Ana', phoneNumberId: h.phoneNumberId }).waId).toBe('551187654321')
    expect(h.sandbox.inboundText({ from: phones[1]!, text: 'Sí', name: 'Luis', phoneNumberId: h.phoneNumberId }).waId).toBe('5215512345678')
    await h.settle()
    const byPhone = new Map((await h.recipients(created.body.id)).map((r) => [r.phone, r]))
    expect(byPhone.get(phones[0]!)).toMatchObject({ replyText: 'Sim' })
    expect(byPhone.get(phones[1]!)).toMatchObject({ replyText: 'Sí' })
    expect(byPhone.get(phones[2]!)!.repliedAt).toBeNull()
    expect((await h.get(created.body.id)).counts.replied).toBe(2)
  })
})
