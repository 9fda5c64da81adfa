import type { TSchema } from 'typebox'
import { EVENT_CATALOG, type Carried, type EventDefinition } from '../events/catalog.js'
import { DATA_CATEGORIES, INVENTORY_TABLES, resolvedColumns, type DataCategory, type Origin } from './data-inventory.js'

/**
 * What each outbound webhook event carries, field by field, resolved against the data
 * inventory: the stored columns a field is drawn from give its categories. The /privacy
 * page publishes it, and `eventInventoryProblems` holds the rules a test enforces: every
 * field of every event is declared, from columns that exist, and no event carries a
 * credential or Google- or Microsoft-derived data (Limited Use: those never leave for
 * another tool through an event).
 */

export interface CarriedField {
  /** Dotted path into the event's `data`. */
  path: string
  /** `table.column`s it is drawn from; empty for a value worked out when the event is made. */
  from: string[]
  categories: DataCategory[]
  origin: Origin | undefined
  computed: string | undefined
}

export interface EventDeclaration {
  type: string
  description: string
  fields: CarriedField[]
}

const FORBIDDEN_CATEGORIES: ReadonlySet<DataCategory> = new Set(['credentials', 'google_derived', 'microsoft_derived'])

function columnOf (ref: string): { table: string, column: string } | undefined {
  const [table, column, ...rest] = ref.split('.')
  return table === undefined || column === undefined || rest.length > 0 ? undefined : { table, column }
}

function resolved (ref: string) {
  const at = columnOf(ref)
  return at === undefined ? undefined : resolvedColumns(at.table).find((c) => c.name === at.column)
}

function field (path: string, carried: Carried): CarriedField {
  if (typeof carried === 'object' && 'computed' in carried) return { path, from: [], categories: [carried.category], origin: undefined, computed: carried.computed }
  const from = typeof carried === 'string' ? [carried] : typeof carried.from === 'string' ? [carried.from] : [...carried.from]
  const categories = [...new Set(from.map((ref) => resolved(ref)?.category).filter((c): c is DataCategory => c !== undefined))]
  return { path, from, categories, origin: typeof carried === 'object' ? carried.origin : undefined, computed: undefined }
}

/** A catalog of event definitions: the real one, or a test's. */
export type Catalog = Readonly<Record<string, EventDefinition>>

/** Every event with its fields and their categories. */
export function eventInventory (catalog: Catalog = EVENT_CATALOG as unknown as Catalog): EventDeclaration[] {
  return Object.entries(catalog).map(([type, definition]) => ({
    type,
    description: definition.description,
    fields: Object.entries(definition.carries as Record<string, Carried>).map(([path, carried]) => field(path, carried)),
  }))
}

/** The categories an event carries, for the published policy. */
export function eventCategories (declaration: EventDeclaration): DataCategory[] {
  return [...new Set(declaration.fields.flatMap((f) => f.categories))].sort((a, b) => Object.keys(DATA_CATEGORIES).indexOf(a) - Object.keys(DATA_CATEGORIES).indexOf(b))
}

/** The leaf paths of a data schema: an object's properties are walked into, as is the object of a nullable object. */
export function schemaLeafPaths (schema: TSchema, prefix = ''): string[] {
  const raw = schema as { type?: unknown, properties?: Record<string, TSchema>, anyOf?: TSchema[] }
  const object = raw.properties !== undefined ? raw : raw.anyOf?.find((s) => (s as { properties?: unknown }).properties !== undefined) as typeof raw | undefined
  if (object?.properties === undefined) return [prefix]
  return Object.entries(object.properties).flatMap(([key, child]) => schemaLeafPaths(child, prefix === '' ? key : `${prefix}.${key}`))
}

/** Everything wrong with the declarations; empty when every rule holds. */
export function eventInventoryProblems (catalog: Catalog = EVENT_CATALOG as unknown as Catalog): string[] {
  const problems: string[] = []
  const tables = new Map(INVENTORY_TABLES.map(([name, decl]) => [name, decl]))
  for (const declaration of eventInventory(catalog)) {
    const { type } = declaration
    const declared = new Set(declaration.fields.map((f) => f.path))
    const leaves = schemaLeafPaths(catalog[type]!.data)
    for (const leaf of leaves) if (!declared.has(leaf)) problems.push(`${type}: data.${leaf} is sent but not declared in carries`)
    for (const path of declared) if (!leaves.includes(path)) problems.push(`${type}: carries declares ${path}, which the data schema does not have`)
    for (const f of declaration.fields) {
      if (f.computed !== undefined) continue
      if (f.from.length === 0) problems.push(`${type}: ${f.path} names no column`)
      for (const ref of f.from) {
        const at = columnOf(ref)
        const column = resolved(ref)
        if (at === undefined || column === undefined) { problems.push(`${type}: ${f.path} comes from ${ref}, which is not an inventory column`); continue }
        if (FORBIDDEN_CATEGORIES.has(column.category)) problems.push(`${type}: ${f.path} would carry ${column.category} data (${ref})`)
        if (column.derived) {
          const allowed = tables.get(at.table)?.origins ?? []
          if (f.origin === undefined) problems.push(`${type}: ${f.path} comes from ${ref}, which may be Google- or Microsoft-derived: declare the origin of the rows it reads`)
          else if (f.origin === 'google' || f.origin === 'microsoft') problems.push(`${type}: ${f.path} carries ${f.origin}-derived data (${ref})`)
          else if (!allowed.includes(f.origin)) problems.push(`${type}: ${f.path} declares origin ${f.origin}, which ${at.table} never has`)
        }
      }
    }
  }
  return problems
}
