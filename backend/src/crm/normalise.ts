import { domainToASCII } from 'node:url'
import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js/max'
import Format from 'typebox/format'
import { SwitchboardError } from '../errors.js'

/**
 * The one spelling of an email address that is stored and compared: trimmed and
 * lower-cased. The local part is case-sensitive in theory, never in practice, and
 * dedupe must treat `Ada@Example.com ` and `ada@example.com` as one person.
 */
export function normaliseEmail (email: string): string {
  return email.trim().toLowerCase()
}

/**
 * An email address as people paste it (any case, stray spaces) in its stored form.
 * Checked with the same `email` format the schemas use, after trimming, so
 * ` Ada@Example.com` is accepted as the address it plainly is; anything else is
 * `SB_EMAIL_INVALID` naming `field`.
 */
export function readEmail (input: string, field = 'email'): string {
  const email = normaliseEmail(input)
  if (email.length > 254 || !Format.Test('email', email)) throw new SwitchboardError('SB_EMAIL_INVALID', field)
  return email
}

/**
 * A phone number in E.164 (`+14155550123`), read with `defaultCountry` when it has no
 * international prefix. Throws `SB_PHONE_INVALID` naming `field` when the input is not
 * exactly a valid number: trailing text, letters and extensions are refused rather than
 * silently dropped, since E.164 cannot carry them and WhatsApp cannot dial them.
 */
export function normalisePhone (input: string, defaultCountry: string | null, field = 'phone'): string {
  try {
    // `extract: false` makes the parser refuse "+14155550123abc" instead of finding a number in it.
    const parsed = parsePhoneNumberWithError(input.trim(), {
      extract: false,
      ...(defaultCountry === null ? {} : { defaultCountry: defaultCountry.toUpperCase() as CountryCode }),
    })
    if (parsed.isValid() && parsed.ext === undefined) return parsed.number
  } catch (error) {
    throw new SwitchboardError('SB_PHONE_INVALID', field, { cause: error })
  }
  throw new SwitchboardError('SB_PHONE_INVALID', field)
}

// One DNS label: letters, digits and inner hyphens, at most 63 characters.
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/

/**
 * A company's domain as stored and matched against email domains: lower-cased host name
 * in ASCII (punycode), without scheme, credentials, `www.`, port, path or trailing dot,
 * so `https://www.Acme.com:443/about` and `acme.com` are one company. Throws
 * `SB_VALIDATION` naming `field` when what is left is not a public host name.
 */
export function normaliseDomain (input: string, field = 'domain'): string {
  let host = input.trim().toLowerCase()
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
  host = host.replace(/[/?#].*$/, '')
  host = host.replace(/^.*@/, '')
  host = host.replace(/:\d*$/, '')
  host = host.replace(/\.$/, '')
  host = host.replace(/^www\./, '')
  // domainToASCII answers '' for what URL parsing rejects, and punycodes IDNs (münchen.de).
  const ascii = host === '' ? '' : domainToASCII(host)
  const labels = ascii.split('.')
  const valid = ascii.length <= 253 && labels.length >= 2 && labels.every((l) => LABEL.test(l)) &&
    // An all-digit top-level label means an IP address, which no company's email uses.
    !/^\d+$/.test(labels[labels.length - 1] ?? '')
  if (!valid) throw new SwitchboardError('SB_VALIDATION', field)
  return ascii
}

/**
 * The key names are searched by: accents and case folded (`Zoë Ångström` → `zoe angstrom`),
 * whitespace collapsed. Stored beside the name so a plain LIKE finds it on SQLite and
 * PostgreSQL alike (PostgreSQL's LIKE is case-sensitive and neither folds accents).
 */
export function searchKey (name: string): string {
  // Lower-case first: some capitals (İ) lower-case into a letter plus a combining mark.
  return name.toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '').replace(/\s+/g, ' ').trim()
}

/** The digits of a string, for matching phone numbers however they were typed. */
export function digitsOf (input: string): string {
  return input.replace(/\D/g, '')
}
