import path from 'node:path'

/** Typed configuration, read once from the environment at start-up. */
export interface Config {
  port: number
  host: string
  dataDir: string
  /** PostgreSQL connection string; when absent the store is the SQLite file in `dataDir`. */
  databaseUrl: string | undefined
  publicUrl: string
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** Requests per minute allowed per API token (or per client address before sign-in). */
  rateLimitPerMinute: number
  /** Largest accepted request body in bytes. */
  bodyLimitBytes: number
  /** Honour X-Forwarded-* headers; only behind a proxy you control. */
  trustProxy: boolean
  /** Idle lifetime of a web session cookie. */
  sessionTtlHours: number
  /** Base64 32-byte keys for credentials at rest, newest first; absent = a key file in `dataDir`. */
  secretKey: string | undefined
  whatsapp: WhatsappConfig
  google: GoogleConfig
  /** Run the background workers (webhook inbox, campaign sender) inside the API process. */
  runWorkers: boolean
  /** With runWorkers, also send campaigns in the API process; off when `npm run worker` processes send. */
  runSender: boolean
  /** Bearer token Prometheus sends to read /metrics; without one, /metrics answers loopback only. */
  metricsToken: string | undefined
  /** Port of the campaign worker's own /metrics (`npm run worker` has no other HTTP server); 0 for none. */
  metricsPort: number
  /** The built Outlook add-in (`npm run build`), served at /outlook/ so the pane and its sign-in dialog share our origin. */
  outlookAddinDir: string
  /** Web-app sign-in with Google or Microsoft (OpenID Connect); a provider without a client id is off. */
  webSignIn: { google: OidcProviderConfig | undefined, microsoft: OidcProviderConfig | undefined }
  /**
   * Outbound webhooks may go to private addresses (loopback, RFC 1918, link-local, unique
   * local, shared), and by plain http; metadata services never. Off unless set, except in
   * sandbox mode, where the receivers people try are on their own machine.
   */
  webhooksAllowPrivate: boolean
}

/** One OpenID Connect provider for the web app's sign-in (authorization code + PKCE). */
export interface OidcProviderConfig {
  /** Where `/.well-known/openid-configuration` is found; the ID token's `iss` must match it. */
  issuer: string
  clientId: string
  clientSecret: string
  /** Microsoft: the one Entra tenant whose accounts may sign in (its `tid` claim). */
  tenantId?: string
}

/**
 * Meta's side. Without an app id and secret Switchboard runs in sandbox mode: the local
 * Cloud API sandbox starts inside the process and plays Meta, signed webhooks included.
 */
export interface WhatsappConfig {
  mode: 'sandbox' | 'meta'
  /** Graph API base, e.g. https://graph.facebook.com (or a stand-alone sandbox). */
  graphUrl: string
  graphVersion: string
  appId: string | undefined
  /** Signs webhooks (X-Hub-Signature-256) and authenticates the Embedded Signup code exchange. */
  appSecret: string | undefined
  /** Echoed back to Meta's webhook verification (hub.verify_token). */
  verifyToken: string | undefined
  /** Embedded Signup configuration id; with `appId` it shows the Facebook signup button. */
  configId: string | undefined
  /** Inbound texts that opt the sender out of marketing, compared trimmed and case-insensitively. */
  optOutKeywords: string[]
  /** Port of the in-process sandbox in sandbox mode. */
  sandboxPort: number
}

/** Google sign-in for the Gmail add-on (its ScriptApp.getIdentityToken() tokens). */
export interface GoogleConfig {
  /** OAuth client ids of our Apps Script projects; empty disables Google ID tokens. */
  clientIds: string[]
  jwksUrl: string
}

/** STOP and its common translations; WHATSAPP_OPT_OUT_KEYWORDS replaces the list. */
export const DEFAULT_OPT_OUT_KEYWORDS = [
  'stop', 'unsubscribe', 'stop all', 'opt out', 'optout', 'cancel',
  'parar', 'pare', 'sair', 'cancelar', 'baja', 'alto',
  'arrêt', 'arret', 'arrêter', 'stopp', 'abmelden', 'basta', 'stoppen', 'afmelden',
  'توقف', 'रोकें', 'berhenti', 'dur',
]

export class ConfigError extends Error {
  constructor (readonly variable: string, problem: string) {
    super(`${variable}: ${problem}`)
    this.name = 'ConfigError'
  }
}

type Env = Record<string, string | undefined>

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

function integer (env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `expected a whole number, got "${raw}"`)
  const value = Number(raw)
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`)
  return value
}

function boolean (env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false
  throw new ConfigError(name, `expected true or false, got "${raw}"`)
}

function url (env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = env[name]
  if (raw === undefined || raw === '') return undefined
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new ConfigError(name, 'is not a valid URL')
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`)
  }
  return raw
}

function text (env: Env, name: string): string | undefined {
  const raw = env[name]
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim()
}

function whatsappConfig (env: Env): WhatsappConfig {
  const appId = text(env, 'META_APP_ID')
  const appSecret = text(env, 'WHATSAPP_APP_SECRET')
  // Half a Meta configuration would fail later and confusingly; say which half is missing now.
  if (appId !== undefined && appSecret === undefined) throw new ConfigError('WHATSAPP_APP_SECRET', 'is required when META_APP_ID is set')
  if (appSecret !== undefined && appId === undefined) throw new ConfigError('META_APP_ID', 'is required when WHATSAPP_APP_SECRET is set')
  const version = text(env, 'GRAPH_API_VERSION') ?? 'v25.0'
  if (!/^v\d+\.0$/.test(version)) throw new ConfigError('GRAPH_API_VERSION', `must look like v25.0, got "${version}"`)
  const keywords = text(env, 'WHATSAPP_OPT_OUT_KEYWORDS')
  return {
    mode: appId === undefined ? 'sandbox' : 'meta',
    graphUrl: (url(env, 'GRAPH_API_URL', ['http:', 'https:']) ?? 'https://graph.facebook.com').replace(/\/+$/, ''),
    graphVersion: version,
    appId,
    appSecret,
    verifyToken: text(env, 'WHATSAPP_VERIFY_TOKEN'),
    configId: text(env, 'META_CONFIG_ID'),
    optOutKeywords: keywords === undefined ? DEFAULT_OPT_OUT_KEYWORDS : keywords.split(',').map((k) => k.trim().toLowerCase()).filter((k) => k !== ''),
    sandboxPort: integer(env, 'SANDBOX_PORT', 8790, 0, 65535),
  }
}

function secretKeys (env: Env, name: string): string | undefined {
  const raw = env[name]
  if (raw === undefined || raw === '') return undefined
  for (const key of raw.split(',')) {
    if (Buffer.from(key.trim(), 'base64').length !== 32) {
      throw new ConfigError(name, 'must be base64 of 32 random bytes (openssl rand -base64 32), comma-separated for older keys')
    }
  }
  return raw
}

function metricsToken (env: Env): string | undefined {
  const raw = text(env, 'METRICS_TOKEN')
  // Compared in constant time, but a short token is guessed anyway.
  if (raw !== undefined && raw.length < 24) throw new ConfigError('METRICS_TOKEN', 'must be at least 24 characters (openssl rand -hex 16)')
  return raw
}

function oneOf<T extends string> (env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`)
  }
  return raw as T
}

/**
 * Every variable Switchboard reads. A `SWITCHBOARD_`-prefixed variable that is not
 * listed here is rejected, so a typo stops start-up instead of being silently ignored.
 */
export const KNOWN_VARIABLES = [
  'PORT', 'HOST', 'DATA_DIR', 'DATABASE_URL', 'PUBLIC_URL', 'LOG_LEVEL',
  'RATE_LIMIT_PER_MINUTE', 'BODY_LIMIT_BYTES', 'TRUST_PROXY', 'SESSION_TTL_HOURS',
  'SWITCHBOARD_SECRET_KEY', 'RUN_WORKERS', 'RUN_SENDER', 'METRICS_TOKEN', 'METRICS_PORT',
  'GRAPH_API_URL', 'GRAPH_API_VERSION', 'META_APP_ID', 'META_CONFIG_ID', 'WHATSAPP_APP_SECRET',
  'WHATSAPP_VERIFY_TOKEN', 'WHATSAPP_OPT_OUT_KEYWORDS', 'SANDBOX_PORT',
  'GOOGLE_CLIENT_IDS', 'GOOGLE_JWKS_URL', 'OUTLOOK_ADDIN_DIR',
  'GOOGLE_WEB_CLIENT_ID', 'GOOGLE_WEB_CLIENT_SECRET', 'GOOGLE_WEB_ISSUER',
  'MICROSOFT_WEB_CLIENT_ID', 'MICROSOFT_WEB_CLIENT_SECRET', 'MICROSOFT_TENANT_ID', 'MICROSOFT_WEB_ISSUER',
  'WEBHOOKS_ALLOW_PRIVATE',
] as const

/** Parses the environment; throws `ConfigError` naming the first bad variable. */
export function loadConfig (env: Env = process.env): Config {
  for (const name of Object.keys(env)) {
    if (name.startsWith('SWITCHBOARD_') && !(KNOWN_VARIABLES as readonly string[]).includes(name)) {
      throw new ConfigError(name, `unknown setting; known settings are ${KNOWN_VARIABLES.join(', ')}`)
    }
  }
  const port = integer(env, 'PORT', 8787, 0, 65535)
  const host = env['HOST'] === undefined || env['HOST'] === '' ? '127.0.0.1' : env['HOST']
  if (!/^[\w.:-]+$/.test(host)) throw new ConfigError('HOST', `is not a host name or address: "${host}"`)
  const publicUrl = url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`
  const whatsapp = whatsappConfig(env)
  return {
    port,
    host,
    dataDir: path.resolve(env['DATA_DIR'] === undefined || env['DATA_DIR'] === '' ? './data' : env['DATA_DIR']),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    publicUrl: publicUrl.replace(/\/+$/, ''),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 600, 1, 10_000_000),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024, 52_428_800),
    trustProxy: boolean(env, 'TRUST_PROXY', false),
    sessionTtlHours: integer(env, 'SESSION_TTL_HOURS', 12, 1, 24 * 30),
    secretKey: secretKeys(env, 'SWITCHBOARD_SECRET_KEY'),
    whatsapp,
    google: {
      clientIds: (text(env, 'GOOGLE_CLIENT_IDS') ?? '').split(',').map((id) => id.trim()).filter((id) => id !== ''),
      jwksUrl: url(env, 'GOOGLE_JWKS_URL', ['https:', 'http:']) ?? 'https://www.googleapis.com/oauth2/v3/certs',
    },
    runWorkers: boolean(env, 'RUN_WORKERS', true),
    runSender: boolean(env, 'RUN_SENDER', true),
    metricsToken: metricsToken(env),
    metricsPort: integer(env, 'METRICS_PORT', 0, 0, 65535),
    outlookAddinDir: path.resolve(env['OUTLOOK_ADDIN_DIR'] === undefined || env['OUTLOOK_ADDIN_DIR'] === '' ? './dist/outlook-addin' : env['OUTLOOK_ADDIN_DIR']),
    webSignIn: webSignInConfig(env),
    webhooksAllowPrivate: boolean(env, 'WEBHOOKS_ALLOW_PRIVATE', whatsapp.mode === 'sandbox'),
  }
}

function webSignInConfig (env: Env): Config['webSignIn'] {
  const provider = (prefix: 'GOOGLE' | 'MICROSOFT', defaultIssuer: (tenant: string | undefined) => string): OidcProviderConfig | undefined => {
    const clientId = text(env, `${prefix}_WEB_CLIENT_ID`)
    if (clientId === undefined) return undefined
    const clientSecret = text(env, `${prefix}_WEB_CLIENT_SECRET`)
    if (clientSecret === undefined) throw new ConfigError(`${prefix}_WEB_CLIENT_SECRET`, `is required when ${prefix}_WEB_CLIENT_ID is set`)
    const tenantId = prefix === 'MICROSOFT' ? text(env, 'MICROSOFT_TENANT_ID') : undefined
    // "common" and "organizations" would let any Microsoft account in, with emails no one vouches for.
    if (prefix === 'MICROSOFT' && (tenantId === undefined || ['common', 'organizations', 'consumers'].includes(tenantId.toLowerCase()))) {
      throw new ConfigError('MICROSOFT_TENANT_ID', 'must be your Entra tenant id (not common, organizations or consumers) when MICROSOFT_WEB_CLIENT_ID is set')
    }
    const issuer = (url(env, `${prefix}_WEB_ISSUER`, ['https:', 'http:']) ?? defaultIssuer(tenantId)).replace(/\/+$/, '')
    return { issuer, clientId, clientSecret, ...(tenantId === undefined ? {} : { tenantId }) }
  }
  return {
    google: provider('GOOGLE', () => 'https://accounts.google.com'),
    microsoft: provider('MICROSOFT', (tenant) => `https://login.microsoftonline.com/${tenant ?? ''}/v2.0`),
  }
}
