/**
 * Converts a wall-clock time in an IANA time zone to a UTC instant. People schedule a
 * campaign for "9:30 on Monday" where they are, not in UTC.
 *
 * Intl gives the zone's offset at an instant; the offset at the guessed instant may
 * differ from the one at the answer across a DST change, so the guess is corrected once.
 * A local time that does not exist (skipped by a spring-forward) moves forward by the gap;
 * one that exists twice (autumn) resolves to the first occurrence, as the guess from the
 * earlier offset lands there.
 */
export function zonedTimeToUtc (local: string, timeZone: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local)
  if (match === null) throw new RangeError('expected YYYY-MM-DDTHH:mm')
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[]
  const wall = Date.UTC(y!, mo! - 1, d!, h!, mi!, Number.isNaN(s) ? 0 : s!)
  const check = new Date(wall)
  if (check.getUTCMonth() !== mo! - 1 || check.getUTCDate() !== d!) throw new RangeError('not a calendar date')
  const first = wall - offsetMs(wall, timeZone)
  const second = wall - offsetMs(first, timeZone)
  // The two guesses differ only when the wall time falls in a spring-forward gap: neither
  // shows it, and the later one is the same time moved forward by the gap.
  return new Date(Math.max(first, second))
}

/** How far the zone's wall clock is ahead of UTC at `instant`, in ms. */
function offsetMs (instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(instant))
  const get = (type: string): number => Number(parts.find((p) => p.type === type)!.value)
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'))
  return asUtc - Math.floor(instant / 1000) * 1000
}
