/**
 * No transfer: the backend sends HTTP only to hosts it was configured to talk to — Meta's
 * Graph API (or the local sandbox standing in for it) and the identity provider's key
 * endpoint. Every outbound request goes through a fetch made here; a URL built from data
 * (a path with `//`, a redirect, a mistyped base URL) cannot reach anyone else, so
 * Google- and Microsoft-derived content leaves only toward Meta, as the message the user
 * chose to send. `outbound.test.ts` scans the source for any other way out.
 */

/** The refusal's system-style code: nothing was sent, like ECONNREFUSED. */
export const OUTBOUND_REFUSED_CODE = 'ERR_OUTBOUND_HOST_REFUSED'

export class OutboundHostRefusedError extends TypeError {
  readonly host: string
  constructor (host: string) {
    // Shaped like undici's failure ("fetch failed" with a coded cause), so callers that
    // classify network errors see "not sent" and nothing else needs to know about us.
    super('fetch failed', { cause: Object.assign(new Error(`outbound host ${host} is not allowed`), { code: OUTBOUND_REFUSED_CODE }) })
    this.name = 'OutboundHostRefusedError'
    this.host = host
  }
}

/** `host:port` as URL.host gives it (the port only when not the scheme's default). */
export function hostOf (url: string | URL): string {
  return (url instanceof URL ? url : new URL(url)).host.toLowerCase()
}

/**
 * A fetch that refuses any URL whose host is not in `allowed`, and never follows a
 * redirect (a 3xx to another host would be a way around the list). `inner` is looked up
 * on each call, so a process that replaces the global fetch (the sender's keep-alive
 * transport) still goes through this check.
 */
export function createOutboundFetch (allowed: Iterable<string>, inner: () => typeof fetch = () => globalThis.fetch): typeof fetch {
  const hosts = new Set([...allowed].map((h) => h.toLowerCase()))
  const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = input instanceof URL ? input : new URL(typeof input === 'string' ? input : input.url)
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundHostRefusedError(url.protocol)
    if (!hosts.has(url.host.toLowerCase())) throw new OutboundHostRefusedError(url.host)
    return inner()(input, { ...init, redirect: 'error' })
  }
  return guarded as typeof fetch
}
