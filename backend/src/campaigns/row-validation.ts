import { SwitchboardError } from '../errors.js'
import { normalisePhone } from '../crm/normalise.js'
import { readPhone, READINGS_SEPARATOR, type PhoneCell } from './phone-reading.js'
import type { MessageTemplate } from '../whatsapp/cloud-api/types.js'
import { fillTemplate } from '../whatsapp/template-variables.js'

/** One row as the Sheets add-on (or any caller) submits it. */
export interface SubmittedRow {
  rowKey: string
  phone: string
  /** `number` when the sheet stored the phone as a Number (it may have lost its `+` or leading 0). */
  phoneCell?: PhoneCell | undefined
  variables: Record<string, string>
}

/** Why a row cannot become a recipient; stable strings the add-on shows and branches on. */
export type RowProblem =
  | 'phone_missing'
  | 'phone_invalid'
  | 'phone_ambiguous'
  | 'duplicate_in_request'
  | 'duplicate_in_campaign'
  | 'opted_out'
  | 'variable_missing'
  | 'variable_invalid'

export interface RowRejection {
  rowKey: string
  problem: RowProblem
  /** The variable that is missing, the row key of the earlier duplicate, or the readings of an ambiguous phone. */
  detail: string | null
}

export interface ValidRow {
  rowKey: string
  /** E.164. */
  phone: string
  variables: Record<string, string>
}

export interface RowCheckContext {
  template: Pick<MessageTemplate, 'components' | 'parameterFormat' | 'category'>
  /** Region for numbers written without a country code. */
  defaultCountry: string | null
  /** E.164 numbers of contacts who opted out of marketing. */
  optedOut: ReadonlySet<string>
  /** Numbers already in the campaign, with the row key that holds each. */
  phonesInCampaign: ReadonlyMap<string, string>
}

/**
 * Checks submitted rows, each on its own: a bad row is reported with its key and the
 * problem, and never stops the good ones. Pure: the caller loads opt-outs and the
 * campaign's existing numbers first.
 */
export function checkRows (rows: readonly SubmittedRow[], context: RowCheckContext): { valid: ValidRow[], rejected: RowRejection[] } {
  const valid: ValidRow[] = []
  const rejected: RowRejection[] = []
  const seen = new Map<string, string>()
  for (const row of rows) {
    const reject = (problem: RowProblem, detail: string | null = null): void => { rejected.push({ rowKey: row.rowKey, problem, detail }) }
    const reading = readPhone(row.phone, row.phoneCell ?? 'text', context.defaultCountry, parseValid)
    if (reading.kind === 'missing') {
      reject('phone_missing')
      continue
    }
    if (reading.kind === 'invalid') {
      reject('phone_invalid')
      continue
    }
    if (reading.kind === 'ambiguous') {
      // Never re-home a number: the user picks the reading (a misrouted marketing message is a consent failure).
      reject('phone_ambiguous', reading.readings.join(READINGS_SEPARATOR))
      continue
    }
    const phone = reading.phone
    const earlier = seen.get(phone)
    if (earlier !== undefined) {
      reject('duplicate_in_request', earlier)
      continue
    }
    const holder = context.phonesInCampaign.get(phone)
    if (holder !== undefined && holder !== row.rowKey) {
      reject('duplicate_in_campaign', holder)
      continue
    }
    seen.set(phone, row.rowKey)
    if (context.template.category === 'MARKETING' && context.optedOut.has(phone)) {
      reject('opted_out')
      continue
    }
    const { missing, invalid } = fillTemplate(context.template, row.variables)
    if (missing.length > 0) {
      reject('variable_missing', missing[0]!)
      continue
    }
    if (invalid.length > 0) {
      reject('variable_invalid', invalid[0]!)
      continue
    }
    valid.push({ rowKey: row.rowKey, phone, variables: row.variables })
  }
  return { valid, rejected }
}

/** The backend's parser for readPhone: E.164 of a valid number, else null. */
function parseValid (input: string, defaultCountry: string | null): string | null {
  try {
    return normalisePhone(input, defaultCountry, 'phone')
  } catch (error) {
    if (error instanceof SwitchboardError) return null
    throw error
  }
}
