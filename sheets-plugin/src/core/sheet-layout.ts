import type { ColumnRef, HeaderCell, SendSetup, TemplateOption, VariableSource } from './sidebar-protocol.js'

/** The columns the add-on writes, in the order it adds them. The row id comes last and is hidden. */
export const STATUS_FIELDS = ['status', 'sentAt', 'messageId', 'reason', 'reply', 'rowId'] as const
/** One of the columns the add-on writes. */
export type StatusField = typeof STATUS_FIELDS[number]

/**
 * Their headers: names a user's own columns are unlikely to have. A header alone never makes a
 * column ours (a user's `Status` column is theirs): the add-on's columns carry developer
 * metadata (COLUMN_METADATA_KEY, the field as value), which follows them wherever they move.
 */
export const STATUS_HEADERS: Record<StatusField, string> = {
  status: 'WhatsApp status',
  sentAt: 'WhatsApp sent at',
  messageId: 'WhatsApp message id',
  reason: 'WhatsApp problem',
  reply: 'WhatsApp reply',
  rowId: 'Switchboard row id',
}

/** The developer-metadata key on every column the add-on created; its value is the StatusField. */
export const COLUMN_METADATA_KEY = 'switchboard.column'

/** Whether a metadata value names one of our fields. */
export function isStatusField (value: unknown): value is StatusField {
  return typeof value === 'string' && (STATUS_FIELDS as readonly string[]).includes(value)
}

/** 1-based column of each status field. */
export type StatusColumns = Record<StatusField, number>

/** Where the status columns are, and which must be created. */
export interface StatusLayout {
  columns: StatusColumns
  /** Columns to create: header text at a 1-based column, in ascending order. */
  toAdd: Array<{ field: StatusField, column: number, header: string }>
  /** Columns to mark as ours: the new ones, and an unmarked row-id column from an older version. */
  toMark: Array<{ field: StatusField, column: number }>
}

const normalise = (text: string): string => text.trim().toLowerCase().replace(/\s+/g, ' ')

/**
 * Finds the add-on's columns by their mark (`marked`, from developer metadata) — never by
 * header, so a user's own `Status` column is left alone — and places the missing ones right
 * after the last used column, next to each other, so a write-back usually touches one block.
 * The one exception is the hidden `Switchboard row id` column an older version created without
 * a mark: no user has one, and losing it would give every row a new identity; it is adopted
 * and marked.
 */
export function planStatusColumns (headers: readonly string[], lastColumn: number, marked: Partial<StatusColumns>): StatusLayout {
  const found: Partial<StatusColumns> = {}
  const toMark: StatusLayout['toMark'] = []
  for (const field of STATUS_FIELDS) {
    const column = marked[field]
    if (column !== undefined && column >= 1 && !Object.values(found).includes(column)) found[field] = column
  }
  if (found.rowId === undefined) {
    const legacy = headers.findIndex((h) => normalise(h) === normalise(STATUS_HEADERS.rowId))
    if (legacy !== -1 && !Object.values(found).includes(legacy + 1)) {
      found.rowId = legacy + 1
      toMark.push({ field: 'rowId', column: legacy + 1 })
    }
  }
  const toAdd: StatusLayout['toAdd'] = []
  let next = Math.max(lastColumn, headers.length, ...Object.values(found)) + 1
  for (const field of STATUS_FIELDS) {
    if (found[field] !== undefined) continue
    found[field] = next
    toAdd.push({ field, column: next, header: STATUS_HEADERS[field] })
    toMark.push({ field, column: next })
    next++
  }
  return { columns: found as StatusColumns, toAdd, toMark }
}

/** Runs of adjacent columns, each as [first, last] (1-based, inclusive), in ascending order. */
export function columnBlocks (columns: readonly number[]): Array<[number, number]> {
  const sorted = [...new Set(columns)].sort((a, b) => a - b)
  const blocks: Array<[number, number]> = []
  for (const column of sorted) {
    const last = blocks[blocks.length - 1]
    if (last !== undefined && column === last[1] + 1) last[1] = column
    else blocks.push([column, column])
  }
  return blocks
}

/** Whether a header is one the add-on gives its columns (not offered as data; a user's `Status` is). */
export function isStatusHeader (header: string): boolean {
  return STATUS_FIELDS.some((f) => normalise(STATUS_HEADERS[f]) === normalise(header))
}

const PHONE_WORDS = /(whats\s?app|phone|mobile|móvil|movil|cell|celular|telefone|teléfono|telefono|tel\b|handy|numéro|numero|number|número)/i

const slug = (text: string): string => text.trim().toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '')

/**
 * Guesses the phone column and a column per template variable from header names: a header
 * equal to the variable's name (`First name` ↔ first_name), its key (`body.1`), or `{{1}}`;
 * `image`, `media` or `photo` for a media header. Unmatched variables stay unmapped.
 */
export function guessMapping (headers: readonly HeaderCell[], template: TemplateOption | undefined): { phone: ColumnRef | null, variables: Record<string, VariableSource> } {
  const data = headers.filter((h) => h.name.trim() !== '' && !isStatusHeader(h.name))
  const exactPhone = data.find((h) => /^(phone|whatsapp|mobile|phone number|whatsapp number|mobile number)$/i.test(h.name.trim()))
  const phoneHeader = exactPhone ?? data.find((h) => PHONE_WORDS.test(h.name))
  const variables: Record<string, VariableSource> = {}
  for (const variable of template?.variables ?? []) {
    const wanted = new Set([slug(variable.name), slug(variable.key), slug(`{{${variable.name}}}`)])
    if (variable.kind !== 'text') ['image', 'media', 'photo', 'picture', 'video', 'document', 'file'].forEach((w) => wanted.add(w))
    const match = data.find((h) => h !== phoneHeader && (wanted.has(slug(h.name)) || slug(h.name) === `${variable.component}_${slug(variable.name)}`))
    if (match !== undefined) variables[variable.key] = { kind: 'column', column: match.column, header: match.name }
  }
  return { phone: phoneHeader === undefined ? null : { column: phoneHeader.column, header: phoneHeader.name }, variables }
}

/** A setup for this sheet: the saved one when it still fits the headers, else a guess. */
export function setupFor (options: {
  sheetId: number
  headerRow: number
  headers: readonly HeaderCell[]
  templates: readonly TemplateOption[]
  saved: SendSetup | null
  defaultName: string
}): SendSetup | null {
  const { saved, templates } = options
  if (saved !== null && saved.sheetId === options.sheetId && saved.headerRow === options.headerRow &&
    templates.some((t) => t.name === saved.template.name && t.language === saved.template.language)) {
    return saved
  }
  const template = templates[0]
  if (template === undefined) return null
  const guess = guessMapping(options.headers, template)
  return {
    sheetId: options.sheetId,
    headerRow: options.headerRow,
    template: { name: template.name, language: template.language },
    phone: guess.phone ?? { column: 0, header: '' },
    variables: guess.variables,
    campaignName: options.defaultName,
  }
}

/**
 * Where a chosen column is now: at its position when the header still matches, else
 * wherever that header moved to (someone inserted a column). Null when it is gone.
 */
export function resolveColumn (ref: ColumnRef, headers: readonly string[]): number | null {
  if (ref.column >= 1 && normalise(headers[ref.column - 1] ?? '') === normalise(ref.header)) return ref.column
  const index = headers.findIndex((h) => normalise(h) === normalise(ref.header))
  return index === -1 ? null : index + 1
}
