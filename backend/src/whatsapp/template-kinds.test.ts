import { describe, expect, it } from 'vitest'
import { startTestSandbox } from './sandbox/sandbox-test-helpers.js'
import { SEED_TEMPLATES } from './sandbox/seed-templates.js'
import { createCloudApiClient } from './cloud-api/client.js'
import type { MessageTemplate } from './cloud-api/types.js'
import { fillTemplate, templateVariables } from './template-variables.js'
import { sampleValue } from './template-samples.test-helpers.js'

const approved = SEED_TEMPLATES.filter((t) => t.status === 'APPROVED')
  .map((t): MessageTemplate => ({ id: '1', name: t.name, language: t.language, status: t.status, category: t.category, parameterFormat: t.parameter_format, components: t.components }))

describe('every seeded template kind goes through the sandbox as Meta would take it', () => {
  it('covers coupon, URL, quick reply, image / video / document / location headers, named and positional', () => {
    const kinds = new Set(approved.flatMap((t) => templateVariables(t).map((v) => v.kind)))
    expect([...kinds].sort()).toEqual(['coupon_code', 'document', 'filename', 'image', 'latitude', 'location_address', 'location_name', 'longitude', 'payload', 'text', 'video'])
    expect(new Set(approved.map((t) => t.parameterFormat))).toEqual(new Set(['NAMED', 'POSITIONAL']))
  })

  it.each(approved.map((t) => [`${t.name} ${t.language}`, t] as const))('%s: filled from its variable list and accepted', async (_label, template) => {
    const sandbox = await startTestSandbox({})
    const client = createCloudApiClient({ baseUrl: sandbox.url, accessToken: sandbox.accessToken, timeoutMs: 5000 })
    const values = Object.fromEntries(templateVariables(template).map((v) => [v.key, sampleValue(v)]))
    const filled = fillTemplate(template, values)
    expect(filled.missing).toEqual([])
    const answer = await client.sendTemplate(sandbox.phoneNumberId, '+16505551234', { name: template.name, languageCode: template.language, components: filled.components })
    expect(answer.wamid).toMatch(/^wamid\./)
  })

  it('the sandbox still refuses a coupon template sent without its coupon_code (132000), as Meta does', async () => {
    const sandbox = await startTestSandbox({})
    const client = createCloudApiClient({ baseUrl: sandbox.url, accessToken: sandbox.accessToken, timeoutMs: 5000 })
    const error = await client.sendTemplate(sandbox.phoneNumberId, '+16505551234', {
      name: 'loyalty_coupon', languageCode: 'en_US', components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ada' }, { type: 'text', text: '10%' }] }],
    }).then(() => undefined, (e: unknown) => e)
    expect(error).toMatchObject({ code: 132000, details: expect.stringContaining('button 0') })
  })
})

describe('the sandbox checks parameter content as Meta does (issue 20 item 10)', () => {
  async function send (template: string, components: Parameters<ReturnType<typeof createCloudApiClient>['sendTemplate']>[2]['components']) {
    const sandbox = await startTestSandbox({})
    const client = createCloudApiClient({ baseUrl: sandbox.url, accessToken: sandbox.accessToken, timeoutMs: 5000 })
    return client.sendTemplate(sandbox.phoneNumberId, '+16505551234', { name: template, languageCode: 'en_US', ...(components === undefined ? {} : { components }) }).then(() => undefined, (e: unknown) => e)
  }
  const order = (first: string) => [
    { type: 'header' as const, parameters: [{ type: 'image' as const, link: 'https://cdn.example.com/p.jpg' }] },
    { type: 'body' as const, parameters: [{ type: 'text' as const, text: first }, { type: 'text' as const, text: '#7' }, { type: 'text' as const, text: 'Friday' }] },
    { type: 'button' as const, subType: 'url' as const, index: 0, parameters: [{ type: 'text' as const, text: 'abc' }] },
  ]

  it.each([['a newline', 'Ada\nLovelace'], ['a tab', 'Ada\tL'], ['five spaces', 'Ada     L']])('refuses %s in a parameter (100)', async (_label, text) => {
    expect(await send('order_update', order(text))).toMatchObject({ code: 100, details: expect.stringContaining('new-line/tab') })
  })

  it('takes four spaces', async () => {
    expect(await send('order_update', order('Ada    L'))).toBeUndefined()
  })

  it('refuses a header over 60 characters after substitution, and a coupon code over 15', async () => {
    const long = 'A'.repeat(50)
    expect(await send('welcome_offer', [
      { type: 'header', parameters: [{ type: 'text', text: long, parameterName: 'first_name' }] },
      { type: 'body', parameters: [{ type: 'text', text: 'Ada', parameterName: 'first_name' }, { type: 'text', text: '5%', parameterName: 'discount' }, { type: 'text', text: 'Sunday', parameterName: 'expiry' }] },
    ])).toMatchObject({ code: 132005 })
    expect(await send('loyalty_coupon', [
      { type: 'body', parameters: [{ type: 'text', text: 'Ada' }, { type: 'text', text: '10%' }] },
      { type: 'button', subType: 'copy_code', index: 0, parameters: [{ type: 'coupon_code', couponCode: 'C'.repeat(16) }] },
    ])).toMatchObject({ code: 131009 })
  })
})
