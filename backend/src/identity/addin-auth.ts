import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.js'
import { asWorkspaceId, type WorkspaceId } from '../ids.js'
import { SwitchboardError } from '../errors.js'
import type { AuditLog } from '../privacy/audit-log.js'
import { scopesOfRole, type AuthContext } from './access.js'
import { hashSecret } from './secrets.js'

/**
 * Sign-in for first-party add-in clients (authorization code + PKCE S256, RFC 7636 and the
 * OAuth 2.1 draft): the add-in opens our sign-in page in an Office dialog, the page
 * redirects to the add-in's own page with a code, which the add-in exchanges for a
 * short-lived access token and a refresh token.
 *
 * Several panes run at once (a pinned pane and a popped-out message, desktop and web), and
 * each has its own in-memory copy of roaming settings
 * (https://learn.microsoft.com/office/dev/add-ins/outlook/metadata-for-an-outlook-add-in:
 * "Changes to this data are stored on an in-memory copy of those settings for the current
 * Outlook session"), so they cannot share one rotating token. A code buys a sign-in: its
 * token stays in roaming settings and is never rotated, and each pane instance trades it for
 * a token family of its own (`grantType: 'sign_in'`). A family's refresh token rotates on
 * every use; presented again within REFRESH_GRACE_MS (a lost answer, retried) it answers with
 * the successor it already issued; later, it means a copy leaked and the whole sign-in is
 * revoked. Refreshing one family never touches another family's access tokens.
 */

/** Codes are exchanged by the page the redirect lands on within a second or two. */
export const CODE_TTL_MS = 60_000
export const ACCESS_TTL_MS = 15 * 60_000
export const REFRESH_TTL_MS = 30 * 24 * 3_600_000
/** However often it is refreshed, a sign-in ends after this. */
export const FAMILY_TTL_MS = 90 * 24 * 3_600_000
/**
 * How long a rotated refresh token still answers (with the successor it was rotated to): long
 * enough for a pane to retry a refresh whose answer the network lost, short enough that a
 * copy replayed later is caught.
 */
export const REFRESH_GRACE_MS = 30_000

const ACCESS_PREFIX = 'sba_'
const REFRESH_PREFIX = 'sbr_'
const CODE_PREFIX = 'sbc_'
const SIGN_IN_PREFIX = 'sbs_'

export interface AddinClient {
  id: string
  /** Exact matches only: a prefix or pattern match is how redirect attacks start. */
  redirectUris: readonly string[]
}

/** The first-party clients; their redirect pages sit on our own origin, beside the pane. */
export function addinClients (publicUrl: string): readonly AddinClient[] {
  return [{ id: 'outlook-addin', redirectUris: [`${publicUrl}/outlook/signed-in.html`] }]
}

export interface TokenGrant {
  accessToken: string
  refreshToken: string
  /** Only when a code is exchanged: the token the pane keeps in roaming settings, for every later pane instance. */
  signInToken?: string
  /** Seconds. */
  expiresIn: number
  user: { id: string, email: string, displayName: string }
  workspace: { id: string, name: string }
}

/** base64url(SHA-256(verifier)), the S256 method. */
export function pkceChallenge (verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url')
}

function sameText (a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

function secret (prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`
}

export interface AddinAuthDeps {
  db: Kysely<Database>
  audit: AuditLog
  publicUrl: string
  /**
   * Keys for successor tokens (the app's secret keys, sealing key first): a successor is an
   * HMAC of the token it replaces, so a retry within the grace window gets the same one
   * back without any token being stored in a readable form. Only refreshing needs them.
   */
  successorKeys?: readonly Buffer[]
  /** For tests that move time; defaults to the clock. */
  now?: () => Date
  /** Access token lifetime; ACCESS_TTL_MS unless a test shortens it. */
  accessTtlMs?: number
}

export function createAddinAuth (deps: AddinAuthDeps) {
  const { db, audit } = deps
  const clients = addinClients(deps.publicUrl)
  const now = deps.now ?? (() => new Date())
  const accessTtlMs = deps.accessTtlMs ?? ACCESS_TTL_MS
  const successorKeys = (): readonly Buffer[] => {
    if (deps.successorKeys === undefined || deps.successorKeys.length === 0) throw new Error('Refreshing add-in tokens needs the app\'s secret keys')
    return deps.successorKeys
  }

  /** The refresh token `token` rotates to under `key`: unpredictable without the key, the same on every retry. */
  function successorOf (token: string, key: Buffer): string {
    return `${REFRESH_PREFIX}${createHmac('sha256', key).update(`addin-refresh-successor:${token}`).digest('base64url')}`
  }

  /**
   * Revokes the sign-in a family belongs to (every pane's family with it), or the family
   * alone when it predates sign-ins.
   */
  async function revokeFamily (familyId: string, reason: string): Promise<void> {
    const family = await db.selectFrom('addin_token_families').select(['workspace_id', 'user_id', 'revoked_at', 'sign_in_id']).where('id', '=', familyId).executeTakeFirst()
    if (family === undefined) return
    if (family.sign_in_id !== null) {
      await revokeSignIn(family.sign_in_id, reason)
      return
    }
    if (family.revoked_at !== null) return
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('addin_token_families').set({ revoked_at: now().toISOString(), revoked_reason: reason }).where('id', '=', familyId).where('revoked_at', 'is', null).execute()
      await trx.deleteFrom('addin_access_tokens').where('family_id', '=', familyId).execute()
      await audit.record(asWorkspaceId(family.workspace_id), { action: 'addin.signin_revoked', actorUserId: family.user_id, targetType: 'user', targetId: family.user_id, details: { reason } }, trx)
    })
  }

  async function revokeSignIn (signInId: string, reason: string): Promise<void> {
    const signIn = await db.selectFrom('addin_sign_ins').select(['workspace_id', 'user_id', 'revoked_at']).where('id', '=', signInId).executeTakeFirst()
    if (signIn === undefined || signIn.revoked_at !== null) return
    const at = now().toISOString()
    await db.transaction().execute(async (trx) => {
      const revoked = await trx.updateTable('addin_sign_ins').set({ revoked_at: at, revoked_reason: reason }).where('id', '=', signInId).where('revoked_at', 'is', null).executeTakeFirst()
      if (Number(revoked.numUpdatedRows) !== 1) return
      await trx.updateTable('addin_token_families').set({ revoked_at: at, revoked_reason: reason }).where('sign_in_id', '=', signInId).where('revoked_at', 'is', null).execute()
      await trx.deleteFrom('addin_access_tokens').where('family_id', 'in', trx.selectFrom('addin_token_families').select('id').where('sign_in_id', '=', signInId)).execute()
      await audit.record(asWorkspaceId(signIn.workspace_id), { action: 'addin.signin_revoked', actorUserId: signIn.user_id, targetType: 'user', targetId: signIn.user_id, details: { reason } }, trx)
    })
  }

  /** A new family (one pane instance) under a sign-in, with its first tokens. */
  async function startFamily (signIn: { id: string | null, workspace_id: string, user_id: string, client_id: string, expires_at: string }, at: Date, trx: Kysely<Database>): Promise<TokenGrant> {
    const familyId = `afm_${randomUUID()}`
    const familyEnd = new Date(Math.min(at.getTime() + FAMILY_TTL_MS, Date.parse(signIn.expires_at))).toISOString()
    await trx.insertInto('addin_token_families').values({
      id: familyId, workspace_id: signIn.workspace_id, user_id: signIn.user_id, client_id: signIn.client_id, created_at: at.toISOString(),
      expires_at: familyEnd, revoked_at: null, revoked_reason: null, sign_in_id: signIn.id,
    }).execute()
    return issue(familyId, asWorkspaceId(signIn.workspace_id), signIn.user_id, at, trx)
  }

  /** Issues an access token and a refresh token (`refreshToken` when given: a successor) in `familyId`. */
  async function issue (familyId: string, ws: WorkspaceId, userId: string, at: Date, trx: Kysely<Database>, given?: string): Promise<TokenGrant> {
    const accessToken = secret(ACCESS_PREFIX)
    const refreshToken = given ?? secret(REFRESH_PREFIX)
    const created = at.toISOString()
    await trx.insertInto('addin_access_tokens').values({ token_hash: hashSecret(accessToken), family_id: familyId, created_at: created, expires_at: new Date(at.getTime() + accessTtlMs).toISOString() }).execute()
    await trx.insertInto('addin_refresh_tokens').values({ token_hash: hashSecret(refreshToken), family_id: familyId, created_at: created, expires_at: new Date(at.getTime() + REFRESH_TTL_MS).toISOString(), used_at: null, successor_hash: null })
      .onConflict((oc) => oc.column('token_hash').doNothing()).execute()
    const who = await trx.selectFrom('users').innerJoin('workspaces', 'workspaces.id', 'users.workspace_id')
      .select(['users.id', 'users.email', 'users.display_name', 'workspaces.id as workspace_id', 'workspaces.name as workspace_name'])
      .where('users.workspace_id', '=', ws).where('users.id', '=', userId).executeTakeFirstOrThrow()
    return {
      accessToken,
      refreshToken,
      expiresIn: Math.round(accessTtlMs / 1000),
      user: { id: who.id, email: who.email, displayName: who.display_name },
      workspace: { id: who.workspace_id, name: who.workspace_name },
    }
  }

  return {
    /**
     * Checks an authorization request before the sign-in page is shown. A bad client or
     * redirect is answered here and never redirected to, or the page would be an open
     * redirector that hands codes to whoever asks.
     */
    checkRequest (input: { clientId: string, redirectUri: string, codeChallengeMethod: string }): AddinClient {
      const client = clients.find((c) => c.id === input.clientId)
      if (client === undefined) throw new SwitchboardError('SB_ADDIN_CLIENT_UNKNOWN', 'client_id')
      if (!client.redirectUris.includes(input.redirectUri)) throw new SwitchboardError('SB_ADDIN_REDIRECT_INVALID', 'redirect_uri')
      // Plain PKCE protects nothing if the request itself leaks; S256 only.
      if (input.codeChallengeMethod !== 'S256') throw new SwitchboardError('SB_VALIDATION', 'code_challenge_method', { detail: 'must be S256' })
      return client
    },

    /** A single-use code for a user who just proved who they are on the sign-in page. */
    async createCode (ws: WorkspaceId, userId: string, input: { clientId: string, redirectUri: string, codeChallenge: string }): Promise<string> {
      const code = secret(CODE_PREFIX)
      const at = now()
      await db.insertInto('addin_auth_codes').values({
        code_hash: hashSecret(code), workspace_id: ws, user_id: userId, client_id: input.clientId, redirect_uri: input.redirectUri,
        code_challenge: input.codeChallenge, created_at: at.toISOString(), expires_at: new Date(at.getTime() + CODE_TTL_MS).toISOString(), used_at: null, family_id: null,
      }).execute()
      return code
    },

    /** Exchanges a code for tokens. Every failure is the same code, with the field at fault. */
    async exchangeCode (input: { clientId: string, code: string, codeVerifier: string, redirectUri: string }): Promise<TokenGrant> {
      const at = now()
      const codeHash = hashSecret(input.code)
      const row = await db.selectFrom('addin_auth_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst()
      if (row === undefined || row.client_id !== input.clientId) throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'code')
      if (row.used_at !== null) {
        // RFC 6749 §4.1.2: a code used twice was intercepted; what it bought is revoked
        // (a sign-in since migration 0010, a lone family before it).
        if (row.family_id !== null) {
          if (row.family_id.startsWith('asi_')) await revokeSignIn(row.family_id, 'code_reuse')
          else await revokeFamily(row.family_id, 'code_reuse')
        }
        throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'code')
      }
      if (row.expires_at <= at.toISOString()) throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'code')
      if (row.redirect_uri !== input.redirectUri) throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'redirectUri')
      if (!sameText(pkceChallenge(input.codeVerifier), row.code_challenge)) throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'codeVerifier')

      const ws = asWorkspaceId(row.workspace_id)
      const signInId = `asi_${randomUUID()}`
      const signInToken = secret(SIGN_IN_PREFIX)
      return db.transaction().execute(async (trx) => {
        // The update is the lock: of two concurrent exchanges only one sees used_at null.
        const claimed = await trx.updateTable('addin_auth_codes').set({ used_at: at.toISOString(), family_id: signInId })
          .where('code_hash', '=', codeHash).where('used_at', 'is', null).executeTakeFirst()
        if (Number(claimed.numUpdatedRows) !== 1) throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'code')
        const user = await trx.selectFrom('users').select(['status']).where('workspace_id', '=', ws).where('id', '=', row.user_id).executeTakeFirst()
        if (user?.status !== 'active') throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'code')
        const signIn = {
          id: signInId, workspace_id: ws, user_id: row.user_id, client_id: row.client_id, token_hash: hashSecret(signInToken),
          created_at: at.toISOString(), expires_at: new Date(at.getTime() + FAMILY_TTL_MS).toISOString(), revoked_at: null, revoked_reason: null,
        }
        await trx.insertInto('addin_sign_ins').values(signIn).execute()
        await audit.record(ws, { action: 'addin.signed_in', actorUserId: row.user_id, targetType: 'user', targetId: row.user_id, details: { client: row.client_id } }, trx)
        return { ...await startFamily(signIn, at, trx), signInToken }
      })
    },

    /** A pane instance starts: its own family from the sign-in token kept in roaming settings. */
    async startPane (input: { clientId: string, signInToken: string }): Promise<TokenGrant> {
      const at = now()
      const signIn = await db.selectFrom('addin_sign_ins as s').innerJoin('users as u', 'u.id', 's.user_id')
        .select(['s.id', 's.workspace_id', 's.user_id', 's.client_id', 's.expires_at', 's.revoked_at', 'u.status'])
        .where('s.token_hash', '=', hashSecret(input.signInToken)).executeTakeFirst()
      if (signIn === undefined || signIn.client_id !== input.clientId || signIn.revoked_at !== null || signIn.expires_at <= at.toISOString() || signIn.status !== 'active') {
        throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'signInToken')
      }
      return db.transaction().execute(async (trx) => startFamily(signIn, at, trx))
    },

    /**
     * Rotates a refresh token within its family. Presented again within the grace window
     * (and its successor still unused) it answers with that same successor and a new access
     * token; after that, or once the successor was used, it is replay and the sign-in goes.
     */
    async refresh (input: { clientId: string, refreshToken: string }): Promise<TokenGrant> {
      const at = now()
      const iso = at.toISOString()
      const tokenHash = hashSecret(input.refreshToken)
      const row = await db.selectFrom('addin_refresh_tokens as r')
        .innerJoin('addin_token_families as f', 'f.id', 'r.family_id')
        .innerJoin('users as u', 'u.id', 'f.user_id')
        .select(['r.family_id', 'r.expires_at', 'r.used_at', 'r.successor_hash', 'f.workspace_id', 'f.user_id', 'f.client_id', 'f.revoked_at', 'f.expires_at as family_expires_at', 'u.status'])
        .where('r.token_hash', '=', tokenHash).executeTakeFirst()
      if (row === undefined || row.client_id !== input.clientId) throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'refreshToken')
      if (row.revoked_at !== null || row.expires_at <= iso || row.family_expires_at <= iso || row.status !== 'active') {
        throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'refreshToken')
      }
      const ws = asWorkspaceId(row.workspace_id)
      if (row.used_at !== null) {
        const successor = at.getTime() - Date.parse(row.used_at) <= REFRESH_GRACE_MS && row.successor_hash !== null
          ? successorKeys().map((key) => successorOf(input.refreshToken, key)).find((candidate) => hashSecret(candidate) === row.successor_hash)
          : undefined
        const unused = successor === undefined
          ? undefined
          : await db.selectFrom('addin_refresh_tokens').select('token_hash').where('token_hash', '=', row.successor_hash!).where('used_at', 'is', null).executeTakeFirst()
        if (successor === undefined || unused === undefined) {
          // Two holders of one refresh token: the thief or the user, we cannot tell which, so neither keeps access.
          await revokeFamily(row.family_id, 'refresh_reuse')
          throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'refreshToken')
        }
        // A retry of a refresh whose answer was lost: the same successor, a fresh access token.
        return db.transaction().execute(async (trx) => {
          await trx.deleteFrom('addin_access_tokens').where('family_id', '=', row.family_id).execute()
          return issue(row.family_id, ws, row.user_id, at, trx, successor)
        })
      }
      const successor = successorOf(input.refreshToken, successorKeys()[0]!)
      return db.transaction().execute(async (trx) => {
        const spent = await trx.updateTable('addin_refresh_tokens').set({ used_at: iso, successor_hash: hashSecret(successor) })
          .where('token_hash', '=', tokenHash).where('used_at', 'is', null).executeTakeFirst()
        if (Number(spent.numUpdatedRows) !== 1) throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'refreshToken')
        // This pane's earlier access tokens are no longer needed; other panes' families are untouched.
        await trx.deleteFrom('addin_access_tokens').where('family_id', '=', row.family_id).execute()
        return issue(row.family_id, ws, row.user_id, at, trx, successor)
      })
    },

    /**
     * Signs out: revokes the sign-in a sign-in token or refresh token belongs to, every pane's
     * family with it. Unknown tokens are ignored (signing out twice is fine).
     */
    async revoke (token: string): Promise<void> {
      const hash = hashSecret(token)
      if (token.startsWith(SIGN_IN_PREFIX)) {
        const signIn = await db.selectFrom('addin_sign_ins').select('id').where('token_hash', '=', hash).executeTakeFirst()
        if (signIn !== undefined) await revokeSignIn(signIn.id, 'signed_out')
        return
      }
      const row = await db.selectFrom('addin_refresh_tokens').select('family_id').where('token_hash', '=', hash).executeTakeFirst()
      if (row !== undefined) await revokeFamily(row.family_id, 'signed_out')
    },

    /**
     * Resolves a bearer access token. The add-in acts for the person reading their mail:
     * CRM reading and writing, never admin, and only while the family and user are live.
     */
    async authenticate (token: string): Promise<AuthContext | undefined> {
      if (!token.startsWith(ACCESS_PREFIX) || token.length > 100) return undefined
      const row = await db.selectFrom('addin_access_tokens as a')
        .innerJoin('addin_token_families as f', 'f.id', 'a.family_id')
        .innerJoin('users as u', 'u.id', 'f.user_id')
        .select(['f.workspace_id', 'f.user_id', 'u.role'])
        .where('a.token_hash', '=', hashSecret(token))
        .where('a.expires_at', '>', now().toISOString())
        .where('f.revoked_at', 'is', null)
        .where('u.status', '=', 'active')
        .executeTakeFirst()
      if (row === undefined) return undefined
      const scopes = scopesOfRole(row.role).filter((s) => s !== 'admin')
      return { workspaceId: asWorkspaceId(row.workspace_id), userId: row.user_id, role: row.role, scopes: new Set(scopes), tokenId: null, via: 'addin' }
    },
  }
}

export type AddinAuth = ReturnType<typeof createAddinAuth>

/** True for bearer values this module issues (so the auth hook asks it, not the API-token table). */
export function isAddinAccessToken (bearer: string): boolean {
  return bearer.startsWith(ACCESS_PREFIX)
}
