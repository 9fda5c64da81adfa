/**
 * Meta's sending limits as numbers the sender can act on. Pure: the SQL that applies them
 * lives in the outbox repository.
 */

/** Meta's pair rate: one message to the same user every 6 s (reference §4, "Pair rate"). */
export const PAIR_SPACING_MS = 6000

/** The moving window of the messaging limit (unique users per 24 h). */
export const MESSAGING_WINDOW_MS = 24 * 60 * 60 * 1000

/** Meta's starting limit for a new portfolio, assumed while the number's tier is not known yet. */
export const DEFAULT_TIER_LIMIT = 250

const NAMED_TIERS: Record<string, number> = {
  TIER_UNLIMITED: Number.POSITIVE_INFINITY,
  UNLIMITED: Number.POSITIVE_INFINITY,
}

/**
 * Unique users a workspace may reach outside their service window in a moving 24 h, from
 * the number's `messaging_limit_tier` (`TIER_250`, `TIER_2K`, `TIER_10K`, `TIER_100K`,
 * `TIER_UNLIMITED`; older names such as `TIER_1K` read the same way). Unknown or absent
 * tiers count as Meta's starting 250: sending too little is recoverable, too much is not.
 */
export function tierLimit (tier: string | null | undefined): number {
  if (tier === null || tier === undefined) return DEFAULT_TIER_LIMIT
  const upper = tier.trim().toUpperCase()
  const named = NAMED_TIERS[upper]
  if (named !== undefined) return named
  const match = /^TIER_(\d+)(K?)$/.exec(upper)
  if (match === null) return DEFAULT_TIER_LIMIT
  return Number(match[1]) * (match[2] === 'K' ? 1000 : 1)
}

/** How a number's token bucket is shaped. */
export interface BucketShape {
  /** Tokens the bucket holds at most: the largest burst. */
  capacity: number
  /** Fewest tokens worth a claim (fewer claims, each a transaction). */
  minBatch: number
  /**
   * How far ahead a claim may take tokens that have not arrived yet; each such send is
   * held until its token's time. A claim that runs late (the event loop was busy) then
   * finds its tokens still waiting instead of spilled over a full bucket.
   */
  horizonMs: number
  /** Tokens added per millisecond. */
  perMs: number
  /** The messages per second the bucket lets through on average. */
  perSecond: number
  /** The number's limit the shape was made for. */
  limit: number
}

/**
 * A bucket that keeps every one-second window at or under `limit` messages. A bucket
 * passes at most `capacity + rate × 1 s` in any window, and a send that reaches Meta a
 * little after its token's time (a busy event loop, either end) can squeeze a few more
 * into one; so the burst is kept to 1% of a second and the rate is lowered by the burst
 * plus 20 ms worth of sends. At 1,000/s: a burst of 10 at 970/s; at 80/s: 1 at 77/s.
 * Meta's own bucket allows a full second of burst; this one never leans on it. Claims
 * take at least 2% of a second's tokens (fewer transactions), the ones not yet arrived
 * held until their time.
 */
export function bucketShape (limit: number, options: { burstShare?: number, lateMs?: number, horizonMs?: number } = {}): BucketShape {
  const capacity = Math.max(1, Math.floor(limit * (options.burstShare ?? 0.01)))
  const margin = Math.max(1, Math.ceil(limit * (options.lateMs ?? 20) / 1000))
  const perSecond = Math.max(0.5, limit - capacity - margin)
  return { capacity, minBatch: Math.max(capacity, Math.floor(limit * 0.02)), horizonMs: options.horizonMs ?? 60, perMs: perSecond / 1000, perSecond, limit }
}

/**
 * The local pacer every released send also passes: one token more than the bucket's burst
 * (so a release that ran late can catch up at once) and a rate a little above the
 * bucket's (so lateness beyond that is made up over the next second instead of lost for
 * good), while `capacity + rate` stays 1.5% under the limit. At 1,000/s: 11 at 974/s,
 * at most 985 in any second; at 80/s: 2 at 77/s, 79.
 */
export function pacerShape (shape: BucketShape): { capacity: number, perMs: number } {
  const capacity = shape.capacity + 1
  const perSecond = Math.max(shape.perSecond, shape.limit - capacity - Math.ceil(shape.limit * 0.015))
  return { capacity, perMs: perSecond / 1000 }
}

/** Tokens after refilling `tokens` (negative when taken ahead) for the time since `updatedMs`, capped at the capacity. */
export function refill (tokens: number, updatedMs: number, nowMs: number, shape: BucketShape): number {
  return Math.min(shape.capacity, tokens + Math.max(0, nowMs - updatedMs) * shape.perMs)
}

/** Whole tokens a claim may take now with `available` in the bucket, counting those due within the horizon. */
export function grantable (available: number, shape: BucketShape): number {
  return Math.max(0, Math.floor(available + shape.horizonMs * shape.perMs))
}

/**
 * When each of `count` tokens taken from a bucket holding `available` may be used: at
 * once while the bucket has them, then one every 1/rate as they arrive.
 */
export function tokenTimes (available: number, count: number, nowMs: number, shape: BucketShape): number[] {
  const times: number[] = []
  for (let i = 1; i <= count; i += 1) times.push(nowMs + Math.max(0, (i - available) / shape.perMs))
  return times
}

/** Milliseconds until a claim could take `wanted` tokens (at most the minimum batch) with `available` in the bucket. */
export function msUntilTokens (available: number, wanted: number, shape: BucketShape): number {
  const target = Math.max(1, Math.min(wanted, shape.minBatch))
  const have = available + shape.horizonMs * shape.perMs
  return have >= target ? 0 : Math.ceil((target - have) / shape.perMs)
}

/**
 * The largest count of `timestamps` (milliseconds) inside any window of `windowMs`: what
 * "never above the limit in any one-second window" is checked against.
 */
export function maxInWindow (timestamps: readonly number[], windowMs = 1000): number {
  const sorted = [...timestamps].sort((a, b) => a - b)
  let max = 0
  let start = 0
  for (let end = 0; end < sorted.length; end += 1) {
    while (sorted[end]! - sorted[start]! >= windowMs) start += 1
    max = Math.max(max, end - start + 1)
  }
  return max
}
