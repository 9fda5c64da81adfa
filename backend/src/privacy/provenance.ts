import type { AuthContext } from '../identity/access.js'

/**
 * Where a logged email came from. The channel decides when it can: a Gmail add-on's
 * Google ID token means Gmail, an Outlook add-in sign-in means Outlook, and a client
 * cannot label Google or Microsoft data as its own by claiming `api`. With an API token
 * (scripts, or a client that uses one) the client's word is all there is.
 */
export function emailProvenance (via: AuthContext['via'], client: 'gmail' | 'outlook' | 'api' | undefined): 'gmail' | 'outlook' | 'api' {
  if (via === 'google') return 'gmail'
  if (via === 'addin') return 'outlook'
  return client ?? 'api'
}
