import { describe, expect, it } from 'vitest'
import { startTestSandbox } from './sandbox/sandbox-test-helpers.js'
import { SEED_TEMPLATES } from './sandbox/seed-templates.js'
import { createCloudApiClient } from './cloud-api/client.js'
import type { MessageTemplate } from './cloud-api/types.js'
import { fillTemplate, templateVariables, type TemplateVariable } from './template-variables.js'

/** A plausible value for every variable kind, as a sheet column or an add-on form would give it. */
export function sampleValue (v: TemplateVariable): string {
  switch (v.kind) {
    case 'text': return v.component === 'button' ? 'abc123' : 'Ada'
    case 'image': return 'https://cdn.example.com/p.jpg'
    case 'video': return 'https://cdn.example.com/p.mp4'
    case 'document': return 'https://cdn.example.com/p.pdf'
    case 'filename': return 'Invoice.pdf'
    case 'latitude': return '52.52'
    case 'longitude': return '13.405'
    case 'location_name': return 'Mitte store'
    case 'location_address': return 'Unter den Linden 1, Berlin'
    case 'coupon_code': return 'SAVE10'
    case 'payload': return `PAYLOAD_${v.buttonIndex ?? 0}`
  }
}

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
