import { describe, expect, it } from 'vitest'
import { zonedTimeToUtc } from './schedule.js'

describe('zonedTimeToUtc', () => {
  it.each([
    { description: 'UTC', local: '2026-12-01T09:30', zone: 'UTC', utc: '2026-12-01T09:30:00.000Z' },
    { description: 'winter in Lisbon (UTC+0)', local: '2026-12-01T09:30', zone: 'Europe/Lisbon', utc: '2026-12-01T09:30:00.000Z' },
    { description: 'summer in Lisbon (UTC+1)', local: '2026-07-01T09:30', zone: 'Europe/Lisbon', utc: '2026-07-01T08:30:00.000Z' },
    { description: 'São Paulo (UTC-3)', local: '2026-12-01T09:30', zone: 'America/Sao_Paulo', utc: '2026-12-01T12:30:00.000Z' },
    { description: 'Kolkata (UTC+5:30)', local: '2026-12-01T09:30', zone: 'Asia/Kolkata', utc: '2026-12-01T04:00:00.000Z' },
    { description: 'a time skipped by spring-forward in New York moves forward', local: '2026-03-08T02:30', zone: 'America/New_York', utc: '2026-03-08T07:30:00.000Z' },
    { description: 'a time repeated in autumn in New York takes the first', local: '2026-11-01T01:30', zone: 'America/New_York', utc: '2026-11-01T05:30:00.000Z' },
    { description: 'seconds', local: '2026-12-01T09:30:15', zone: 'UTC', utc: '2026-12-01T09:30:15.000Z' },
  ])('$description', ({ local, zone, utc }) => {
    expect(zonedTimeToUtc(local, zone).toISOString()).toBe(utc)
  })

  it.each(['2026-02-30T09:00', '2026-12-01 09:30', 'tomorrow'])('refuses %s', (local) => {
    expect(() => zonedTimeToUtc(local, 'UTC')).toThrow(RangeError)
  })
})
