import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.js'
import type { WorkspaceId } from '../ids.js'
import { SwitchboardError } from '../errors.js'
import type { AuditLog } from '../privacy/audit-log.js'
import { DECOY_HASH_PROMISE, hashPassword, verifyPassword } from './passwords.js'
import { generateApiToken, generateSessionId, hashSecret } from './secrets.js'
import { createTokenCache } from './token-cache.js'
import { scopesOfRole, type AuthContext, type Role, type Scope } from './access.js'
import { authorizeUserAction, type UserAction } from './user-actions.js'
import type { UsersRepository, User, UserCredentials } from './users-repository.js'
import type { ApiTokensRepository, ApiToken } from './api-tokens-repository.js'
import type { SessionsRepository } from './sessions-repository.js'
import type { WorkspacesRepository } from './workspaces-repository.js'
import type { GoogleIdentity } from './google-id-token.js'
import { attemptKey, type LoginAttemptsRepository } from './login-attempts-repository.js'

/** Failed attempts allowed before the account locks; each further failure doubles the lock, up to an hour. */
export const LOGIN_ATTEMPTS_BEFORE_LOCK = 5
const MAX_LOCK_MINUTES = 60

export function lockMinutesAfter (failedCount: number): number {
  if (failedCount < LOGIN_ATTEMPTS_BEFORE_LOCK) return 0
  return Math.min(2 ** (failedCount - LOGIN_ATTEMPTS_BEFORE_LOCK), MAX_LOCK_MINUTES)
}

export interface IdentityDeps {
  db: Kysely<Database>
  users: UsersRepository
  apiTokens: ApiTokensRepository
  sessions: SessionsRepository
  loginAttempts: LoginAttemptsRepository
  workspaces: WorkspacesRepository
  audit: AuditLog
  sessionTtlHours: number
  /** The password check; tests count its calls to prove every sign-in pays for one. */
  verifyPassword?: typeof verifyPassword
}

/** Who did it, from where: the audit fields every identity action carries. */
export interface Actor {
  userId: string | null
  tokenId?: string | null
  ip?: string | null
}

/**
 * An actor acting through the API or the web app: their role decides what they may do to
 * other users. Code without a role is the operator (CLI, onboarding), which the rule trusts.
 */
export interface RoleActor extends Actor {
  role?: Role | undefined
}

export function actorOf (auth: AuthContext, ip: string | null): RoleActor {
  return { userId: auth.userId, tokenId: auth.tokenId, ip, role: auth.role }
}

function authorize (actor: RoleActor, target: { id: string | null, role: Role }, action: UserAction, newRole?: Role): void {
  if (actor.role === undefined) return
  authorizeUserAction({ userId: actor.userId, role: actor.role }, target, action, newRole)
}

export function createIdentityService (deps: IdentityDeps) {
  const { db, users, apiTokens, sessions, loginAttempts, workspaces, audit } = deps
  const checkPassword = deps.verifyPassword ?? verifyPassword

  /**
   * Whether a Google account may act as this user: it is of the workspace's allowed domain
   * (the ID token's `hd`) when one is set, and it is the Google account bound to the user,
   * bound now on first use. A second Google account with the same email (an address
   * recycled after its owner left) is refused, as an unknown user would be.
   */
  async function admitGoogle (user: UserCredentials, google: GoogleIdentity, refusal: 'SB_AUTH_UNKNOWN_USER' | 'SB_WEB_OIDC_NO_ACCOUNT'): Promise<void> {
    const allowed = await workspaces.allowedDomain(user.workspaceId)
    if (allowed !== null && google.hostedDomain !== allowed) throw new SwitchboardError(refusal)
    if (user.googleSub === google.subject) return
    if (user.googleSub !== null || !await users.bindGoogleSub(user.workspaceId, user.id, google.subject)) throw new SwitchboardError(refusal)
    await audit.record(user.workspaceId, { action: 'user.google_bound', actorUserId: user.id, targetType: 'user', targetId: user.id, details: {} })
  }
  const tokenCache = createTokenCache()

  function sessionExpiry (from: Date): string {
    return new Date(from.getTime() + deps.sessionTtlHours * 3_600_000).toISOString()
  }

  return {
    /**
     * Password sign-in. Known and unknown emails cannot be told apart: both cost exactly one
     * scrypt check (a decoy hash for unknown emails, and even while locked), both count
     * failures under (email, source address), and both lock after the same number of
     * failures with the same answer. Counting per source means a stranger guessing from
     * elsewhere cannot lock a person out of their own network.
     */
    async login (email: string, password: string, ip: string | null): Promise<{ user: User, sessionId: string, expiresAt: string }> {
      const key = attemptKey(email, ip)
      const [credentials, attempts] = await Promise.all([users.findCredentialsByEmail(email), loginAttempts.get(key)])
      const known = credentials?.passwordHash != null ? credentials : undefined
      const matches = await checkPassword(password, known?.passwordHash ?? await DECOY_HASH_PROMISE)
      const now = new Date()
      if (attempts?.lockedUntil != null && attempts.lockedUntil > now.toISOString()) {
        const retryAfterSeconds = Math.ceil((Date.parse(attempts.lockedUntil) - now.getTime()) / 1000)
        throw new SwitchboardError('SB_AUTH_LOCKED', undefined, { retryAfterSeconds })
      }
      if (known === undefined || !matches) {
        const failed = (attempts?.failedCount ?? 0) + 1
        const lockMinutes = lockMinutesAfter(failed)
        const lockedUntil = lockMinutes === 0 ? null : new Date(now.getTime() + lockMinutes * 60_000).toISOString()
        await loginAttempts.recordFailure(key, failed, lockedUntil)
        if (known !== undefined) {
          const ws = known.workspaceId
          await db.transaction().execute(async (trx) => {
            await audit.record(ws, { action: 'user.login_failed', targetType: 'user', targetId: known.id, ip, details: { failedCount: failed } }, trx)
            if (lockedUntil !== null) {
              await audit.record(ws, { action: 'user.locked', targetType: 'user', targetId: known.id, ip, details: { minutes: lockMinutes } }, trx)
            }
          })
        }
        throw new SwitchboardError('SB_AUTH_INVALID_CREDENTIALS')
      }
      const ws = known.workspaceId
      if (attempts !== undefined) await loginAttempts.clear(key)
      if (known.status !== 'active') throw new SwitchboardError('SB_AUTH_USER_DEACTIVATED')

      const sessionId = generateSessionId()
      const expiresAt = sessionExpiry(now)
      await db.transaction().execute(async (trx) => {
        await users.recordLoginSuccess(ws, known.id, trx)
        await sessions.create(ws, { idHash: hashSecret(sessionId), userId: known.id, expiresAt, now: now.toISOString() }, trx)
        await audit.record(ws, { action: 'user.login', actorUserId: known.id, targetType: 'user', targetId: known.id, ip, details: { method: 'password' } }, trx)
      })
      const user = await users.get(ws, known.id)
      if (user === undefined) throw new SwitchboardError('SB_AUTH_INVALID_CREDENTIALS')
      return { user, sessionId, expiresAt }
    },

    /**
     * Web sign-in through an identity provider that vouched for the email (Google, Microsoft):
     * the same session, login record and audit as a password sign-in, minus the password.
     */
    async loginVerifiedEmail (email: string, method: 'google' | 'microsoft', ip: string | null, google?: GoogleIdentity): Promise<{ user: User, sessionId: string, expiresAt: string }> {
      const credentials = await users.findCredentialsByEmail(email.trim().toLowerCase())
      if (credentials === undefined) throw new SwitchboardError('SB_WEB_OIDC_NO_ACCOUNT')
      if (credentials.status !== 'active') throw new SwitchboardError('SB_AUTH_USER_DEACTIVATED')
      if (google !== undefined) await admitGoogle(credentials, google, 'SB_WEB_OIDC_NO_ACCOUNT')
      const ws = credentials.workspaceId
      const now = new Date()
      const sessionId = generateSessionId()
      const expiresAt = sessionExpiry(now)
      await db.transaction().execute(async (trx) => {
        await users.recordLoginSuccess(ws, credentials.id, trx)
        await sessions.create(ws, { idHash: hashSecret(sessionId), userId: credentials.id, expiresAt, now: now.toISOString() }, trx)
        await audit.record(ws, { action: 'user.login', actorUserId: credentials.id, targetType: 'user', targetId: credentials.id, ip, details: { method } }, trx)
      })
      const user = await users.get(ws, credentials.id)
      if (user === undefined) throw new SwitchboardError('SB_WEB_OIDC_NO_ACCOUNT')
      return { user, sessionId, expiresAt }
    },

    /** Resolves a session cookie; slides its expiry forward at most once a minute to spare writes. */
    async authenticateSession (sessionId: string): Promise<AuthContext | undefined> {
      const now = new Date()
      const idHash = hashSecret(sessionId)
      const session = await sessions.findLive(idHash, now.toISOString())
      if (session === undefined) return undefined
      if (now.getTime() - Date.parse(session.lastSeenAt) > 60_000) {
        await sessions.extend(idHash, now.toISOString(), sessionExpiry(now))
      }
      return { workspaceId: session.workspaceId, userId: session.userId, role: session.role, scopes: new Set(scopesOfRole(session.role)), tokenId: null, via: 'session' }
    },

    async logout (ws: WorkspaceId, sessionId: string, actor: Actor): Promise<void> {
      await sessions.delete(hashSecret(sessionId))
      await audit.record(ws, { action: 'user.logout', actorUserId: actor.userId, ip: actor.ip ?? null })
    },

    /**
     * Resolves a bearer token. Effective scopes are the token's scopes narrowed to the
     * user's current role, so demoting a user takes effect on their tokens at once.
     */
    async authenticateToken (token: string): Promise<AuthContext | undefined> {
      if (!token.startsWith('sbt_') || token.length > 100) return undefined
      const now = Date.now()
      // Keyed by the token itself: a hit then costs no hashing. The token is in this
      // process's memory for the request anyway; it is never stored or logged.
      let cached = tokenCache.get(token, now)
      if (cached === undefined) {
        const owner = await apiTokens.findLiveByHash(hashSecret(token))
        if (owner === undefined) return undefined
        const allowed = new Set(scopesOfRole(owner.role))
        const context: AuthContext = {
          workspaceId: owner.workspaceId,
          userId: owner.userId,
          role: owner.role,
          scopes: new Set(owner.scopes.filter((s) => allowed.has(s))),
          tokenId: owner.tokenId,
          via: 'token',
        }
        tokenCache.set(token, context, owner.lastUsedAt, now)
        cached = tokenCache.get(token, now)!
      }
      // "Last used" is kept to the minute: a write per request would cost more than the request.
      if (cached.lastUsedAt === null || now - Date.parse(cached.lastUsedAt) > 60_000) {
        cached.lastUsedAt = new Date(now).toISOString()
        await apiTokens.touch(cached.context.workspaceId, cached.context.tokenId!, cached.lastUsedAt)
      }
      return cached.context
    },

    /**
     * Resolves a Google-verified email (Gmail add-on) to the active user it names. The
     * add-on acts for the person reading their mail: CRM reading and writing, no admin.
     */
    async authenticateGoogle (google: GoogleIdentity): Promise<AuthContext> {
      const user = await users.findCredentialsByEmail(google.email)
      if (user === undefined || user.status !== 'active') throw new SwitchboardError('SB_AUTH_UNKNOWN_USER')
      await admitGoogle(user, google, 'SB_AUTH_UNKNOWN_USER')
      const scopes = scopesOfRole(user.role).filter((s) => s !== 'admin')
      return { workspaceId: user.workspaceId, userId: user.id, role: user.role, scopes: new Set(scopes), tokenId: null, via: 'google' }
    },

    /**
     * Creates a token for `userId`; the plain token is in the result and nowhere else.
     * Without `scopes` it gets every scope of the user's role, narrowed to `ceiling` when given
     * (a token minting another token passes its own scopes: it may not mint more reach).
     */
    async createToken (ws: WorkspaceId, input: { userId: string, name: string, scopes?: readonly Scope[] | undefined, ceiling?: readonly Scope[] | undefined }, actor: RoleActor): Promise<{ token: string, apiToken: ApiToken }> {
      const user = await users.get(ws, input.userId)
      if (user === undefined || user.status !== 'active') throw new SwitchboardError('SB_USER_NOT_FOUND', 'userId')
      // A token acts with its user's role: minting one for someone above you would be climbing.
      authorize(actor, user, 'mint_token')
      const roleScopes = scopesOfRole(user.role)
      const scopes = input.scopes ?? roleScopes.filter((s) => input.ceiling === undefined || input.ceiling.includes(s))
      if (scopes.some((s) => !roleScopes.includes(s))) throw new SwitchboardError('SB_TOKEN_SCOPE_EXCEEDS_ROLE', 'scopes')
      const generated = generateApiToken()
      const apiToken = await db.transaction().execute(async (trx) => {
        const created = await apiTokens.create(ws, { userId: user.id, name: input.name, prefix: generated.prefix, hash: generated.hash, scopes: [...new Set(scopes)] }, trx)
        await audit.record(ws, {
          action: 'token.created', actorUserId: actor.userId, actorTokenId: actor.tokenId ?? null, ip: actor.ip ?? null,
          targetType: 'token', targetId: created.id, details: { forUser: user.id, scopes: created.scopes.join(' ') },
        }, trx)
        return created
      })
      return { token: generated.token, apiToken }
    },

    /**
     * Revokes a token for the caller: their own, or any in the workspace for an admin.
     * Someone else's token is as invisible to an agent as another workspace's. The API and
     * the web app both revoke through this, so the rule lives in one place.
     */
    async revokeTokenAs (auth: AuthContext, tokenId: string, ip: string | null): Promise<void> {
      const token = await apiTokens.get(auth.workspaceId, tokenId)
      if (token === undefined || (token.userId !== auth.userId && !auth.scopes.has('admin'))) throw new SwitchboardError('SB_TOKEN_NOT_FOUND')
      const owner = await users.get(auth.workspaceId, token.userId)
      if (owner === undefined) throw new SwitchboardError('SB_TOKEN_NOT_FOUND')
      authorize(actorOf(auth, ip), owner, 'revoke_token')
      await this.revokeToken(auth.workspaceId, token.id, actorOf(auth, ip))
    },

    /** Revokes a live token; a token already revoked is a 409 (`SB_TOKEN_ALREADY_REVOKED`), so a retry learns it did nothing. */
    async revokeToken (ws: WorkspaceId, tokenId: string, actor: Actor): Promise<void> {
      await db.transaction().execute(async (trx) => {
        if (!await apiTokens.revoke(ws, tokenId, trx)) throw new SwitchboardError('SB_TOKEN_ALREADY_REVOKED')
        await audit.record(ws, { action: 'token.revoked', actorUserId: actor.userId, actorTokenId: actor.tokenId ?? null, ip: actor.ip ?? null, targetType: 'token', targetId: tokenId }, trx)
      })
      tokenCache.clear()
    },

    /** Adds a user to the workspace; admins may add agents and admins, only owners add owners. */
    async inviteUser (ws: WorkspaceId, input: { email: string, displayName: string, role: Role, password?: string | undefined }, actor: RoleActor): Promise<User> {
      authorize(actor, { id: null, role: input.role }, 'create', input.role)
      const passwordHash = input.password === undefined ? null : await hashPassword(input.password)
      return db.transaction().execute(async (trx) => {
        const user = await users.create(ws, { email: input.email, displayName: input.displayName, role: input.role, passwordHash }, trx)
        await audit.record(ws, { action: 'user.created', actorUserId: actor.userId, actorTokenId: actor.tokenId ?? null, ip: actor.ip ?? null, targetType: 'user', targetId: user.id, details: { role: user.role } }, trx)
        return user
      })
    },

    /**
     * Changes role, status or name, each as its own user action under the one rule.
     * Deactivation ends the user's sessions and revokes their API tokens and add-in sign-ins
     * for good, so reactivating someone never brings an old token back to life. The last
     * active owner cannot be demoted or deactivated.
     */
    async updateUser (ws: WorkspaceId, userId: string, changes: { role?: Role | undefined, status?: 'active' | 'deactivated' | undefined, displayName?: string | undefined }, actor: RoleActor): Promise<User> {
      return db.transaction().execute(async (trx) => {
        const user = await users.get(ws, userId, trx)
        if (user === undefined) throw new SwitchboardError('SB_USER_NOT_FOUND')
        const actions: Array<[UserAction, Role?]> = []
        if (changes.role !== undefined && changes.role !== user.role) actions.push(['change_role', changes.role])
        if (changes.status !== undefined && changes.status !== user.status) actions.push([changes.status === 'deactivated' ? 'deactivate' : 'reactivate'])
        // A change that changes nothing still touches the user: it is judged as a rename, so
        // no one learns anything by "changing" a user they may not change.
        if (changes.displayName !== undefined || actions.length === 0) actions.push(['rename'])
        for (const [action, newRole] of actions) authorize(actor, user, action, newRole)
        const losesOwner = user.role === 'owner' && user.status === 'active' &&
          ((changes.role !== undefined && changes.role !== 'owner') || changes.status === 'deactivated')
        if (losesOwner && await users.countActiveOwners(ws, trx) <= 1) throw new SwitchboardError('SB_USER_LAST_OWNER')

        await users.update(ws, userId, { role: changes.role, status: changes.status, displayName: changes.displayName }, trx)
        const base = { actorUserId: actor.userId, actorTokenId: actor.tokenId ?? null, ip: actor.ip ?? null, targetType: 'user', targetId: userId }
        if (changes.role !== undefined && changes.role !== user.role) {
          await audit.record(ws, { ...base, action: 'user.role_changed', details: { from: user.role, to: changes.role } }, trx)
        }
        if (changes.status !== undefined && changes.status !== user.status) {
          if (changes.status === 'deactivated') {
            await sessions.deleteForUser(ws, userId, trx)
            await apiTokens.revokeAllForUser(ws, userId, trx)
            await trx.updateTable('addin_token_families').set({ revoked_at: new Date().toISOString(), revoked_reason: 'user_deactivated' })
              .where('workspace_id', '=', ws).where('user_id', '=', userId).where('revoked_at', 'is', null).execute()
          }
          await audit.record(ws, { ...base, action: changes.status === 'deactivated' ? 'user.deactivated' : 'user.reactivated' }, trx)
        }
        const updated = await users.get(ws, userId, trx)
        if (updated === undefined) throw new SwitchboardError('SB_USER_NOT_FOUND')
        return updated
      }).finally(() => tokenCache.clear())
    },

    async setPassword (ws: WorkspaceId, userId: string, password: string, actor: RoleActor): Promise<void> {
      const user = await users.get(ws, userId)
      if (user === undefined) throw new SwitchboardError('SB_USER_NOT_FOUND')
      authorize(actor, user, 'reset_password')
      const passwordHash = await hashPassword(password)
      await db.transaction().execute(async (trx) => {
        await users.update(ws, userId, { passwordHash }, trx)
        await sessions.deleteForUser(ws, userId, trx)
        await audit.record(ws, { action: 'user.password_changed', actorUserId: actor.userId, actorTokenId: actor.tokenId ?? null, ip: actor.ip ?? null, targetType: 'user', targetId: userId }, trx)
      })
    },
  }
}

export type IdentityService = ReturnType<typeof createIdentityService>
