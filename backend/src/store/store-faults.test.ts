import { describe, expect, it } from 'vitest'
import { storeFault } from './store-faults.js'

describe('storeFault', () => {
  it('tells a full disk from an unreachable store, on either engine', () => {
    expect(storeFault({ code: 'SQLITE_FULL', message: 'database or disk is full' })).toBe('full')
    expect(storeFault({ code: '53100', message: 'could not extend file' })).toBe('full')
    expect(storeFault({ code: 'SQLITE_BUSY', message: 'database is locked' })).toBe('unavailable')
    expect(storeFault({ code: '57P01', message: 'terminating connection due to administrator command' })).toBe('unavailable')
    expect(storeFault({ code: '57P03', message: 'the database system is starting up' })).toBe('unavailable')
    expect(storeFault({ code: '08006' })).toBe('unavailable')
    expect(storeFault({ code: 'ECONNREFUSED' })).toBe('unavailable')
    expect(storeFault(new Error('Connection terminated unexpectedly'))).toBe('unavailable')
  })

  it('leaves every other error alone', () => {
    expect(storeFault(new Error('boom'))).toBeUndefined()
    expect(storeFault({ code: '23505' })).toBeUndefined()
    expect(storeFault({ code: 'SQLITE_CONSTRAINT_UNIQUE' })).toBeUndefined()
    expect(storeFault(undefined)).toBeUndefined()
    expect(storeFault('ECONNREFUSED')).toBeUndefined()
  })
})
