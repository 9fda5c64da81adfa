import { describe, expect, it } from 'vitest'
import { newSigningSecret, secretKey, sign, signedHeaders } from './signing.js'

describe('webhook signatures (Standard Webhooks 1.0)', () => {
  it('reproduces the reference vector every Standard Webhooks library is tested against', () => {
    // github.com/standard-webhooks/standard-webhooks, the libraries' "sign function works" test.
    expect(sign('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'))
      .toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=')
  })

  it('signs with every secret given, current first, space-separated (rotation)', () => {
    const [current, previous] = [newSigningSecret(), newSigningSecret()]
    const headers = signedHeaders([current, previous], 'evt_01k0000000000000000000000a', 1700000000, '{"a":1}')
    expect(headers['webhook-id']).toBe('evt_01k0000000000000000000000a')
    expect(headers['webhook-timestamp']).toBe('1700000000')
    expect(headers['webhook-signature'].split(' ')).toEqual([
      sign(current, 'evt_01k0000000000000000000000a', 1700000000, '{"a":1}'),
      sign(previous, 'evt_01k0000000000000000000000a', 1700000000, '{"a":1}'),
    ])
  })

  it('binds the id and the timestamp: changing either changes the signature', () => {
    const secret = newSigningSecret()
    const base = sign(secret, 'evt_a', 1700000000, '{}')
    expect(sign(secret, 'evt_b', 1700000000, '{}')).not.toBe(base)
    expect(sign(secret, 'evt_a', 1700000001, '{}')).not.toBe(base)
    expect(sign(secret, 'evt_a', 1700000000, '{ }')).not.toBe(base)
  })

  it('makes secrets of 32 random bytes behind whsec_, and refuses ids with a dot (they would shift the signed content\'s boundaries)', () => {
    const secret = newSigningSecret()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(secretKey(secret)).toHaveLength(32)
    expect(newSigningSecret()).not.toBe(secret)
    expect(() => secretKey('not-a-secret')).toThrow()
    expect(() => signedHeaders([secret], 'evt.1', 1700000000, '{}')).toThrow()
  })
})
