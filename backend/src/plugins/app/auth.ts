import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { SwitchboardError } from '../../errors.js'
import { roleAtLeast, scopesOfRole, type AccessRule, type AuthContext } from '../../identity/access.js'
import { createGoogleIdTokenVerifier, GOOGLE_ISSUERS, looksLikeJwt } from '../../identity/google-id-token.js'
import { createAddinAuth, isAddinAccessToken } from '../../identity/addin-auth.js'
import type { AddinRoutesOptions } from '../../identity/addin-routes.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route. Routes without it are public; a test keeps every /api route declaring one. */
    access?: AccessRule
  }
  interface FastifyRequest {
    auth: AuthContext | null
  }
  interface FastifyInstance {
    /** Every route with what it demands, collected as routes register; tests check none is left open by mistake. */
    routeAccess: RouteAccess[]
  }
}

export interface RouteAccess {
  method: string
  url: string
  access: AccessRule | undefined
}

export const SESSION_COOKIE = 'sb_session'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The caller of a route that declared `config.access`; the auth hook has already checked it. */
export function authOf (request: FastifyRequest): AuthContext {
  if (request.auth === null) throw new SwitchboardError('SB_UNAUTHENTICATED')
  return request.auth
}

/**
 * Authenticates (bearer API token, else session cookie) and authorises every route that
 * declares `config.access`, before the body is even read. Bearer tokens win over cookies
 * so an add-on call is never confused with a browser session.
 */
export default fp(async function auth (app: FastifyInstance, options: { addinAuth?: AddinRoutesOptions }) {
  const { identity } = app.services
  const google = app.config.google.clientIds.length === 0
    ? undefined
    : createGoogleIdTokenVerifier({ jwksUrl: app.config.google.jwksUrl, audiences: app.config.google.clientIds, issuers: GOOGLE_ISSUERS })
  const publicOrigin = new URL(app.config.publicUrl).origin
  // The same clock as the add-in's token routes (tests move it), so access tokens expire on it.
  const addin = createAddinAuth({ db: app.store.db, audit: app.services.audit, publicUrl: app.config.publicUrl, ...options.addinAuth })
  app.decorateRequest('auth', null)
  const routes: RouteAccess[] = []
  app.decorate('routeAccess', routes)
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods) {
      if (method !== 'HEAD') routes.push({ method, url: route.url, access: route.config?.access })
    }
  })

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access
    if (access === undefined) return
    const context = await authenticate(request)
    if (context === undefined) throw new SwitchboardError('SB_UNAUTHENTICATED')
    if (context.via === 'session' && !SAFE_METHODS.has(request.method) && !sameOrigin(request, publicOrigin)) {
      // Cookies ride along on cross-site requests; a state change must come from our own pages.
      throw new SwitchboardError('SB_AUTH_CSRF')
    }
    if (access.role !== undefined && !roleAtLeast(context.role, access.role)) throw new SwitchboardError('SB_AUTH_ROLE_FORBIDDEN')
    if (!context.scopes.has(access.scope)) {
      // Tell "your role cannot" apart from "this token was not given the scope".
      const roleAllows = scopesOfRole(context.role).includes(access.scope)
      throw new SwitchboardError(roleAllows ? 'SB_AUTH_SCOPE_MISSING' : 'SB_AUTH_ROLE_FORBIDDEN')
    }
    request.auth = context
  })

  async function authenticate (request: FastifyRequest): Promise<AuthContext | undefined> {
    const header = request.headers.authorization
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header)
      const bearer = match?.[1]
      if (bearer === undefined) return undefined
      if (isAddinAccessToken(bearer)) return addin.authenticate(bearer)
      if (google !== undefined && !bearer.startsWith('sbt_') && looksLikeJwt(bearer)) {
        const identityFromGoogle = await google.verify(bearer)
        return identityFromGoogle === undefined ? undefined : identity.authenticateGoogle(identityFromGoogle)
      }
      return identity.authenticateToken(bearer)
    }
    const sessionId = request.cookies[SESSION_COOKIE]
    return sessionId === undefined ? undefined : identity.authenticateSession(sessionId)
  }
}, { name: 'auth', dependencies: ['services', 'cookie'] })

function sameOrigin (request: FastifyRequest, publicOrigin: string): boolean {
  const origin = request.headers.origin ?? refererOrigin(request.headers.referer)
  return origin === publicOrigin
}

function refererOrigin (referer: string | undefined): string | undefined {
  if (referer === undefined) return undefined
  try {
    return new URL(referer).origin
  } catch {
    return undefined
  }
}
