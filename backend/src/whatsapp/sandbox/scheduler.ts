interface Job { at: number, seq: number, run: () => void }

/**
 * Runs callbacks at given times with one timer for all of them (a binary min-heap), so
 * thousands of pending webhook events cost one `setTimeout`, not one each.
 */
export class Scheduler {
  private heap: Job[] = []
  private seq = 0
  private timer: NodeJS.Timeout | undefined
  private timerAt = Infinity
  private closed = false

  /** Jobs waiting to run. */
  get size (): number {
    return this.heap.length
  }

  /** Runs `run` in `delayMs` milliseconds (0 = on the next turn of the event loop). */
  after (delayMs: number, run: () => void): void {
    if (this.closed) return
    this.push({ at: Date.now() + Math.max(0, delayMs), seq: this.seq++, run })
    this.arm()
  }

  /** Drops every pending job and the timer. */
  clear (): void {
    this.heap = []
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.timerAt = Infinity
  }

  close (): void {
    this.closed = true
    this.clear()
  }

  private arm (): void {
    const first = this.heap[0]
    if (first === undefined || first.at >= this.timerAt) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timerAt = first.at
    this.timer = setTimeout(() => this.fire(), Math.max(0, first.at - Date.now()))
  }

  private fire (): void {
    this.timer = undefined
    this.timerAt = Infinity
    const now = Date.now()
    // Bounded per turn so a flood of due jobs cannot starve the server's I/O.
    for (let i = 0; i < 5000; i += 1) {
      const first = this.heap[0]
      if (first === undefined || first.at > now) break
      this.pop()
      try {
        first.run()
      } catch {
        // A failing job must not stop the others; jobs report their own failures.
      }
    }
    this.arm()
  }

  private less (a: Job, b: Job): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }

  private push (job: Job): void {
    const h = this.heap
    h.push(job)
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.less(h[i]!, h[parent]!)) break
      ;[h[i], h[parent]] = [h[parent]!, h[i]!]
      i = parent
    }
  }

  private pop (): void {
    const h = this.heap
    const last = h.pop()
    if (last === undefined || h.length === 0) return
    h[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r
      if (m === i) return
      ;[h[i], h[m]] = [h[m]!, h[i]!]
      i = m
    }
  }
}
