/**
 * A token bucket: `capacity` tokens, refilled continuously at `ratePerSecond`. Meta's
 * per-number throughput (80 mps by default) and per-recipient pair rate (1 per 6 s,
 * bursts up to 45) both behave like one. O(1) time and two numbers of state.
 */
export class TokenBucket {
  private tokens: number
  private last: number

  constructor (private capacity: number, private ratePerSecond: number, now: number) {
    this.tokens = capacity
    this.last = now
  }

  private refill (now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond)
      this.last = now
    }
  }

  /** Takes one token if there is one; false means the caller is over the limit. */
  take (now: number): boolean {
    this.refill(now)
    // Tolerate float drift: 6 s of refill in several slices must still add up to one token.
    if (this.tokens < 1 - 1e-9) return false
    this.tokens = Math.max(0, this.tokens - 1)
    return true
  }

  /** Uses up to one token and never fails: inbound traffic shares the capacity but is never refused. */
  drain (now: number): void {
    this.refill(now)
    this.tokens = Math.max(0, this.tokens - 1)
  }

  /** Changes the limits and starts full at the new capacity. */
  reconfigure (capacity: number, ratePerSecond: number, now: number): void {
    this.capacity = capacity
    this.ratePerSecond = ratePerSecond
    this.tokens = capacity
    this.last = now
  }

  /** Whole tokens left now. */
  available (now: number): number {
    this.refill(now)
    return Math.floor(this.tokens + 1e-9)
  }
}
