import { describe, expect, it } from 'vitest'
import { addressLiteral, checkAddress, checkWebhookUrl } from './outbound-addresses.js'

describe('webhook address rules', () => {
  it.each([
    { description: 'IPv4 loopback', address: '127.0.0.1', reason: 'loopback' },
    { description: 'anywhere in 127/8', address: '127.45.3.2', reason: 'loopback' },
    { description: 'IPv6 loopback', address: '::1', reason: 'loopback' },
    { description: '10/8', address: '10.1.2.3', reason: 'private' },
    { description: '172.16/12', address: '172.31.255.1', reason: 'private' },
    { description: '192.168/16', address: '192.168.0.10', reason: 'private' },
    { description: 'link-local', address: '169.254.10.20', reason: 'link-local' },
    { description: 'the metadata service', address: '169.254.169.254', reason: 'metadata' },
    { description: 'Azure\'s wire server (a public address)', address: '168.63.129.16', reason: 'metadata' },
    { description: 'Alibaba\'s metadata service', address: '100.100.100.200', reason: 'metadata' },
    { description: 'AWS\'s IPv6 metadata service', address: 'fd00:ec2::254', reason: 'metadata' },
    { description: 'carrier-grade NAT', address: '100.64.0.1', reason: 'shared' },
    { description: 'an IPv6 unique local address', address: 'fd12:3456:789a::1', reason: 'unique local' },
    { description: 'an IPv6 link-local address', address: 'fe80::1', reason: 'link-local' },
    { description: 'an IPv4-mapped IPv6 loopback', address: '::ffff:127.0.0.1', reason: 'IPv4-mapped' },
    { description: 'an IPv4-mapped IPv6 public address', address: '::ffff:8.8.8.8', reason: 'IPv4-mapped' },
    { description: 'NAT64 of a private address', address: '64:ff9b::a00:1', reason: 'reserved' },
    { description: 'the unspecified address (Linux connects it to itself)', address: '0.0.0.0', reason: 'unspecified' },
    { description: 'the IPv6 unspecified address', address: '::', reason: 'unspecified' },
    { description: 'broadcast', address: '255.255.255.255', reason: 'broadcast' },
    { description: 'multicast', address: '224.0.0.1', reason: 'multicast' },
    { description: 'a documentation range', address: '198.51.100.7', reason: 'reserved' },
  ])('refuses $description ($address)', ({ address, reason }) => {
    const verdict = checkAddress(address, false)
    expect(verdict.allowed).toBe(false)
    expect(verdict.allowed === false && verdict.reason).toContain(reason)
  })

  it.each(['93.184.216.34', '8.8.8.8', '2606:2800:220:1:248:1893:25c8:1946', '2001:4860:4860::8888'])('allows the public address %s', (address) => {
    expect(checkAddress(address, false)).toEqual({ allowed: true, private: false })
  })

  it('with private addresses allowed, lets loopback and private ranges through but never metadata, mapped or unspecified addresses', () => {
    for (const address of ['127.0.0.1', '::1', '10.0.0.5', '192.168.1.1', '172.16.0.1', 'fd12::1', '100.64.0.1', '169.254.1.1']) {
      expect(checkAddress(address, true), address).toEqual({ allowed: true, private: true })
    }
    for (const address of ['169.254.169.254', '168.63.129.16', 'fd00:ec2::254', '::ffff:127.0.0.1', '0.0.0.0', '224.0.0.1']) {
      expect(checkAddress(address, true).allowed, address).toBe(false)
    }
  })

  it('reads address literals the way the URL parser left them', () => {
    expect(addressLiteral(new URL('https://0x7f.1/').hostname)).toBe('127.0.0.1')
    expect(addressLiteral(new URL('https://2130706433/').hostname)).toBe('127.0.0.1')
    expect(addressLiteral(new URL('https://[::1]:8443/').hostname)).toBe('::1')
    expect(addressLiteral('hooks.acme.example')).toBeUndefined()
  })

  it.each([
    { url: 'http://hooks.acme.example/x', problem: 'must start with https://' },
    { url: 'ftp://hooks.acme.example/x', problem: 'must start with https://' },
    { url: 'https://user:pass@hooks.acme.example/x', problem: 'user name or password' },
    { url: 'https://hooks.acme.example/x#frag', problem: '#fragment' },
    { url: 'https://127.0.0.1/x', problem: 'loopback' },
    { url: 'https://0x7f.1/x', problem: 'loopback' },
    { url: 'https://2130706433/x', problem: 'loopback' },
    { url: 'https://[::1]/x', problem: 'loopback' },
    { url: 'https://[::ffff:127.0.0.1]/x', problem: 'IPv4-mapped' },
    { url: 'https://169.254.169.254/latest/meta-data', problem: 'metadata' },
    { url: 'https://10.0.0.8/x', problem: 'private' },
    { url: 'https://localhost/x', problem: 'localhost' },
    { url: 'https://api.localhost/x', problem: 'localhost' },
    { url: 'not a url', problem: 'not a valid URL' },
  ])('refuses $url before any DNS ($problem)', ({ url, problem }) => {
    const verdict = checkWebhookUrl(url, false)
    expect(verdict.ok).toBe(false)
    expect(verdict.ok === false && verdict.problem).toContain(problem)
  })

  it('accepts an https URL with a name, and with private addresses allowed also http and loopback (metadata still refused)', () => {
    expect(checkWebhookUrl('https://hooks.acme.example/switchboard?key=1', false)).toMatchObject({ ok: true })
    expect(checkWebhookUrl('http://127.0.0.1:3000/hooks', true)).toMatchObject({ ok: true })
    expect(checkWebhookUrl('https://localhost/x', true)).toMatchObject({ ok: true })
    expect(checkWebhookUrl('http://169.254.169.254/', true)).toMatchObject({ ok: false })
  })
})
