import { describe, expect, it } from 'vitest'
import { backendUrlWarnings, chooseBackendUrl, parseBackendUrl, DEFAULT_BACKEND_URL } from './backend-url.js'

describe('chooseBackendUrl', () => {
  it.each([
    { description: 'flag wins', flag: 'https://a.test', env: 'https://b.test', expected: 'https://a.test' },
    { description: 'env when no flag', flag: undefined, env: 'https://b.test', expected: 'https://b.test' },
    { description: 'blank flag is unset', flag: ' ', env: 'https://b.test', expected: 'https://b.test' },
    { description: 'default', flag: undefined, env: '', expected: DEFAULT_BACKEND_URL },
  ])('$description', ({ flag, env, expected }) => {
    expect(chooseBackendUrl(flag, env)).toBe(expected)
  })
})

describe('parseBackendUrl', () => {
  it.each([
    { raw: 'https://crm.example.com', url: 'https://crm.example.com', origin: 'https://crm.example.com', prefix: 'https://crm.example.com/' },
    { raw: 'https://crm.example.com/', url: 'https://crm.example.com', origin: 'https://crm.example.com', prefix: 'https://crm.example.com/' },
    { raw: 'https://Example.com:8443/sb//', url: 'https://example.com:8443/sb', origin: 'https://example.com:8443', prefix: 'https://example.com:8443/sb/' },
    { raw: 'http://localhost:8787', url: 'http://localhost:8787', origin: 'http://localhost:8787', prefix: 'http://localhost:8787/' },
  ])('normalises $raw', ({ raw, url, origin, prefix }) => {
    expect(parseBackendUrl(raw)).toMatchObject({ url, origin, prefix })
  })

  it.each([
    { raw: 'crm.example.com', problem: /absolute URL/ },
    { raw: 'ftp://crm.example.com', problem: /https/ },
    { raw: 'https://user:pw@crm.example.com', problem: /credentials/ },
    { raw: 'https://crm.example.com/?x=1', problem: /query or fragment/ },
    { raw: 'https://crm.example.com/#top', problem: /query or fragment/ },
  ])('refuses $raw', ({ raw, problem }) => {
    expect(() => parseBackendUrl(raw)).toThrow(problem)
  })
})

describe('backendUrlWarnings', () => {
  it('warns about http and is silent about https', () => {
    expect(backendUrlWarnings(parseBackendUrl('http://localhost:8787'))).toEqual([expect.stringMatching(/not https.*urlFetchWhitelist/) as unknown])
    expect(backendUrlWarnings(parseBackendUrl('https://crm.example.com'))).toEqual([])
  })
})
