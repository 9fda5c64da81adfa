import { Type } from 'typebox'

/** Where a record came from (api, web, gmail, outlook, sheets, whatsapp): provenance for Limited Use. */
export const SourceSchema = Type.String({ description: 'Where the record came from: api, web, gmail, outlook, sheets, whatsapp' })

/** Free-text search as typed by a person; `description` says what it matches. */
export function SearchText (description: string) {
  return Type.String({ minLength: 1, maxLength: 200, description })
}
