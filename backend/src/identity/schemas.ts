import { Type, type Static } from 'typebox'
import { EmailSchema, IdSchema, NameSchema, Nullable, StrictObject, TimestampSchema } from '../common-schemas.js'
import { ROLES, SCOPES } from './access.js'

export const RoleSchema = Type.Enum(ROLES)
export const ScopeSchema = Type.Enum(SCOPES)
export const UserStatusSchema = Type.Enum(['active', 'deactivated'])

export const UserSchema = Type.Object({
  id: IdSchema,
  email: Type.String(),
  displayName: Type.String(),
  role: RoleSchema,
  status: UserStatusSchema,
  lastLoginAt: Nullable(TimestampSchema),
  loginCount: Type.Integer(),
  createdAt: TimestampSchema,
})
export type UserView = Static<typeof UserSchema>

export const WorkspaceSchema = Type.Object({
  id: IdSchema,
  name: Type.String(),
  timeZone: Type.String(),
  defaultCountry: Nullable(Type.String()),
})

export const LoginSchema = StrictObject({
  email: EmailSchema,
  password: Type.String({ minLength: 1, maxLength: 200 }),
})

export const MeSchema = Type.Object({
  user: UserSchema,
  workspace: WorkspaceSchema,
  scopes: Type.Array(ScopeSchema),
  via: Type.Enum(['token', 'session', 'google', 'addin']),
})
export type Me = Static<typeof MeSchema>

export const CreateUserSchema = StrictObject({
  email: EmailSchema,
  displayName: NameSchema,
  role: RoleSchema,
  password: Type.Optional(Type.String({ minLength: 10, maxLength: 200 })),
})

export const UpdateUserSchema = StrictObject({
  displayName: Type.Optional(NameSchema),
  role: Type.Optional(RoleSchema),
  status: Type.Optional(UserStatusSchema),
})

export const ApiTokenSchema = Type.Object({
  id: IdSchema,
  userId: IdSchema,
  name: Type.String(),
  prefix: Type.String({ description: 'The visible start of the token' }),
  scopes: Type.Array(ScopeSchema),
  createdAt: TimestampSchema,
  lastUsedAt: Nullable(TimestampSchema),
  revokedAt: Nullable(TimestampSchema),
})

export const CreateTokenSchema = StrictObject({
  name: NameSchema,
  scopes: Type.Optional(Type.Array(ScopeSchema, { minItems: 1, maxItems: SCOPES.length, uniqueItems: true })),
  userId: Type.Optional(IdSchema),
})

export const CreatedTokenSchema = Type.Object({
  token: Type.String({ description: 'Shown once; store it now' }),
  apiToken: ApiTokenSchema,
})

export const TokenListQuerySchema = StrictObject({
  all: Type.Optional(Type.Boolean({ description: 'Admins: every token of the workspace' })),
})

export const AuditEventSchema = Type.Object({
  id: Type.String(),
  seq: Type.Integer(),
  action: Type.String(),
  actorUserId: Nullable(Type.String()),
  actorTokenId: Nullable(Type.String()),
  targetType: Nullable(Type.String()),
  targetId: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
  createdAt: TimestampSchema,
})

export const AuditQuerySchema = StrictObject({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  beforeSeq: Type.Optional(Type.Integer({ minimum: 1 })),
  action: Type.Optional(Type.String({ maxLength: 64 })),
})

/** Which Google accounts may sign in: those of one Google Workspace domain, or (null) any. */
export const GoogleDomainSchema = StrictObject({
  domain: Nullable(Type.String({ minLength: 3, maxLength: 253, pattern: '^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$', description: 'A Google Workspace domain (the ID token\'s hd claim), e.g. acme.com; null lets any Google account with a user\'s email sign in' })),
})
