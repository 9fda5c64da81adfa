import type { ColumnRef, HeaderCell, SendSetup, TemplateOption, VariableSource } from './sidebar-protocol.js'

/** The columns the add-on writes, in the order it adds them. The row id comes last and is hidden. */
export const STATUS_FIELDS = ['status', 'sentAt', 'messageId', 'reason', 'reply', 'rowId'] as const
/** One of the columns the add-on writes. */
export type StatusField = typeof STATUS_FIELDS[number]

/** Their headers. A column with one of these headers is used wherever it is. */
export const STATUS_HEADERS: Record<StatusField, string> = {
  status: 'Status',
  sentAt: 'Sent at',
  messageId: 'Message id',
  reason: 'Reason',
  reply: 'Reply',
  rowId: 'Switchboard row id',
}

/** 1-based column of each status field. */
export type StatusColumns = Record<StatusField, number>

/** Where the status columns are, and which must be created. */
export interface StatusLayout {
  columns: StatusColumns
  /** Columns to create: header text at a 1-based column, in ascending order. */
  toAdd: Array<{ field: StatusField, column: number, header: string }>
}

const normalise = (text: string): string => text.trim().toLowerCase().replace(/\s+/g, ' ')

/**
 * Finds the status columns by header and places the missing ones right after the last
 * used column, next to each other, so a write-back usually touches one block.
 */
export function planStatusColumns (headers: readonly string[], lastColumn: number): StatusLayout {
  const found: Partial<StatusColumns> = {}
  headers.forEach((header, i) => {
    const field = STATUS_FIELDS.find((f) => normalise(STATUS_HEADERS[f]) === normalise(header))
    if (field !== undefined && found[field] === undefined) found[field] = i + 1
  })
  const toAdd: StatusLayout['toAdd'] = []
  let next = Math.max(lastColumn, headers.length) + 1
  for (const field of STATUS_FIELDS) {
    if (found[field] !== undefined) continue
    found[field] = next
    toAdd.push({ field, column: next, header: STATUS_HEADERS[field] })
    next++
  }
  return { columns: found as StatusColumns, toAdd }
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

/** Whether a header names a column the add-on manages (never offered as data). */
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
