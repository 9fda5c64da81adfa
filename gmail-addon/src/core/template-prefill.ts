import type { TemplateVariable } from '../../../apps-script/src/core/api-types.js'

/** What a template can be prefilled from: the contact as Switchboard knows them. */
export interface PrefillSource {
  name: string
  email: string | null
  phone: string | null
  company: string | null
}

type Source = (contact: PrefillSource) => string | null

const firstName: Source = (c) => c.name.trim().split(/\s+/)[0] ?? null
const lastName: Source = (c) => {
  const words = c.name.trim().split(/\s+/)
  return words.length > 1 ? words.slice(1).join(' ') : null
}

// Variable names as template authors write them (the sandbox's seeds and Meta's samples use
// first_name and customer_name), in English and the languages our templates come in.
const SOURCES: Record<string, Source> = {
  first_name: firstName,
  firstname: firstName,
  first: firstName,
  given_name: firstName,
  nombre: firstName,
  prenom: firstName,
  vorname: firstName,
  last_name: lastName,
  lastname: lastName,
  surname: lastName,
  family_name: lastName,
  name: (c) => c.name,
  full_name: (c) => c.name,
  fullname: (c) => c.name,
  customer_name: (c) => c.name,
  client_name: (c) => c.name,
  contact_name: (c) => c.name,
  company: (c) => c.company,
  company_name: (c) => c.company,
  business: (c) => c.company,
  business_name: (c) => c.company,
  organisation: (c) => c.company,
  organization: (c) => c.company,
  email: (c) => c.email,
  email_address: (c) => c.email,
  phone: (c) => c.phone,
  phone_number: (c) => c.phone,
  whatsapp: (c) => c.phone,
}

/** A variable's name as a lookup key: "First Name" and "first-name" both become first_name. */
function key (name: string): string {
  return name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '')
}

/**
 * The value a text variable starts with, from the contact's fields; null when its name says
 * nothing we know (positional {{1}}, discount, expiry…): the person types those.
 */
export function prefillValue (variable: Pick<TemplateVariable, 'name' | 'kind'>, contact: PrefillSource): string | null {
  if (variable.kind !== 'text') return null
  const source = SOURCES[key(variable.name)]
  const value = source?.(contact) ?? null
  return value === null || value.trim() === '' ? null : value
}

/** Every variable's starting value, by key; variables without one are left out. */
export function prefillValues (variables: ReadonlyArray<Pick<TemplateVariable, 'key' | 'name' | 'kind'>>, contact: PrefillSource): Record<string, string> {
  const values: Record<string, string> = {}
  for (const v of variables) {
    const value = prefillValue(v, contact)
    if (value !== null) values[v.key] = value
  }
  return values
}
