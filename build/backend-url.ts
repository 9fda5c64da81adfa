/** Where the add-ons find the backend when neither `--backend-url` nor PUBLIC_URL says: `npm start`'s default. */
export const DEFAULT_BACKEND_URL = 'http://localhost:8787'

export interface BackendUrl {
  /** Absolute, without a trailing slash: `https://crm.example.com` or `https://example.com/switchboard`. */
  url: string
  /** Scheme, host and port only: what Outlook's AppDomains lists. */
  origin: string
  /** `url` plus `/`: Apps Script wants whitelist and link prefixes ending in a slash (a non-empty path). */
  prefix: string
  secure: boolean
}

export class BackendUrlError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'BackendUrlError'
  }
}

/** The flag wins over the environment, the environment over the default; blank values count as unset. */
export function chooseBackendUrl (flag: string | undefined, env: string | undefined): string {
  if (flag !== undefined && flag.trim() !== '') return flag.trim()
  if (env !== undefined && env.trim() !== '') return env.trim()
  return DEFAULT_BACKEND_URL
}

/** Validates and normalises a backend URL; it ends up in manifests, so anything odd is refused rather than copied. */
export function parseBackendUrl (raw: string): BackendUrl {
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new BackendUrlError(`Backend URL "${raw}" is not an absolute URL`)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new BackendUrlError(`Backend URL "${raw}" must start with https:// (or http:// for local preview)`)
  }
  if (parsed.username !== '' || parsed.password !== '') throw new BackendUrlError('Backend URL must not contain credentials')
  if (parsed.search !== '' || parsed.hash !== '') throw new BackendUrlError(`Backend URL "${raw}" must not have a query or fragment`)
  const url = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`
  return { url, origin: parsed.origin, prefix: `${url}/`, secure: parsed.protocol === 'https:' }
}

/** Warnings that do not stop a local build but would stop a real deployment. */
export function backendUrlWarnings (backend: BackendUrl): string[] {
  if (backend.secure) return []
  return [
    `Backend URL ${backend.url} is not https. This build is for local preview only: Apps Script refuses ` +
    'http:// in urlFetchWhitelist for versioned deployments, and Outlook loads add-ins only over https. ' +
    'Pass --backend-url https://… or set PUBLIC_URL before deploying.',
  ]
}
