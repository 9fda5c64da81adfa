import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
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
 * short-lived access token and a refresh token. Refresh tokens rotate on every use; a
 * rotated token presented again means a copy leaked, so the whole family is revoked.
 */

/** Codes are exchanged by the page the redirect lands on within a second or two. */
export const CODE_TTL_MS = 60_000
export const ACCESS_TTL_MS = 15 * 60_000
export const REFRESH_TTL_MS = 30 * 24 * 3_600_000
/** However often it is refreshed, a sign-in ends after this. */
export const FAMILY_TTL_MS = 90 * 24 * 3_600_000

const ACCESS_PREFIX = 'sba_'
const REFRESH_PREFIX = 'sbr_'
const CODE_PREFIX = 'sbc_'

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
  /** For tests that move time; defaults to the clock. */
  now?: () => Date
}

export function createAddinAuth (deps: AddinAuthDeps) {
  const { db, audit } = deps
  const clients = addinClients(deps.publicUrl)
  const now = deps.now ?? (() => new Date())

  async function revokeFamily (familyId: string, reason: string): Promise<void> {
    const family = await db.selectFrom('addin_token_families').select(['workspace_id', 'user_id', 'revoked_at']).where('id', '=', familyId).executeTakeFirst()
    if (family === undefined || family.revoked_at !== null) return
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('addin_token_families').set({ revoked_at: now().toISOString(), revoked_reason: reason }).where('id', '=', familyId).where('revoked_at', 'is', null).execute()
      await trx.deleteFrom('addin_access_tokens').where('family_id', '=', familyId).execute()
      await audit.record(asWorkspaceId(family.workspace_id), { action: 'addin.signin_revoked', actorUserId: family.user_id, targetType: 'user', targetId: family.user_id, details: { reason } }, trx)
    })
  }

  /** Issues an access token and a refresh token in `familyId`. */
  async function issue (familyId: string, ws: WorkspaceId, userId: string, at: Date, trx: Kysely<Database>): Promise<TokenGrant> {
    const accessToken = secret(ACCESS_PREFIX)
    const refreshToken = secret(REFRESH_PREFIX)
    const created = at.toISOString()
    await trx.insertInto('addin_access_tokens').values({ token_hash: hashSecret(accessToken), family_id: familyId, created_at: created, expires_at: new Date(at.getTime() + ACCESS_TTL_MS).toISOString() }).execute()
    await trx.insertInto('addin_refresh_tokens').values({ token_hash: hashSecret(refreshToken), family_id: familyId, created_at: created, expires_at: new Date(at.getTime() + REFRESH_TTL_MS).toISOString(), used_at: null }).execute()
    const who = await trx.selectFrom('users').innerJoin('workspaces', 'workspaces.id', 'users.workspace_id')
      .select(['users.id', 'users.email', 'users.display_name', 'workspaces.id as workspace_id', 'workspaces.name as workspace_name'])
      .where('users.workspace_id', '=', ws).where('users.id', '=', userId).executeTakeFirstOrThrow()
    return {
      accessToken,
      refreshToken,
      expiresIn: ACCESS_TTL_MS / 1000,
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
        // RFC 6749 §4.1.2: a code used twice was intercepted; what it bought is revoked.
        if (row.family_id !== null) await revokeFamily(row.family_id, 'code_reuse')
        throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'code')
      }
      if (row.expires_at <= at.toISOString()) throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'code')
      if (row.redirect_uri !== input.redirectUri) throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'redirectUri')
      if (!sameText(pkceChallenge(input.codeVerifier), row.code_challenge)) throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'codeVerifier')

      const ws = asWorkspaceId(row.workspace_id)
      const familyId = `afm_${randomUUID()}`
      return db.transaction().execute(async (trx) => {
        // The update is the lock: of two concurrent exchanges only one sees used_at null.
        const claimed = await trx.updateTable('addin_auth_codes').set({ used_at: at.toISOString(), family_id: familyId })
          .where('code_hash', '=', codeHash).where('used_at', 'is', null).executeTakeFirst()
        if (Number(claimed.numUpdatedRows) !== 1) throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'code')
        const user = await trx.selectFrom('users').select(['status']).where('workspace_id', '=', ws).where('id', '=', row.user_id).executeTakeFirst()
        if (user?.status !== 'active') throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'code')
        await trx.insertInto('addin_token_families').values({
          id: familyId, workspace_id: ws, user_id: row.user_id, client_id: row.client_id, created_at: at.toISOString(),
          expires_at: new Date(at.getTime() + FAMILY_TTL_MS).toISOString(), revoked_at: null, revoked_reason: null,
        }).execute()
        await audit.record(ws, { action: 'addin.signed_in', actorUserId: row.user_id, targetType: 'user', targetId: row.user_id, details: { client: row.client_id } }, trx)
        return issue(familyId, ws, row.user_id, at, trx)
      })
    },

    /** Rotates a refresh token: the old one is spent, a new pair is issued in the same family. */
    async refresh (input: { clientId: string, refreshToken: string }): Promise<TokenGrant> {
      const at = now()
      const tokenHash = hashSecret(input.refreshToken)
      const row = await db.selectFrom('addin_refresh_tokens as r')
        .innerJoin('addin_token_families as f', 'f.id', 'r.family_id')
        .innerJoin('users as u', 'u.id', 'f.user_id')
        .select(['r.family_id', 'r.expires_at', 'r.used_at', 'f.workspace_id', 'f.user_id', 'f.client_id', 'f.revoked_at', 'f.expires_at as family_expires_at', 'u.status'])
        .where('r.token_hash', '=', tokenHash).executeTakeFirst()
      if (row === undefined || row.client_id !== input.clientId) throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'refreshToken')
      if (row.used_at !== null) {
        // Two holders of one refresh token: the thief or the user, we cannot tell which, so neither keeps access.
        await revokeFamily(row.family_id, 'refresh_reuse')
        throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'refreshToken')
      }
      const iso = at.toISOString()
      if (row.revoked_at !== null || row.expires_at <= iso || row.family_expires_at <= iso || row.status !== 'active') {
        throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'refreshToken')
      }
      const ws = asWorkspaceId(row.workspace_id)
      return db.transaction().execute(async (trx) => {
        const spent = await trx.updateTable('addin_refresh_tokens').set({ used_at: iso }).where('token_hash', '=', tokenHash).where('used_at', 'is', null).executeTakeFirst()
        if (Number(spent.numUpdatedRows) !== 1) throw new SwitchboardError('SB_ADDIN_GRANT_INVALID', 'refreshToken')
        // The access tokens of the family's earlier rounds are no longer needed by anyone honest.
        await trx.deleteFrom('addin_access_tokens').where('family_id', '=', row.family_id).execute()
        return issue(row.family_id, ws, row.user_id, at, trx)
      })
    },

    /** Signs out: revokes the family a refresh token belongs to. Unknown tokens are ignored (signing out twice is fine). */
    async revoke (refreshToken: string): Promise<void> {
      const row = await db.selectFrom('addin_refresh_tokens').select('family_id').where('token_hash', '=', hashSecret(refreshToken)).executeTakeFirst()
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
