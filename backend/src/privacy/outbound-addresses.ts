import ipaddr from 'ipaddr.js'

/**
 * Which network addresses a webhook may be delivered to (server-side request forgery).
 * A webhook URL is chosen by a customer, and our servers call it: without this, an
 * endpoint naming 127.0.0.1, a private address or a cloud metadata service would let
 * anyone with an admin role probe or call what sits next to Switchboard.
 *
 * Only globally routable unicast addresses pass. The operator may also allow private
 * ones (`WEBHOOKS_ALLOW_PRIVATE`: a receiver on the same machine or network, as in
 * sandbox mode and the tests); metadata services, unspecified, broadcast, multicast,
 * reserved and IPv4-mapped IPv6 addresses are refused even then.
 */

/** ipaddr.js range names that private addresses may fall in. */
const PRIVATE_RANGES = new Set(['loopback', 'private', 'linkLocal', 'uniqueLocal', 'carrierGradeNat'])

/**
 * Cloud instance metadata services, refused even where private addresses are allowed:
 * they hand out credentials. AWS, GCP, Azure and OpenStack use 169.254.169.254 (AWS's
 * IPv6 endpoint is fd00:ec2::254, ECS task metadata 169.254.170.2), Alibaba Cloud
 * 100.100.100.200, and Azure's wire server 168.63.129.16, which is not even a private
 * address.
 */
const METADATA = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', '168.63.129.16', 'fd00:ec2::254'])

const RANGE_WORDS: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  linkLocal: 'a link-local address',
  uniqueLocal: 'a private (unique local) IPv6 address',
  carrierGradeNat: 'a shared (carrier-grade NAT) address',
  unspecified: 'the unspecified address',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  ipv4Mapped: 'an IPv4-mapped IPv6 address',
}

export type AddressVerdict =
  | { allowed: true, private: boolean }
  | { allowed: false, reason: string }

/** Whether a webhook may connect to `address` (an IPv4 or IPv6 literal, without brackets). */
export function checkAddress (address: string, allowPrivate: boolean): AddressVerdict {
  if (!ipaddr.isValid(address)) return { allowed: false, reason: `not an IP address (${address})` }
  const parsed = ipaddr.parse(address)
  const normalized = parsed.toNormalizedString()
  const shown = parsed.toString()
  if (METADATA.has(shown) || METADATA.has(normalized)) return { allowed: false, reason: `a cloud metadata address (${shown})` }
  const range = parsed.range()
  if (range === 'unicast') return { allowed: true, private: false }
  if (allowPrivate && PRIVATE_RANGES.has(range)) return { allowed: true, private: true }
  const words = RANGE_WORDS[range] ?? `a reserved address (${range})`
  return { allowed: false, reason: `${words} (${shown})${PRIVATE_RANGES.has(range) ? '; private addresses are not allowed (WEBHOOKS_ALLOW_PRIVATE)' : ''}` }
}

/** The URL's host as an address literal (IPv6 without its brackets), or undefined for a name. */
export function addressLiteral (hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname
  // The URL parser has already turned every IPv4 spelling (0x7f.1, 2130706433) into four decimal parts.
  return ipaddr.isValid(bare) && (bare.includes(':') || /^\d{1,3}(\.\d{1,3}){3}$/.test(bare)) ? bare : undefined
}

/** Names every resolver maps to loopback (RFC 6761 §6.3): refused without asking DNS. */
function isLocalhostName (hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '')
  return name === 'localhost' || name.endsWith('.localhost')
}

export type UrlVerdict = { ok: true, url: URL } | { ok: false, problem: string }

/**
 * The checks a webhook URL passes before any DNS: https (plain http only where private
 * addresses are allowed, and then only to one at delivery), no credentials in it, and an
 * address literal or localhost name that the address rules accept. The addresses a name
 * resolves to are checked again at every delivery, after DNS.
 */
export function checkWebhookUrl (raw: string, allowPrivate: boolean): UrlVerdict {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { ok: false, problem: 'is not a valid URL' }
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    return { ok: false, problem: allowPrivate ? 'must start with https:// (or http:// to a private address)' : 'must start with https://' }
  }
  if (url.username !== '' || url.password !== '') return { ok: false, problem: 'must not contain a user name or password' }
  if (url.hash !== '') return { ok: false, problem: 'must not contain a #fragment' }
  if (url.hostname === '') return { ok: false, problem: 'has no host' }
  const literal = addressLiteral(url.hostname)
  if (literal !== undefined) {
    const verdict = checkAddress(literal, allowPrivate)
    if (!verdict.allowed) return { ok: false, problem: `points to ${verdict.reason}` }
  } else if (isLocalhostName(url.hostname) && !allowPrivate) {
    return { ok: false, problem: 'points to a loopback address (localhost); private addresses are not allowed (WEBHOOKS_ALLOW_PRIVATE)' }
  }
  return { ok: true, url }
}
