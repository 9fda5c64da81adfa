import { Type, type Static, type TProperties, type TObject, type TSchema, type TUnsafe } from 'typebox'

/** An object schema that rejects unknown properties, so a misspelt field is a 400 naming it, not silently dropped. */
export function StrictObject<T extends TProperties> (properties: T, options: { description?: string } = {}): TObject<T> {
  return Type.Object(properties, { ...options, additionalProperties: false })
}

/**
 * `T` or null: how the API says "no value" (absent fields mean "unchanged" in PATCH
 * bodies). Primitive and enum schemas become `type: [t, 'null']` / `enum: [..., null]`
 * rather than `anyOf`: fast-json-stringify serialises an `anyOf` by running a validator
 * on every value, which costs several microseconds per field on the hot paths.
 */
export function Nullable<T extends TSchema> (schema: T): TUnsafe<Static<T> | null> {
  const raw = schema as unknown as Record<string, unknown>
  if (typeof raw['type'] === 'string' && raw['type'] !== 'object' && raw['type'] !== 'array') {
    return Type.Unsafe<Static<T> | null>({ ...raw, type: [raw['type'], 'null'] })
  }
  if (raw['type'] === undefined && Array.isArray(raw['enum'])) {
    return Type.Unsafe<Static<T> | null>({ ...raw, enum: [...raw['enum'], null] })
  }
  return Type.Unsafe<Static<T> | null>(Type.Union([schema, Type.Null()]))
}

export const IdSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z]{2,3}_[0-9a-z]{26}$' })

export const IdParamsSchema = StrictObject({ id: IdSchema })

export const EmailSchema = Type.String({ minLength: 3, maxLength: 254, format: 'email' })

export const TimestampSchema = Type.String({ format: 'date-time' })

export const NameSchema = Type.String({ minLength: 1, maxLength: 200 })

/** The one error body every 4xx and 5xx carries. */
export const ErrorSchema = Type.Object({
  code: Type.String({ description: 'Stable machine-readable code, see docs/errors.md' }),
  message: Type.String({ description: 'Constant human-readable text for the code' }),
  field: Type.Optional(Type.String({ description: 'The request field at fault, as a path such as emails/0' })),
  detail: Type.Optional(Type.String({ description: 'What is wrong with the field, from the schema (never echoes the input)' })),
  existingId: Type.Optional(Type.String({ description: 'For duplicates: the id of the record that already holds the value' })),
})
export type ErrorBody = Static<typeof ErrorSchema>

/** Responses every authenticated route can give besides its own. */
export const COMMON_ERROR_RESPONSES = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  429: ErrorSchema,
} as const

export const PageQuerySchema = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
}

/** A page of results; `nextCursor` is null on the last page. */
export function PageSchema<T extends TObject> (item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) })
}
