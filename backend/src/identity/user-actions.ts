import { SwitchboardError } from '../errors.js'
import { ROLES, type Role } from './access.js'

/**
 * Everything one person can do to another person's account. Each route or web page that
 * targets a user names one of these and asks `authorizeUserAction` before touching it, so
 * the rule below is the only place that decides who may act on whom.
 */
export const USER_ACTIONS = [
  'mint_token', 'revoke_token', 'create', 'rename', 'change_role', 'deactivate', 'reactivate', 'erase', 'reset_password',
] as const
export type UserAction = typeof USER_ACTIONS[number]

export interface UserActionActor {
  userId: string | null
  role: Role
}

export interface UserActionTarget {
  /** Null when the target does not exist yet (`create`). */
  id: string | null
  role: Role
}

export type UserActionDecision = { allowed: true } | { allowed: false, field: string | undefined }

function rank (role: Role): number {
  return ROLES.indexOf(role)
}

/** What a person may do to their own account without managing anyone (every role). */
const SELF_SERVICE: ReadonlySet<UserAction> = new Set(['mint_token', 'revoke_token', 'rename', 'reset_password'])

/**
 * Whether `actor` may do `action` to `target`. Two rules, whatever the route:
 * - never act on someone of a higher role than your own (an admin cannot mint a token for,
 *   rename, deactivate, erase or reset an owner);
 * - never raise anyone, yourself included, above your own role (`newRole` for `create` and
 *   `change_role`).
 * Acting on someone else is managing people: admins and owners only. On yourself, the
 * self-service actions are open to every role; an admin or owner may also step down or
 * deactivate themselves (the last active owner is kept by `SB_USER_LAST_OWNER`), never climb.
 */
export function decideUserAction (actor: UserActionActor, target: UserActionTarget, action: UserAction, newRole?: Role): UserActionDecision {
  const self = actor.userId !== null && target.id === actor.userId
  if (self && SELF_SERVICE.has(action)) return { allowed: true }
  if (rank(actor.role) < rank('admin')) return { allowed: false, field: undefined }
  if (rank(target.role) > rank(actor.role)) return { allowed: false, field: undefined }
  if (newRole !== undefined && rank(newRole) > rank(actor.role)) return { allowed: false, field: 'role' }
  return { allowed: true }
}

/** `decideUserAction`, throwing `SB_AUTH_ROLE_FORBIDDEN` when refused. */
export function authorizeUserAction (actor: UserActionActor, target: UserActionTarget, action: UserAction, newRole?: Role): void {
  const decision = decideUserAction(actor, target, action, newRole)
  if (!decision.allowed) throw new SwitchboardError('SB_AUTH_ROLE_FORBIDDEN', decision.field)
}
