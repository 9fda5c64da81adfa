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
    expect(templateVariables(seed('order_update')).map((v) => v.key)).toEqual(['header.media', 'body.1', 'body.2', 'body.3', 'button0.1'])
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
