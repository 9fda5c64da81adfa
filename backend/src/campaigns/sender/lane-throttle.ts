/**
 * Adaptive share of a number's rate, cut when Meta answers with back-pressure and recovered
 * while it does not. Meta's throughput counts "inbound + outbound combined" per number
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput/),
 * so customers replying during a campaign leave less room than the number's nominal rate:
 * 130429 means "send slower for a while", never "this recipient failed".
 *
 * Additive increase, multiplicative decrease: each refusal halves the share (at most once
 * per `holdMs`, since one burst of refusals is one signal), and the share grows back by
 * `recoverPerSecond` of the full rate each second without one. Pure apart from the map it
 * keeps; time comes from the caller.
 */
export interface LaneThrottleOptions {
  /** Lowest share of the rate (default 0.1): sending never stops on back-pressure alone. */
  floor?: number
  /** Share kept after a refusal (default 0.5). */
  decrease?: number
  /** Share regained per second without refusals (default 0.1: from half to full in 5 s). */
  recoverPerSecond?: number
  /** Refusals within this long of a cut count as the same signal (default 1,000 ms). */
  holdMs?: number
}

export interface LaneThrottle {
  /** The share (0–1] of its rate the number may use at `nowMs`. */
  share (key: string, nowMs: number): number
  /** Meta refused a send for throughput at `nowMs`. */
  slowDown (key: string, nowMs: number): void
}

export function createLaneThrottle (options: LaneThrottleOptions = {}): LaneThrottle {
  const floor = options.floor ?? 0.1
  const decrease = options.decrease ?? 0.5
  const recover = options.recoverPerSecond ?? 0.1
  const holdMs = options.holdMs ?? 1000
  const lanes = new Map<string, { share: number, updated: number, cutAt: number }>()

  function share (key: string, nowMs: number): number {
    const lane = lanes.get(key)
    if (lane === undefined) return 1
    lane.share = Math.min(1, lane.share + Math.max(0, nowMs - lane.updated) / 1000 * recover)
    lane.updated = nowMs
    if (lane.share >= 1 && nowMs - lane.cutAt >= holdMs) {
      lanes.delete(key)
      return 1
    }
    return lane.share
  }

  return {
    share,
    slowDown (key, nowMs) {
      const current = share(key, nowMs)
      const lane = lanes.get(key)
      if (lane !== undefined && nowMs - lane.cutAt < holdMs) return
      lanes.set(key, { share: Math.max(floor, current * decrease), updated: nowMs, cutAt: nowMs })
    },
  }
}
