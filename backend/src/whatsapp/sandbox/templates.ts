import type { TemplateDefinitionComponent } from '../cloud-api/types.js'
import type { SandboxTemplateInput } from './seed-templates.js'

/** A stored template (id assigned). */
export interface SandboxTemplate extends SandboxTemplateInput {
  id: string
}

/** A send-time problem, as a Meta error code and its details. */
export interface TemplateProblem {
  code: number
  details: string
}

type Json = Record<string, unknown>

const PLACEHOLDER = /\{\{\s*([a-z0-9_]+)\s*\}\}/g

function placeholders (text: string | undefined): string[] {
  if (text === undefined) return []
  const seen = new Set<string>()
  for (const m of text.matchAll(PLACEHOLDER)) seen.add(m[1] as string)
  return [...seen]
}

function isObject (v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** What a template needs at send time, derived once from its definition. */
interface Expectation {
  header: { kind: 'text', names: string[] } | { kind: 'media', format: string } | undefined
  body: string[]
  bodyText: string
  /** Per button index: its definition type and how many parameters it needs (min, max). */
  buttons: Array<{ type: string, min: number, max: number }>
}

function expectationOf (t: SandboxTemplate): Expectation {
  const find = (type: TemplateDefinitionComponent['type']): TemplateDefinitionComponent | undefined => t.components.find((c) => c.type === type)
  const header = find('HEADER')
  const body = find('BODY')
  const buttons = find('BUTTONS')?.buttons ?? []
  let headerExpectation: Expectation['header']
  if (header !== undefined) {
    if (header.format === undefined || header.format === 'TEXT') {
      const names = placeholders(header.text)
      if (names.length > 0) headerExpectation = { kind: 'text', names }
    } else {
      headerExpectation = { kind: 'media', format: header.format.toLowerCase() }
    }
  }
  return {
    header: headerExpectation,
    body: placeholders(body?.text),
    bodyText: body?.text ?? '',
    buttons: buttons.map((b) => {
      if (b.type === 'URL') return { type: 'url', min: placeholders(b.url).length, max: placeholders(b.url).length }
      if (b.type === 'COPY_CODE') return { type: 'copy_code', min: 1, max: 1 }
      if (b.type === 'QUICK_REPLY') return { type: 'quick_reply', min: 0, max: 1 }
      if (b.type === 'FLOW') return { type: 'flow', min: 0, max: 1 }
      return { type: b.type.toLowerCase(), min: 0, max: 0 }
    }),
  }
}

/**
 * A location header's parameter. Meta: "The location (latitude, longitude, name, address) is
 * specified at send time, not at template creation time"
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/utility-templates/location-templates/).
 * Latitude and longitude are numbers (or numeric strings, as in Meta's examples) within range;
 * name and address are required here: the page lists all four and says nothing of leaving one
 * out (the stricter reading; listed under "to confirm" in the README).
 */
function checkLocation (raw: unknown): TemplateProblem | undefined {
  if (!isObject(raw)) return { code: 131008, details: 'header: the location parameter needs a location object' }
  for (const [field, limit] of [['latitude', 90], ['longitude', 180]] as const) {
    const v = raw[field]
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : Number.NaN
    if (v === undefined) return { code: 131008, details: `header: location.${field} is required` }
    if (!Number.isFinite(n) || Math.abs(n) > limit) return { code: 131009, details: `header: location.${field} must be a number from -${limit} to ${limit}` }
  }
  for (const field of ['name', 'address']) {
    const v = raw[field]
    if (typeof v !== 'string' || v.trim() === '') return { code: 131008, details: `header: location.${field} is required` }
  }
  return undefined
}

function textOf (p: Json): string | undefined {
  if (p['type'] === 'text') return typeof p['text'] === 'string' ? p['text'] : undefined
  if (p['type'] === 'currency') return isObject(p['currency']) && typeof p['currency']['fallback_value'] === 'string' ? p['currency']['fallback_value'] : undefined
  if (p['type'] === 'date_time') return isObject(p['date_time']) && typeof p['date_time']['fallback_value'] === 'string' ? p['date_time']['fallback_value'] : undefined
  return undefined
}

/**
 * Checks text parameters against the placeholders of a header or body. Positional
 * templates take them in order; named ones need every `parameter_name` exactly once.
 * Returns the values by placeholder so the body length can be checked after substitution.
 */
function checkTextParameters (where: string, params: Json[], names: string[], named: boolean): TemplateProblem | Map<string, string> {
  if (params.length !== names.length) {
    return { code: 132000, details: `${where}: expected ${names.length} parameters, got ${params.length}` }
  }
  const values = new Map<string, string>()
  for (const [i, p] of params.entries()) {
    const value = textOf(p)
    if (value === undefined) {
      if (['text', 'currency', 'date_time'].includes(String(p['type']))) return { code: 131008, details: `${where}: parameter ${i + 1} has no value` }
      return { code: 132012, details: `${where}: parameter ${i + 1} must be text, currency or date_time` }
    }
    if (value.trim() === '') return { code: 131008, details: `${where}: parameter ${i + 1} is empty` }
    // Meta answers "(#100) Invalid parameter" with "Param text cannot have new-line/tab characters
    // or more than 4 consecutive spaces" (error-codes page, and the template send reference).
    if (/[\n\r\t]/.test(value) || / {5,}/.test(value)) return { code: 100, details: 'Param text cannot have new-line/tab characters or more than 4 consecutive spaces' }
    if (named) {
      const name = p['parameter_name']
      if (typeof name !== 'string') return { code: 131008, details: `${where}: parameter ${i + 1} needs parameter_name (the template uses named parameters)` }
      if (!names.includes(name)) return { code: 132000, details: `${where}: the template has no parameter named ${name}` }
      if (values.has(name)) return { code: 132000, details: `${where}: parameter ${name} given twice` }
      values.set(name, value)
    } else {
      values.set(names[i] as string, value)
    }
  }
  return values
}

/**
 * Validates a send request's `template` object against the stored templates of the WABA,
 * like Meta: unknown / unapproved / wrong language → 132001, paused → 132015, disabled →
 * 132016, parameter count mismatch → 132000, wrong parameter kind → 132012, body over
 * 1024 characters after substitution → 132005.
 */
export function checkTemplateSend (templates: readonly SandboxTemplate[], raw: unknown): TemplateProblem | SandboxTemplate {
  if (!isObject(raw)) return { code: 131008, details: 'The parameter template is required.' }
  const name = raw['name']
  const language = raw['language']
  if (typeof name !== 'string' || name === '') return { code: 131008, details: 'template.name is required.' }
  if (!isObject(language) || typeof language['code'] !== 'string') return { code: 131008, details: 'template.language.code is required.' }
  const template = templates.find((t) => t.name === name && t.language === language['code'])
  if (template === undefined) {
    const other = templates.some((t) => t.name === name)
    return { code: 132001, details: other ? `template name (${name}) does not exist in ${language['code']}` : `template name (${name}) does not exist` }
  }
  if (template.status === 'PAUSED') return { code: 132015, details: `template ${name} is paused` }
  if (template.status === 'DISABLED') return { code: 132016, details: `template ${name} is disabled` }
  if (template.status !== 'APPROVED') return { code: 132001, details: `template ${name} (${template.language}) is ${template.status}, not APPROVED` }

  const components = raw['components'] ?? []
  if (!Array.isArray(components) || !components.every(isObject)) return { code: 100, details: 'template.components must be an array of objects' }
  const named = template.parameter_format === 'NAMED'
  const expected = expectationOf(template)
  const given = { header: undefined as Json | undefined, body: undefined as Json | undefined, buttons: new Map<number, Json>() }
  for (const c of components) {
    const params = c['parameters'] ?? []
    if (!Array.isArray(params) || !params.every(isObject)) return { code: 100, details: 'component parameters must be an array of objects' }
    if (c['type'] === 'header') given.header = c
    else if (c['type'] === 'body') given.body = c
    else if (c['type'] === 'button') {
      const index = Number(c['index'])
      if (!Number.isInteger(index) || index < 0) return { code: 131009, details: 'button index must be a whole number from 0' }
      given.buttons.set(index, c)
    } else {
      return { code: 131009, details: `unknown component type ${String(c['type'])}` }
    }
  }

  // Header.
  const headerParams = (given.header?.['parameters'] ?? []) as Json[]
  if (expected.header === undefined) {
    if (headerParams.length > 0) return { code: 132000, details: `header: expected 0 parameters, got ${headerParams.length}` }
  } else if (expected.header.kind === 'text') {
    const checked = checkTextParameters('header', headerParams, expected.header.names, named)
    if (!(checked instanceof Map)) return checked
    // A text header holds at most 60 characters (template components reference, header text).
    const header = template.components.find((c) => c.type === 'HEADER')?.text ?? ''
    if (header.replace(PLACEHOLDER, (_m, key: string) => checked.get(key) ?? '').length > 60) return { code: 132005, details: 'header text is longer than 60 characters after substitution' }
  } else {
    if (headerParams.length !== 1) return { code: 132000, details: `header: expected 1 parameter, got ${headerParams.length}` }
    const p = headerParams[0] as Json
    const format = expected.header.format
    if (p['type'] !== format) return { code: 132012, details: `header: expected a ${format} parameter, got ${String(p['type'])}` }
    if (format === 'location') {
      const problem = checkLocation(p['location'])
      if (problem !== undefined) return problem
    } else {
      const media = p[format]
      if (!isObject(media) || (typeof media['link'] !== 'string' && typeof media['id'] !== 'string')) return { code: 131008, details: `header: the ${format} needs a link or an id` }
    }
  }

  // Body.
  const bodyParams = (given.body?.['parameters'] ?? []) as Json[]
  const values = checkTextParameters('body', bodyParams, expected.body, named)
  if (!(values instanceof Map)) return values
  const rendered = expected.bodyText.replace(PLACEHOLDER, (_m, key: string) => values.get(key) ?? '')
  if (rendered.length > 1024) return { code: 132005, details: 'body text is longer than 1024 characters after substitution' }

  // Buttons.
  for (const [index, c] of given.buttons) {
    const button = expected.buttons[index]
    if (button === undefined) return { code: 131009, details: `the template has no button at index ${index}` }
    if (c['sub_type'] !== button.type) return { code: 131009, details: `button ${index} is ${button.type}, not ${String(c['sub_type'])}` }
  }
  for (const [index, button] of expected.buttons.entries()) {
    const params = (given.buttons.get(index)?.['parameters'] ?? []) as Json[]
    if (params.length < button.min || params.length > button.max) {
      return { code: 132000, details: `button ${index}: expected ${button.min === button.max ? button.min : `${button.min}-${button.max}`} parameters, got ${params.length}` }
    }
    for (const p of params) {
      const ok = button.type === 'url' ? p['type'] === 'text' && typeof p['text'] === 'string'
        : button.type === 'copy_code' ? p['type'] === 'coupon_code' && typeof p['coupon_code'] === 'string'
          : button.type === 'quick_reply' ? p['type'] === 'payload' && typeof p['payload'] === 'string'
            : true
      if (!ok) return { code: 132012, details: `button ${index}: wrong parameter type for a ${button.type} button` }
      // Copy-code buttons: the coupon code is at most 15 characters (send-messages reference, coupon_code).
      if (button.type === 'copy_code' && (p['coupon_code'] as string).length > 15) return { code: 131009, details: `button ${index}: coupon_code is longer than 15 characters` }
    }
  }
  return template
}

/** The template as `GET /{waba}/message_templates` lists it. */
export function templateToWire (t: SandboxTemplate): Record<string, unknown> {
  return {
    name: t.name,
    parameter_format: t.parameter_format,
    components: t.components,
    language: t.language,
    status: t.status,
    category: t.category,
    id: t.id,
  }
}
