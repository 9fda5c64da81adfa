import { SwitchboardError } from '../errors.js'

// Intl accepts any well-formed three-letter code; only its list says which currencies exist.
const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'))

/** True for ISO 4217 codes the runtime knows, such as EUR (upper case). */
export function isKnownCurrency (code: string): boolean {
  return KNOWN_CURRENCIES.has(code)
}

/** Decimal places of the currency's minor unit: 2 for EUR, 0 for JPY, 3 for KWD. */
export function currencyDigits (currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
}

/**
 * An amount in major units (19.99) as an integer of minor units (1999), so sums are
 * exact. More decimals than the currency has, or beyond a safe integer, is
 * `SB_VALIDATION` on `field`.
 */
export function toMinorUnits (amount: number, currency: string, field = 'amount'): number {
  const factor = 10 ** currencyDigits(currency)
  const minor = Math.round(amount * factor)
  // Dividing two integers rounds correctly, so this is exact for any amount that has at
  // most `digits` decimals (19.99 * 100 is 1998.999…, but 1999 / 100 is the double 19.99).
  if (!Number.isSafeInteger(minor) || minor / factor !== amount) throw new SwitchboardError('SB_VALIDATION', field)
  return minor
}

/** Minor units back to the major-unit number the API shows. */
export function fromMinorUnits (minor: number, currency: string): number {
  return minor / 10 ** currencyDigits(currency)
}
