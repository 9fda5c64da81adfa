/**
 * A workspace id that has been resolved from an authenticated caller. Repository
 * methods take it first; a plain string does not type-check, so a query that forgot
 * its workspace scope does not compile.
 *
 * Kept apart from ids.ts (which uses node:crypto) because the add-ons' type checks read
 * this through the API types and have no Node types.
 */
export type WorkspaceId = string & { readonly __brand: 'WorkspaceId' }

/** Marks a string as an authorised workspace scope. Call only where the caller was authenticated or created it. */
export function asWorkspaceId (id: string): WorkspaceId {
  return id as WorkspaceId
}
