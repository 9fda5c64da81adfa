/**
 * Reads a verified webhook body into the events Switchboard acts on. The signature proves
 * the bytes came from Meta, not that every field has the shape the reference shows: a
 * newer Graph version, a field we do not subscribe to or a half-filled object must cost
 * one skipped item, never the batch. Pure: no store, no clock except for conversions.
 */

import { storableText } from '../../text-safety.js'
import { readAccountUpdate, readNumberLimit, type AccountItem, type NumberLimitItem } from './account-envelope.js'

export type { AccountItem, NumberLimitItem }

/** A delivery status of a message the business sent, as `messages.applyStatus` takes it. */
export interface StatusItem {
  kind: 'status'
  phoneNumberId: string
  wamid: string
  status: string
  recipientId: string
  occurredAt: string
  errorCode: number | null
  errorTitle: string | null
  bizOpaqueCallbackData: string | null
}

/** A message a user sent to one of the business's numbers. */
export interface InboundItem {
  kind: 'inbound'
  phoneNumberId: string
  wamid: string
  /** The user's WhatsApp id: digits, no `+`. */
  waId: string
  /** The WhatsApp profile name from `value.contacts`, when Meta sent one. */
  profileName: string | undefined
  type: string
  /** What the thread shows: the text, the tapped button's text or title, a caption, or `[image]`. */
  body: string | null
  /** What the user typed, for keyword opt-out (text messages only). */
  text: string | undefined
  /** A quick-reply payload or interactive reply id, for opt-out payloads such as STOP. */
  payload: string | undefined
  /** The business message this one answers (quick replies and interactive replies carry it). */
  contextWamid: string | null
  sentAt: string
}

/** A user stopped or resumed marketing messages (`user_preferences`). */
export interface PreferenceItem {
  kind: 'preference'
  phoneNumberId: string
  waId: string
  profileName: string | undefined
  value: 'stop' | 'resume'
  at: string
}

/** Meta reviewed a template (`message_template_status_update`). */
export interface TemplateItem {
  kind: 'template'
  /** `entry.id`: the WABA, which names the workspace. */
  wabaId: string
  templateId: string
  name: string | undefined
  language: string | undefined
  event: string
}

/** One thing a webhook tells us, ready to apply. */
export type WebhookItem = StatusItem | InboundItem | PreferenceItem | TemplateItem | NumberLimitItem | AccountItem

/**
 * Why part of an envelope was not used. Only positions, field names and Meta's codes:
 * never a value from the payload, so these can be logged.
 */
export interface SkippedPart {
  where: string
  reason: string
  /** Meta's error codes when the part was an `errors[]` report. */
  codes?: number[]
}

/** What `readEnvelope` found: the usable items in order, and what it skipped. */
export interface ReadEnvelope {
  items: WebhookItem[]
  skipped: SkippedPart[]
}

type Json = Record<string, unknown>

function isObject (value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function nonEmptyString (value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function arrayOf (value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined
}

const WA_ID = /^\d{5,20}$/
// Meta's ids are digits, but wamids are base64 with a prefix: allow the URL-safe and standard alphabets.
const ID = /^[\w.=+/-]{1,200}$/

/** Unix seconds (a string in statuses and messages, a number in preferences) as ISO-8601; undefined when unreadable. */
export function unixToIso (value: unknown): string | undefined {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,12}$/.test(value) ? Number(value) : NaN
  if (!Number.isInteger(seconds) || seconds <= 0) return undefined
  const date = new Date(seconds * 1000)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

const MEDIA = new Set(['image', 'video', 'audio', 'document', 'sticker'])

/** The text a thread shows for an inbound message; null when the type carries none we know. */
function bodyOf (message: Json, type: string): string | null {
  const part = message[type]
  switch (type) {
    case 'text':
      return isObject(part) && typeof part['body'] === 'string' ? part['body'] : null
    case 'button':
      return isObject(part) && typeof part['text'] === 'string' ? part['text'] : null
    case 'interactive': {
      if (!isObject(part)) return null
      const reply = part['button_reply'] ?? part['list_reply']
      return isObject(reply) && typeof reply['title'] === 'string' ? reply['title'] : null
    }
    default:
      if (MEDIA.has(type)) {
        const caption = isObject(part) ? nonEmptyString(part['caption']) : undefined
        return caption ?? `[${type}]`
      }
      return `[${type}]`
  }
}

function payloadOf (message: Json, type: string): string | undefined {
  const part = message[type]
  if (!isObject(part)) return undefined
  if (type === 'button') return nonEmptyString(part['payload'])
  if (type === 'interactive') {
    const reply = part['button_reply'] ?? part['list_reply']
    return isObject(reply) ? nonEmptyString(reply['id']) : undefined
  }
  return undefined
}

function profileNames (value: Json): Map<string, string> {
  const names = new Map<string, string>()
  for (const contact of arrayOf(value['contacts']) ?? []) {
    if (!isObject(contact)) continue
    const waId = nonEmptyString(contact['wa_id'])
    const profile = contact['profile']
    const name = isObject(profile) ? nonEmptyString(profile['name']) : undefined
    if (waId !== undefined && name !== undefined) names.set(waId, name)
  }
  return names
}

function readStatus (raw: unknown, phoneNumberId: string, where: string, out: ReadEnvelope): void {
  if (!isObject(raw)) return void out.skipped.push({ where, reason: 'not an object' })
  const wamid = nonEmptyString(raw['id'])
  const status = nonEmptyString(raw['status'])
  const occurredAt = unixToIso(raw['timestamp'])
  if (wamid === undefined || !ID.test(wamid)) return void out.skipped.push({ where, reason: 'id' })
  if (status === undefined || !/^[a-z_]{1,40}$/.test(status)) return void out.skipped.push({ where, reason: 'status' })
  if (occurredAt === undefined) return void out.skipped.push({ where, reason: 'timestamp' })
  const firstError = arrayOf(raw['errors'])?.[0]
  const errorCode = isObject(firstError) && Number.isInteger(firstError['code']) ? firstError['code'] as number : null
  const errorTitle = isObject(firstError) && typeof firstError['title'] === 'string' ? firstError['title'].slice(0, 500) : null
  const callback = raw['biz_opaque_callback_data']
  out.items.push({
    kind: 'status',
    phoneNumberId,
    wamid,
    status,
    recipientId: typeof raw['recipient_id'] === 'string' ? raw['recipient_id'] : '',
    occurredAt,
    errorCode,
    errorTitle,
    bizOpaqueCallbackData: typeof callback === 'string' ? callback : null,
  })
}

function readMessage (raw: unknown, phoneNumberId: string, names: Map<string, string>, where: string, out: ReadEnvelope): void {
  if (!isObject(raw)) return void out.skipped.push({ where, reason: 'not an object' })
  const wamid = nonEmptyString(raw['id'])
  const waId = nonEmptyString(raw['from'])
  const type = nonEmptyString(raw['type'])
  const sentAt = unixToIso(raw['timestamp'])
  if (wamid === undefined || !ID.test(wamid)) return void out.skipped.push({ where, reason: 'id' })
  if (waId === undefined || !WA_ID.test(waId)) return void out.skipped.push({ where, reason: 'from' })
  if (type === undefined || !/^[a-z_]{1,40}$/.test(type)) return void out.skipped.push({ where, reason: 'type' })
  if (sentAt === undefined) return void out.skipped.push({ where, reason: 'timestamp' })
  const context = raw['context']
  const contextWamid = isObject(context) ? nonEmptyString(context['id']) ?? null : null
  const text = type === 'text' ? bodyOf(raw, type) ?? undefined : undefined
  out.items.push({
    kind: 'inbound',
    phoneNumberId,
    wamid,
    waId,
    profileName: names.get(waId),
    type,
    body: bodyOf(raw, type),
    text,
    payload: payloadOf(raw, type),
    contextWamid,
    sentAt,
  })
}

function readPreference (raw: unknown, phoneNumberId: string, names: Map<string, string>, where: string, out: ReadEnvelope): void {
  if (!isObject(raw)) return void out.skipped.push({ where, reason: 'not an object' })
  const waId = nonEmptyString(raw['wa_id'])
  const value = raw['value']
  const at = unixToIso(raw['timestamp'])
  if (waId === undefined || !WA_ID.test(waId)) return void out.skipped.push({ where, reason: 'wa_id' })
  // Only marketing consent exists today; another category must not flip it.
  if (raw['category'] !== 'marketing_messages') return void out.skipped.push({ where, reason: 'category' })
  if (value !== 'stop' && value !== 'resume') return void out.skipped.push({ where, reason: 'value' })
  if (at === undefined) return void out.skipped.push({ where, reason: 'timestamp' })
  out.items.push({ kind: 'preference', phoneNumberId, waId, profileName: names.get(waId), value, at })
}

function readTemplate (value: Json, wabaId: string, where: string, out: ReadEnvelope): void {
  const rawId = value['message_template_id']
  const templateId = typeof rawId === 'number' && Number.isSafeInteger(rawId) ? String(rawId) : nonEmptyString(rawId)
  const event = nonEmptyString(value['event'])
  if (templateId === undefined || !/^\d{1,30}$/.test(templateId)) return void out.skipped.push({ where, reason: 'message_template_id' })
  if (event === undefined || !/^[A-Z_]{1,40}$/.test(event)) return void out.skipped.push({ where, reason: 'event' })
  out.items.push({
    kind: 'template',
    wabaId,
    templateId,
    name: nonEmptyString(value['message_template_name']),
    language: nonEmptyString(value['message_template_language']),
    event,
  })
}

function readChange (raw: unknown, wabaId: string, where: string, out: ReadEnvelope): void {
  if (!isObject(raw)) return void out.skipped.push({ where, reason: 'not an object' })
  const field = raw['field']
  const value = raw['value']
  if (!isObject(value)) return void out.skipped.push({ where, reason: 'value' })
  if (field === 'message_template_status_update') return readTemplate(value, wabaId, where, out)
  if (field === 'phone_number_quality_update' || field === 'account_update') {
    const item = field === 'account_update' ? readAccountUpdate(value, wabaId) : readNumberLimit(value, wabaId)
    return void (typeof item === 'string' ? out.skipped.push({ where, reason: item }) : out.items.push(item))
  }
  if (field !== 'messages' && field !== 'user_preferences') {
    // business_capability_update, message_template_quality_update, …: not acted on here.
    return void out.skipped.push({ where, reason: `field ${typeof field === 'string' && /^[a-z_]{1,60}$/.test(field) ? field : 'unknown'}` })
  }
  const metadata = value['metadata']
  const phoneNumberId = isObject(metadata) ? nonEmptyString(metadata['phone_number_id']) : undefined
  if (phoneNumberId === undefined || !/^\d{1,30}$/.test(phoneNumberId)) return void out.skipped.push({ where, reason: 'metadata.phone_number_id' })
  const names = profileNames(value)
  if (field === 'user_preferences') {
    const preferences = arrayOf(value['user_preferences'])
    if (preferences === undefined) return void out.skipped.push({ where, reason: 'user_preferences' })
    preferences.forEach((p, i) => readPreference(p, phoneNumberId, names, `${where}.user_preferences[${i}]`, out))
    return
  }
  arrayOf(value['statuses'])?.forEach((s, i) => readStatus(s, phoneNumberId, `${where}.statuses[${i}]`, out))
  arrayOf(value['messages'])?.forEach((m, i) => readMessage(m, phoneNumberId, names, `${where}.messages[${i}]`, out))
  const errors = arrayOf(value['errors'])
  if (errors !== undefined && errors.length > 0) {
    // System or app level errors about the number: nothing to store, but operators need the codes.
    const codes = errors.map((e) => isObject(e) && Number.isInteger(e['code']) ? e['code'] as number : -1)
    out.skipped.push({ where: `${where}.errors`, reason: 'meta reported errors', codes })
  }
}

/**
 * Every status, inbound message, preference and template event in a webhook body, in the
 * order Meta wrote them (all entries, all changes, not just the first), plus what was
 * skipped and why. Never throws: a body that is not JSON is one skipped part.
 */
/** A JSON escape that can decode to NUL or half of a surrogate pair. */
const UNSAFE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/

export function readEnvelope (body: string): ReadEnvelope {
  const out: ReadEnvelope = { items: [], skipped: [] }
  let parsed: unknown
  try {
    // Meta's texts and profile names are whatever users typed, and JSON lets them carry
    // NUL (\u0000) and lone surrogates: replaced by U+FFFD so every store can hold them.
    // The inbox keeps the raw body as received, for audit. Only bodies with such escapes
    // pay for the reviver.
    parsed = UNSAFE_ESCAPE.test(body) ? JSON.parse(body, (_key, value: unknown) => typeof value === 'string' ? storableText(value) : value) : JSON.parse(body)
  } catch {
    // The parser's message quotes the body; the reason alone is enough.
    out.skipped.push({ where: 'body', reason: 'not JSON' })
    return out
  }
  if (!isObject(parsed) || parsed['object'] !== 'whatsapp_business_account') {
    out.skipped.push({ where: 'body', reason: 'object is not whatsapp_business_account' })
    return out
  }
  const entries = arrayOf(parsed['entry'])
  if (entries === undefined) {
    out.skipped.push({ where: 'entry', reason: 'not an array' })
    return out
  }
  entries.forEach((entry, e) => {
    const where = `entry[${e}]`
    if (!isObject(entry)) return void out.skipped.push({ where, reason: 'not an object' })
    const wabaId = nonEmptyString(entry['id'])
    const changes = arrayOf(entry['changes'])
    if (wabaId === undefined || !/^\d{1,30}$/.test(wabaId)) return void out.skipped.push({ where, reason: 'id' })
    if (changes === undefined) return void out.skipped.push({ where, reason: 'changes' })
    changes.forEach((change, c) => readChange(change, wabaId, `${where}.changes[${c}]`, out))
  })
  return out
}
