import { CompiledQuery, type Compilable, type Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * Builds and compiles a query once and reruns its SQL with new values. Building and
 * compiling cost more than running a primary-key probe on SQLite, so the add-on hot
 * paths (lookup by email or phone) skip them. `build` receives a marker for each
 * argument and must use each as a bound value; the SQL is whatever the store's dialect
 * compiled, so this stays portable.
 */
export function prepare<Args extends unknown[], Row> (db: Kysely<Database>, arity: Args['length'], build: (...args: Args) => Compilable<Row>): (...args: Args) => Promise<Row[]> {
  const markers = Array.from({ length: arity }, (_, i) => `\u0000arg${i}\u0000`)
  const compiled = build(...(markers as Args)).compile()
  const slots = compiled.parameters.map((p) => markers.indexOf(p as string))
  markers.forEach((_, i) => {
    if (!slots.includes(i)) throw new Error(`prepared query does not bind argument ${i}`)
  })
  return async (...args) => {
    const parameters = compiled.parameters.map((p, j) => slots[j] === -1 ? p : args[slots[j]!])
    const result = await db.executeQuery(CompiledQuery.raw(compiled.sql, parameters) as CompiledQuery<Row>)
    return result.rows
  }
}
