import type { Template, TemplateVariable } from '../../../apps-script/src/core/api-types.js'
import { BackendError } from '../../../apps-script/src/core/backend-client.js'
import { GMAIL_ERROR_CODES } from './gmail-errors.js'

/**
 * Records a button carries to the card it opens, as JSON in its (string-only) parameters:
 * the next form is drawn without asking the backend again. They hold only what that card
 * shows or sends; ids are checked by the backend on every write, so nothing here is trusted
 * beyond display.
 */

/** A contact as the WhatsApp, note and deal cards need it. */
export interface ContactRef {
  id: string
  name: string
  email: string | null
  /** +digits (WhatsApp id or first phone), or null when the contact has neither. */
  phone: string | null
  company: string | null
  companyId: string | null
  optedOut: boolean
}

/** A deal as the stage card needs it. */
export interface DealRef {
  id: string
  title: string
  pipelineId: string
  stageId: string
}

/** A template as the parameter and preview cards need it. */
export interface TemplateChoice {
  name: string
  language: string
  category: string
  text: string
  variables: Array<Pick<TemplateVariable, 'key' | 'name' | 'kind' | 'example'>>
}

/** Turns a record into a parameter value. */
export function encodeState (value: ContactRef | DealRef | TemplateChoice | ReadonlyArray<Pick<DealRef, 'id' | 'title'>> | Record<string, string>): string {
  return JSON.stringify(value)
}

function stale (): BackendError {
  return new BackendError(GMAIL_ERROR_CODES.staleCard, 'A button parameter could not be read', 0)
}

function parse (text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw stale()
  }
}

const isString = (v: unknown): v is string => typeof v === 'string'
const isNullableString = (v: unknown): v is string | null => v === null || typeof v === 'string'

function record (text: string): Record<string, unknown> {
  const value = parse(text)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw stale()
  return value as Record<string, unknown>
}

/** Reads a ContactRef parameter; throws SB_CLIENT_STALE_CARD when it is not one. */
export function decodeContact (text: string): ContactRef {
  const v = record(text)
  if (!isString(v['id']) || !isString(v['name']) || !isNullableString(v['email']) || !isNullableString(v['phone']) ||
    !isNullableString(v['company']) || !isNullableString(v['companyId']) || typeof v['optedOut'] !== 'boolean') throw stale()
  return { id: v['id'], name: v['name'], email: v['email'], phone: v['phone'], company: v['company'], companyId: v['companyId'], optedOut: v['optedOut'] }
}

/** Reads a DealRef parameter. */
export function decodeDeal (text: string): DealRef {
  const v = record(text)
  if (!isString(v['id']) || !isString(v['title']) || !isString(v['pipelineId']) || !isString(v['stageId'])) throw stale()
  return { id: v['id'], title: v['title'], pipelineId: v['pipelineId'], stageId: v['stageId'] }
}

/** Reads a list of deals (id and title). */
export function decodeDealList (text: string): Array<Pick<DealRef, 'id' | 'title'>> {
  const v = parse(text)
  if (!Array.isArray(v)) throw stale()
  return v.map((d: unknown) => {
    const item = d as Record<string, unknown> | null
    if (item === null || !isString(item['id']) || !isString(item['title'])) throw stale()
    return { id: item['id'], title: item['title'] }
  })
}

/** Reads a TemplateChoice parameter. */
export function decodeTemplate (text: string): TemplateChoice {
  const v = record(text)
  const variables = v['variables']
  if (!isString(v['name']) || !isString(v['language']) || !isString(v['category']) || !isString(v['text']) || !Array.isArray(variables)) throw stale()
  return {
    name: v['name'],
    language: v['language'],
    category: v['category'],
    text: v['text'],
    variables: variables.map((x: unknown) => {
      const item = x as Record<string, unknown> | null
      if (item === null || !isString(item['key']) || !isString(item['name']) || !isString(item['kind']) || !isNullableString(item['example'])) throw stale()
      return { key: item['key'], name: item['name'], kind: item['kind'] as TemplateVariable['kind'], example: item['example'] }
    }),
  }
}

/** Reads a string-to-string map parameter (template values). */
export function decodeValues (text: string): Record<string, string> {
  const v = record(text)
  if (!Object.values(v).every(isString)) throw stale()
  return v as Record<string, string>
}

/** The part of a template the next cards need. */
export function templateChoice (template: Template): TemplateChoice {
  return {
    name: template.name,
    language: template.language,
    category: template.category,
    text: template.text,
    variables: template.variables.map((v) => ({ key: v.key, name: v.name, kind: v.kind, example: v.example })),
  }
}
