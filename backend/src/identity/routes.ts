import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { COMMON_ERROR_RESPONSES, ErrorSchema, IdParamsSchema } from '../common-schemas.js'
import { SwitchboardError } from '../errors.js'
import { authOf, SESSION_COOKIE } from '../plugins/app/auth.js'
import { actorOf } from './identity-service.js'
import { roleAtLeast } from './access.js'
import {
  ApiTokenSchema, AuditEventSchema, AuditQuerySchema, CreatedTokenSchema, CreateTokenSchema, CreateUserSchema,
  GoogleDomainSchema, LoginSchema, MeSchema, TokenListQuerySchema, UpdateUserSchema, UserSchema,
} from './schemas.js'
import type { User } from './users-repository.js'

function userView (user: User) {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    status: user.status,
    lastLoginAt: user.lastLoginAt,
    loginCount: user.loginCount,
    createdAt: user.createdAt,
  }
}

/** Sign-in, the caller's own profile, team management, API tokens and the audit log. */
const identityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { identity, users, workspaces, apiTokens, audit } = app.services
  const secureCookie = app.config.publicUrl.startsWith('https:')

  app.post('/auth/login', {
    schema: { tags: ['identity'], summary: 'Sign in with email and password; sets the session cookie', body: LoginSchema, response: { 200: Type.Object({ user: UserSchema }), 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 429: ErrorSchema } },
    config: { rateLimit: { max: 20, timeWindow: 60_000 } },
  }, async (request, reply) => {
    const { user, sessionId, expiresAt } = await identity.login(request.body.email, request.body.password, request.ip)
    void reply.setCookie(SESSION_COOKIE, sessionId, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookie, expires: new Date(expiresAt) })
    return { user: userView(user) }
  })

  app.post('/auth/logout', {
    schema: { tags: ['identity'], summary: 'End the current web session', response: { 204: Type.Null(), ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    const sessionId = request.cookies[SESSION_COOKIE]
    if (auth.via === 'session' && sessionId !== undefined) await identity.logout(auth.workspaceId, sessionId, actorOf(auth, request.ip))
    void reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return reply.code(204).send(null)
  })

  app.get('/api/v1/me', {
    schema: { tags: ['identity'], summary: 'The caller, their workspace and effective scopes', response: { 200: MeSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => {
    const auth = authOf(request)
    const [user, workspace] = await Promise.all([users.get(auth.workspaceId, auth.userId), workspaces.get(auth.workspaceId)])
    if (user === undefined || workspace === undefined) throw new SwitchboardError('SB_UNAUTHENTICATED')
    return { user: userView(user), workspace, scopes: [...auth.scopes], via: auth.via }
  })

  app.get('/api/v1/users', {
    schema: { tags: ['identity'], summary: 'The workspace\'s users', response: { 200: Type.Object({ items: Type.Array(UserSchema) }), ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => {
    const items = await users.list(authOf(request).workspaceId)
    return { items: items.map(userView) }
  })

  app.post('/api/v1/users', {
    schema: { tags: ['identity'], summary: 'Add a user (admins; only owners add owners)', body: CreateUserSchema, response: { 201: UserSchema, 409: ErrorSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'admin' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    const user = await identity.inviteUser(auth.workspaceId, request.body, { ...actorOf(auth, request.ip), role: auth.role })
    return reply.code(201).send(userView(user))
  })

  app.patch('/api/v1/users/:id', {
    schema: { tags: ['identity'], summary: 'Change a user\'s role, status or name (admins)', params: IdParamsSchema, body: UpdateUserSchema, response: { 200: UserSchema, 409: ErrorSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'admin' } },
  }, async (request) => {
    const auth = authOf(request)
    const user = await identity.updateUser(auth.workspaceId, request.params.id, request.body, { ...actorOf(auth, request.ip), role: auth.role })
    return userView(user)
  })

  app.get('/api/v1/tokens', {
    schema: { tags: ['identity'], summary: 'Your API tokens; admins may list all with ?all=true', querystring: TokenListQuerySchema, response: { 200: Type.Object({ items: Type.Array(ApiTokenSchema) }), ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => {
    const auth = authOf(request)
    const all = request.query.all === true
    if (all && !auth.scopes.has('admin')) throw new SwitchboardError('SB_AUTH_ROLE_FORBIDDEN', 'all')
    return { items: await apiTokens.list(auth.workspaceId, all ? undefined : auth.userId) }
  })

  app.post('/api/v1/tokens', {
    schema: { tags: ['identity'], summary: 'Create an API token (the token is in this response only)', body: CreateTokenSchema, response: { 201: CreatedTokenSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    const auth = authOf(request)
    const userId = request.body.userId ?? auth.userId
    if (userId !== auth.userId && !auth.scopes.has('admin')) throw new SwitchboardError('SB_AUTH_ROLE_FORBIDDEN', 'userId')
    // A token may not mint a token with more reach than itself.
    if (auth.via === 'token' && request.body.scopes?.some((s) => !auth.scopes.has(s)) === true) throw new SwitchboardError('SB_AUTH_SCOPE_MISSING', 'scopes')
    const ceiling = auth.via === 'token' ? [...auth.scopes] : undefined
    const created = await identity.createToken(auth.workspaceId, { userId, name: request.body.name, scopes: request.body.scopes, ceiling }, actorOf(auth, request.ip))
    return reply.code(201).send(created)
  })

  app.delete('/api/v1/tokens/:id', {
    schema: { tags: ['identity'], summary: 'Revoke an API token (your own, or any as an admin)', params: IdParamsSchema, response: { 204: Type.Null(), ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request, reply) => {
    await identity.revokeTokenAs(authOf(request), request.params.id, request.ip)
    return reply.code(204).send(null)
  })

  app.patch('/api/v1/workspace/google-domain', {
    schema: { tags: ['identity'], summary: 'Restrict Google sign-in (web app and Gmail add-on) to one Google Workspace domain, or lift it (owners)', body: GoogleDomainSchema, response: { 200: GoogleDomainSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'admin' } },
  }, async (request) => {
    const auth = authOf(request)
    // Who may sign in at all is the owners' call, like ending the workspace.
    if (!roleAtLeast(auth.role, 'owner')) throw new SwitchboardError('SB_AUTH_ROLE_FORBIDDEN')
    const domain = request.body.domain === null ? null : request.body.domain.toLowerCase()
    await workspaces.setAllowedDomain(auth.workspaceId, domain)
    await audit.record(auth.workspaceId, { action: 'workspace.google_domain_set', actorUserId: auth.userId, actorTokenId: auth.tokenId, ip: request.ip, details: { domain: domain ?? '' } })
    return { domain }
  })

  app.get('/api/v1/audit', {
    schema: { tags: ['identity'], summary: 'The workspace\'s audit log, newest first (admins)', querystring: AuditQuerySchema, response: { 200: Type.Object({ items: Type.Array(AuditEventSchema) }), ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'admin' } },
  }, async (request) => {
    const auth = authOf(request)
    const items = await audit.list(auth.workspaceId, { limit: request.query.limit ?? 50, beforeSeq: request.query.beforeSeq, action: request.query.action })
    return { items }
  })
}

export default identityRoutes
