import { describe, expect, it } from 'vitest'
import { ROUTES, routeUrl } from './routes.js'

describe('routeUrl', () => {
  it.each([
    { base: 'https://crm.example.com', expected: 'https://crm.example.com/api/v1/me' },
    { base: 'https://crm.example.com/', expected: 'https://crm.example.com/api/v1/me' },
    { base: 'https://example.com/sb//', expected: 'https://example.com/sb/api/v1/me' },
  ])('joins $base and a route with one slash', ({ base, expected }) => {
    expect(routeUrl(base, ROUTES.me)).toBe(expected)
  })
})
