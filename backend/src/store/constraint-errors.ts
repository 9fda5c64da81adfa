/**
 * Recognises unique-constraint violations from either engine, so nothing above the
 * repositories needs to know which driver raised them.
 */
export function isUniqueViolation (error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505'
}

/** The constraint or index a unique violation names, to tell which field collided. */
export function violatedConstraint (error: unknown): string {
  const e = error as { constraint?: unknown, message?: unknown }
  if (typeof e.constraint === 'string') return e.constraint
  // SQLite names the columns: "UNIQUE constraint failed: contact_emails.workspace_id, contact_emails.email".
  return typeof e.message === 'string' ? e.message : ''
}

/**
 * A unique or foreign-key violation from either engine: a write that collided with data
 * already stored (or a record deleted under it). Answered as 409 `SB_CONFLICT` wherever a
 * repository did not map it to a more specific code, so a driver's message never reaches
 * anyone.
 */
export function isConflictViolation (error: unknown): boolean {
  if (isUniqueViolation(error)) return true
  const code = (error as { code?: unknown } | null)?.code
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503'
}
