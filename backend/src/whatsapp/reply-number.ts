/**
 * Which business number a one-to-one message to a contact goes from, and whether its
 * 24-hour window is open. Pure.
 *
 * The window belongs to a (contact, business number) pair: Meta's 131047 is "more than 24
 * hours since the customer last replied to this number"
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes/).
 * So a reply goes from the number the customer last wrote to; a template, which needs no
 * window, may fall back to another active number when that one is paused.
 */
export interface NumberChoice<N> {
  /** The number to send from, or undefined when none may send. */
  number: N | undefined
  /** When the contact last wrote to that number (null: never, as far as we know). */
  lastInboundAt: string | null
  /** The number the customer wrote to is paused (a free-form reply cannot go). */
  pausedReplyNumber: boolean
}

export function chooseNumber<N extends { id: string, status: string }> (
  numbers: readonly N[],
  inbound: ReadonlyArray<{ phoneNumberId: string, at: string }>,
  kind: 'text' | 'template',
  /** The contact's last inbound time recorded before windows were kept per number (no per-number history). */
  legacyLastInboundAt: string | null = null,
): NumberChoice<N> {
  const firstActive = numbers.find((n) => n.status === 'active')
  const latest = inbound.map((i) => ({ i, n: numbers.find((n) => n.id === i.phoneNumberId) })).find((x) => x.n !== undefined)
  if (latest === undefined) {
    return { number: firstActive, lastInboundAt: inbound.length === 0 ? legacyLastInboundAt : null, pausedReplyNumber: false }
  }
  if (latest.n!.status === 'active') return { number: latest.n, lastInboundAt: latest.i.at, pausedReplyNumber: false }
  if (kind === 'text') return { number: undefined, lastInboundAt: latest.i.at, pausedReplyNumber: true }
  const other = numbers.find((n) => n.status === 'active')
  return { number: other, lastInboundAt: inbound.find((i) => i.phoneNumberId === other?.id)?.at ?? null, pausedReplyNumber: false }
}
