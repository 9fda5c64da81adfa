import { describe, expect, it } from 'vitest'
import { Scheduler } from './scheduler.js'

describe('Scheduler', () => {
  it('runs jobs in time order (ties in insertion order) with one timer', async () => {
    const scheduler = new Scheduler()
    const order: string[] = []
    scheduler.after(40, () => order.push('c'))
    scheduler.after(10, () => order.push('a'))
    scheduler.after(10, () => order.push('b'))
    scheduler.after(0, () => { throw new Error('a failing job does not stop the others') })
    expect(scheduler.size).toBe(4)
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(order).toEqual(['a', 'b', 'c'])
    expect(scheduler.size).toBe(0)
  })

  it('forgets everything on clear and accepts nothing after close', async () => {
    const scheduler = new Scheduler()
    let ran = 0
    scheduler.after(5, () => { ran += 1 })
    scheduler.clear()
    scheduler.close()
    scheduler.after(1, () => { ran += 1 })
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(ran).toBe(0)
  })
})
