import { Type, type Static } from 'typebox'
import { EmailSchema, IdSchema, StrictObject } from '../common-schemas.js'

// PKCE (RFC 7636 §4.1): verifiers are 43-128 unreserved characters; an S256 challenge is 43.
const VerifierSchema = Type.String({ minLength: 43, maxLength: 128, pattern: '^[A-Za-z0-9._~-]+$' })
const ChallengeSchema = Type.String({ minLength: 43, maxLength: 43, pattern: '^[A-Za-z0-9_-]+$' })
const ClientIdSchema = Type.String({ minLength: 1, maxLength: 64 })
const RedirectSchema = Type.String({ minLength: 1, maxLength: 500 })
const SecretSchema = Type.String({ minLength: 10, maxLength: 100 })

/** The authorization request, in OAuth's own parameter names (RFC 6749 §4.1.1). */
export const AuthorizeParams = {
  client_id: ClientIdSchema,
  redirect_uri: RedirectSchema,
  response_type: Type.Literal('code'),
  code_challenge: ChallengeSchema,
  code_challenge_method: Type.Literal('S256', { description: 'Only S256: plain PKCE protects nothing if the request leaks' }),
  state: Type.String({ minLength: 16, maxLength: 200, description: 'Echoed back with the code; the add-in checks it' }),
}

export const AddinAuthorizeQuerySchema = StrictObject(AuthorizeParams)
export type AddinAuthorizeQuery = Static<typeof AddinAuthorizeQuerySchema>

/** The sign-in form: the request, carried in hidden fields, plus the credentials. */
export const AddinAuthorizeFormSchema = StrictObject({
  ...AuthorizeParams,
  email: EmailSchema,
  password: Type.String({ minLength: 1, maxLength: 200 }),
})

export const AddinTokenRequestSchema = Type.Union([
  StrictObject({
    grantType: Type.Literal('authorization_code'),
    clientId: ClientIdSchema,
    code: SecretSchema,
    codeVerifier: VerifierSchema,
    redirectUri: RedirectSchema,
  }),
  StrictObject({
    grantType: Type.Literal('refresh_token'),
    clientId: ClientIdSchema,
    refreshToken: SecretSchema,
  }),
  StrictObject({
    grantType: Type.Literal('sign_in', { description: 'A pane instance starts: its own token family from the sign-in token kept in roaming settings' }),
    clientId: ClientIdSchema,
    signInToken: SecretSchema,
  }),
])

export const AddinTokenSchema = Type.Object({
  accessToken: Type.String({ description: 'Bearer token for /api/v1, valid for expiresIn seconds' }),
  refreshToken: Type.String({ description: 'This pane instance\'s, single use: each refresh returns a new one; a used one still answers for 30 seconds (with the same successor), after that presenting it signs the add-in out everywhere' }),
  signInToken: Type.Optional(Type.String({ description: 'Only when a code is exchanged: kept in roaming settings; each pane instance trades it for its own tokens (grantType sign_in)' })),
  expiresIn: Type.Integer(),
  user: Type.Object({ id: IdSchema, email: Type.String(), displayName: Type.String() }),
  workspace: Type.Object({ id: IdSchema, name: Type.String() }),
})

export const AddinRevokeSchema = Type.Union([
  StrictObject({ clientId: ClientIdSchema, refreshToken: SecretSchema }),
  StrictObject({ clientId: ClientIdSchema, signInToken: SecretSchema }),
])
