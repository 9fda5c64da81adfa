import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../../test/helper.js'
import { runExclusive } from './exclusive-job.js'

describe('exclusive jobs', () => {
  it('on PostgreSQL, one caller runs a job at a time and the others skip; on SQLite every caller runs', async () => {
    const { store } = await buildTestApp()
    let release!: () => void
    const held = new Promise<void>((resolve) => { release = resolve })
    let entered!: () => void
    const inside = new Promise<void>((resolve) => { entered = resolve })
    const first = runExclusive(store, 'sweep', async () => { entered(); await held; return 'first' })
    await inside
    const second = await runExclusive(store, 'sweep', async () => 'second')
    const other = await runExclusive(store, 'another job', async () => 'other')
    release()
    expect(await first).toEqual({ ran: true, result: 'first' })
    expect(other).toEqual({ ran: true, result: 'other' })
    if (store.dialect === 'postgres') expect(second).toEqual({ ran: false })
    else expect(second).toEqual({ ran: true, result: 'second' })
    // Released once done: the next turn runs.
    expect(await runExclusive(store, 'sweep', async () => 'third')).toEqual({ ran: true, result: 'third' })
  })

  it('a job that throws lets go of its lock', async () => {
    const { store } = await buildTestApp()
    await expect(runExclusive(store, 'sweep', async () => { throw new Error('boom') })).rejects.toThrow('boom')
    expect(await runExclusive(store, 'sweep', async () => 'after')).toEqual({ ran: true, result: 'after' })
  })
})
