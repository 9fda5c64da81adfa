import { describe, expect, it } from 'vitest'
import { fillJsonTemplate, fillXmlTemplate } from './templates.js'

describe('manifest templates', () => {
  it('fills JSON string values, however the value is quoted', () => {
    const filled = JSON.parse(fillJsonTemplate('{"a":["{{URL}}/"],"b":{"c":"x{{URL}}"},"n":1}', { URL: 'https://x.test/"q' })) as unknown
    expect(filled).toEqual({ a: ['https://x.test/"q/'], b: { c: 'xhttps://x.test/"q' }, n: 1 })
  })

  it('escapes values for XML', () => {
    expect(fillXmlTemplate('<A V="{{URL}}"/>', { URL: 'https://x.test/a&b' })).toBe('<A V="https://x.test/a&amp;b"/>')
  })

  it('refuses a placeholder without a value', () => {
    expect(() => fillXmlTemplate('<A>{{MISSING}}</A>', {})).toThrow(/MISSING/)
  })
})
