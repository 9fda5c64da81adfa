import { describe, expect, it } from 'vitest'
import { SEED_TEMPLATES } from './sandbox/seed-templates.js'
import { fillTemplate, isHttpsLink, templateVariables } from './template-variables.js'
import type { MessageTemplate } from './cloud-api/types.js'

function seed (name: string, language = 'en_US'): MessageTemplate {
  const t = SEED_TEMPLATES.find((x) => x.name === name && x.language === language)!
  return { id: '1', name: t.name, language: t.language, status: t.status, category: t.category, parameterFormat: t.parameter_format, components: t.components }
}

describe('template variables', () => {
  it('lists a positional template\'s media header, body placeholders and URL button', () => {
    expect(templateVariables(seed('order_update')).map((v) => v.key)).toEqual(['header.media', 'body.1', 'body.2', 'body.3', 'button0.1', 'button1.payload'])
    expect(templateVariables(seed('order_update')).find((v) => v.key === 'body.2')!.example).toBe('#1042')
  })

  it('fills a positional template and renders what the recipient reads', () => {
    const filled = fillTemplate(seed('order_update'), { 'header.media': 'https://cdn.example/p.jpg', 1: 'Ada', 2: '#7', 3: 'Friday', 'button0.1': 'abc' })
    expect(filled.missing).toEqual([])
    expect(filled.text).toContain('Hi Ada, your order #7 has shipped and should arrive on Friday.')
    expect(filled.components).toEqual([
      { type: 'header', parameters: [{ type: 'image', link: 'https://cdn.example/p.jpg' }] },
      { type: 'body', parameters: [{ type: 'text', text: 'Ada' }, { type: 'text', text: '#7' }, { type: 'text', text: 'Friday' }] },
      { type: 'button', subType: 'url', index: 0, parameters: [{ type: 'text', text: 'abc' }] },
    ])
  })

  it('fills a named template from bare names, the way a sheet column does, with parameter names on the wire', () => {
    const template = seed('welcome_offer')
    const filled = fillTemplate(template, { first_name: 'Zoë' })
    const header = filled.components.find((c) => c.type === 'header')!
    expect(header.parameters[0]).toEqual({ type: 'text', text: 'Zoë', parameterName: 'first_name' })
    expect(filled.text).toContain('A gift for you, Zoë')
  })

  it('reports what is missing and leaves its placeholder visible in the preview', () => {
    const filled = fillTemplate(seed('order_update'), { 1: 'Ada', 2: '  ' })
    expect(filled.missing).toEqual(['header.media', 'body.2', 'body.3', 'button0.1'])
    expect(filled.text).toContain('Hi Ada, your order {{2}}')
  })

  it.each([
    { link: 'file:///etc/passwd', ok: false },
    { link: 'javascript:alert(1)', ok: false },
    { link: 'gopher://cdn.example/p.jpg', ok: false },
    { link: 'http://cdn.example/p.jpg', ok: false },
    { link: 'https://user:pw@cdn.example/p.jpg', ok: false },
    { link: 'not a link', ok: false },
    { link: 'https://cdn.example/p.jpg', ok: true },
  ])('accepts only an https link for a media header: $link → $ok', ({ link, ok }) => {
    const filled = fillTemplate(seed('order_update'), { 'header.media': link, 1: 'Ada', 2: '#7', 3: 'Friday', 'button0.1': 'abc' })
    expect(filled.invalid).toEqual(ok ? [] : ['header.media'])
    expect(isHttpsLink(link)).toBe(ok)
  })

  it('flattens newlines and tabs that Meta would refuse in a parameter', () => {
    const filled = fillTemplate(seed('order_update'), { 'header.media': 'x', 1: 'Ada\nLovelace\t', 2: 'a', 3: 'b', 'button0.1': 'c' })
    expect(filled.components[1]!.parameters[0]).toEqual({ type: 'text', text: 'Ada Lovelace' })
  })
})

describe('template variables of every header and button kind (issue 20 item 1)', () => {
  it('lists a copy-code button\'s coupon_code, so a coupon template can be filled at all', () => {
    const variables = templateVariables(seed('loyalty_coupon'))
    expect(variables.map((v) => v.key)).toEqual(['body.1', 'body.2', 'button0.coupon_code'])
    expect(variables[2]).toMatchObject({ kind: 'coupon_code', required: true, example: 'SAVE10', buttonIndex: 0 })
    const filled = fillTemplate(seed('loyalty_coupon'), { 1: 'Ada', 2: '10%' })
    expect(filled.missing).toEqual(['button0.coupon_code'])
    const ok = fillTemplate(seed('loyalty_coupon'), { 1: 'Ada', 2: '10%', 'button0.coupon_code': 'SAVE10' })
    expect(ok.components.at(-1)).toEqual({ type: 'button', subType: 'copy_code', index: 0, parameters: [{ type: 'coupon_code', couponCode: 'SAVE10' }] })
    expect(fillTemplate(seed('loyalty_coupon'), { 1: 'Ada', 2: '10%', 'button0.coupon_code': 'A'.repeat(16) }).missing).toEqual(['button0.coupon_code'])
  })

  it('fills a location header with latitude, longitude, name and address in one parameter', () => {
    const template = seed('store_opening')
    expect(templateVariables(template).filter((v) => v.component === 'header').map((v) => v.key))
      .toEqual(['header.latitude', 'header.longitude', 'header.location_name', 'header.location_address'])
    const values = { first_name: 'Ada', opening_day: 'Saturday', 'header.latitude': '52.5200', 'header.longitude': '13.405', 'header.location_name': 'Mitte store', 'header.location_address': 'Unter den Linden 1, Berlin' }
    const filled = fillTemplate(template, values)
    expect(filled.missing).toEqual([])
    expect(filled.components[0]).toEqual({ type: 'header', parameters: [{ type: 'location', latitude: 52.52, longitude: 13.405, name: 'Mitte store', address: 'Unter den Linden 1, Berlin' }] })
    expect(filled.text).toContain('[location: Mitte store]')
    // A bare `name` column never fills a location's name: it would be the customer's name.
    expect(fillTemplate(template, { ...values, 'header.location_name': undefined, name: 'Ada' }).missing).toEqual(['header.location_name'])
    expect(fillTemplate(template, { ...values, 'header.latitude': 'north' }).missing).toEqual(['header.latitude'])
    expect(fillTemplate(template, { ...values, 'header.longitude': '190' }).missing).toEqual(['header.longitude'])
  })

  it('gives a document header an optional filename, and quick replies optional payloads', () => {
    const template = seed('invoice_ready')
    expect(templateVariables(template).map((v) => [v.key, v.required])).toEqual([
      ['header.media', true], ['header.filename', false], ['body.1', true], ['body.2', true], ['button0.payload', false],
    ])
    const bare = fillTemplate(template, { 'header.media': 'https://cdn.example/i.pdf', 1: 'Ada', 2: 'INV-7' })
    expect(bare.missing).toEqual([])
    expect(bare.components).toEqual([
      { type: 'header', parameters: [{ type: 'document', link: 'https://cdn.example/i.pdf' }] },
      { type: 'body', parameters: [{ type: 'text', text: 'Ada' }, { type: 'text', text: 'INV-7' }] },
    ])
    const full = fillTemplate(template, { 'header.media': 'https://cdn.example/i.pdf', 'header.filename': 'INV-7.pdf', 1: 'Ada', 2: 'INV-7', 'button0.payload': 'QUESTION_INV-7' })
    expect(full.components).toEqual([
      { type: 'header', parameters: [{ type: 'document', link: 'https://cdn.example/i.pdf', filename: 'INV-7.pdf' }] },
      { type: 'body', parameters: [{ type: 'text', text: 'Ada' }, { type: 'text', text: 'INV-7' }] },
      { type: 'button', subType: 'quick_reply', index: 0, parameters: [{ type: 'payload', payload: 'QUESTION_INV-7' }] },
    ])
  })
})
