// ITU country calling codes of one and two digits; every other code has three. Enough to
// split a number into country code and rest without a full numbering-plan table.
const ONE_DIGIT = new Set(['1', '7'])
const TWO_DIGIT = new Set([
  '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49',
  '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66', '81', '82', '84',
  '86', '90', '91', '92', '93', '94', '95', '98',
])

/** The country calling code at the start of an international number (digits only). */
export function countryCodeOf (digits: string): string {
  if (ONE_DIGIT.has(digits.slice(0, 1))) return digits.slice(0, 1)
  if (TWO_DIGIT.has(digits.slice(0, 2))) return digits.slice(0, 2)
  return digits.slice(0, 3)
}

/**
 * The `wa_id` Meta answers for a `to` value, or undefined when `to` is not a phone number.
 * - `+`, `-`, `()` and spaces are accepted (reference §1).
 * - Without `+`, Meta prepends the *business* number's country code: a foreign number
 *   written without `+` becomes someone else's number (reference §1). Numbers that already
 *   start with that code are left alone, which keeps stored wa_ids working.
 * - Like Meta, `wa_id` can differ from the input (practice): older Brazilian mobiles drop the
 *   ninth digit, Mexican mobiles gain a 1 after 52. Store `wa_id`, not `input`.
 */
export function waIdFor (to: string, businessCountryCode: string): string | undefined {
  const compact = to.replace(/[\s\-()]/g, '')
  const hasPlus = compact.startsWith('+')
  let digits = hasPlus ? compact.slice(1) : compact
  if (!/^\d{5,15}$/.test(digits)) return undefined
  if (!hasPlus && !digits.startsWith(businessCountryCode)) digits = businessCountryCode + digits
  if (digits.length < 8 || digits.length > 15 || digits.startsWith('0')) return undefined
  if (digits.startsWith('55') && digits.length === 13 && digits[4] === '9') return digits.slice(0, 4) + digits.slice(5)
  if (digits.startsWith('52') && digits.length === 12) return `521${digits.slice(2)}`
  return digits
}
