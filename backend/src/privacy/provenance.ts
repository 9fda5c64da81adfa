/**
 * Where a logged email came from. The channel decides when it can: a Gmail add-on's
 * Google ID token means Gmail, an Outlook add-in sign-in means Outlook, and a client
 * cannot label Google or Microsoft data as its own by claiming `api`. With an API token
 * (scripts, or a client that uses one) the client's word is all there is.
 */
// `via` is the auth channel (AuthContext['via']); a string so a new channel needs no change here.
export function emailProvenance (via: string, client: 'gmail' | 'outlook' | 'api' | undefined): 'gmail' | 'outlook' | 'api' {
  if (via === 'google') return 'gmail'
  if (via === 'addin') return 'outlook'
  return client ?? 'api'
}
