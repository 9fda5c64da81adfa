/** A mailbox from a header such as `"Ada Lovelace" <ada@example.com>`. */
export interface Mailbox {
  /** The display name, or null when the header carries none. */
  name: string | null
  /** The address, or null when none could be found. */
  email: string | null
}

const ANGLE_ADDRESS = /<\s*([^<>\s]+@[^<>\s]+)\s*>\s*$/
const BARE_ADDRESS = /^[^\s<>"@]+@[^\s<>"@]+$/

/**
 * Splits a From header into name and address. Gmail returns the raw header value, so the
 * name may be quoted, contain escaped quotes, or be absent.
 */
export function parseMailbox (header: string): Mailbox {
  const value = header.trim()
  const angle = ANGLE_ADDRESS.exec(value)
  if (angle?.[1] !== undefined) {
    const name = unquote(value.slice(0, angle.index).trim())
    return { name: name === '' ? null : name, email: angle[1].toLowerCase() }
  }
  if (BARE_ADDRESS.test(value)) return { name: null, email: value.toLowerCase() }
  return { name: value === '' ? null : value, email: null }
}

function unquote (name: string): string {
  if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) {
    return name.slice(1, -1).replace(/\\(.)/g, '$1').trim()
  }
  return name
}

/**
 * Splits a To or Cc header into mailboxes. Gmail returns the header as written, so a
 * comma inside a quoted name (`"Doe, Jane" <jane@example.com>`) or inside angle brackets
 * does not end a mailbox; empty entries (`a@x.com,,`) and groups' trailing `;` are skipped.
 */
export function parseAddressList (header: string): Mailbox[] {
  const parts: string[] = []
  let current = ''
  let quoted = false
  let angle = false
  for (let i = 0; i < header.length; i++) {
    const c = header[i]!
    if (quoted && c === '\\' && i + 1 < header.length) {
      current += c + header[++i]!
      continue
    }
    if (c === '"' && !angle) quoted = !quoted
    else if (c === '<' && !quoted) angle = true
    else if (c === '>' && !quoted) angle = false
    if ((c === ',' || c === ';') && !quoted && !angle) {
      parts.push(current)
      current = ''
    } else {
      current += c
    }
  }
  parts.push(current)
  return parts.map((p) => p.trim()).filter((p) => p !== '' && !p.endsWith(':')).map(groupless).map(parseMailbox)
}

// An RFC 5322 group (`Team: a@x.com, b@x.com;`) puts its display name before the first mailbox.
function groupless (part: string): string {
  const colon = /^[^"<>@]*:\s*(.*)$/.exec(part)
  return colon?.[1] ?? part
}

// The backend validates addresses with ajv-formats' "email" (full mode); one it refuses would
// fail the whole request, so the add-on leaves such an address out rather than send it.
const BACKEND_EMAIL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i

/** Whether the backend accepts this address (format and length), so it can be looked up or logged. */
export function isBackendEmail (email: string): boolean {
  return email.length >= 3 && email.length <= 254 && BACKEND_EMAIL.test(email)
}
