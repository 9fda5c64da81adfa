import type { WorkspaceId } from '../workspace-id.js'

export const ROLES = ['agent', 'admin', 'owner'] as const
export type Role = typeof ROLES[number]

/**
 * What a caller may do. Web sessions get every scope of their role; API tokens carry a
 * subset chosen at creation, so a token pasted into a sheet can be limited to CRM work.
 */
export const SCOPES = ['crm:read', 'crm:write', 'admin'] as const
export type Scope = typeof SCOPES[number]

const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  agent: ['crm:read', 'crm:write'],
  admin: ['crm:read', 'crm:write', 'admin'],
  owner: ['crm:read', 'crm:write', 'admin'],
}

export function scopesOfRole (role: Role): readonly Scope[] {
  return ROLE_SCOPES[role]
}

/** True when `role` is at least `minimum` (agent < admin < owner). */
export function roleAtLeast (role: Role, minimum: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(minimum)
}

/** The authenticated caller, resolved once per request. */
export interface AuthContext {
  workspaceId: WorkspaceId
  userId: string
  role: Role
  /** Effective scopes: the token's scopes, narrowed to what the user's current role allows. */
  scopes: ReadonlySet<Scope>
  tokenId: string | null
  /** token: a personal API token; session: the web app's cookie; google: a Gmail add-on's Google ID token; addin: an Outlook add-in sign-in. */
  via: 'token' | 'session' | 'google' | 'addin'
}

/** What a route demands of its caller; declared in the route's `config.access`. */
export interface AccessRule {
  scope: Scope
  /** Minimum role, for actions tied to the person rather than the token (changing roles). */
  role?: Role
}
