import type { Me, WhatsappNumber } from '../../../apps-script/src/core/api-types.js'
import { checkApiToken } from './api-token.js'
import { BackendError } from '../../../apps-script/src/core/backend-client.js'
import { describeError } from './error-messages.js'
import type { Connection, ConnectionResult, SendingNumber, SidebarError } from './sidebar-protocol.js'

/** Where the add-on keeps the user's API token (user properties in Apps Script). */
export interface TokenStore {
  read: () => string | null
  write: (token: string) => void
  clear: () => void
}

export interface ConnectionDependencies {
  tokens: TokenStore
  /** Calls `GET /api/v1/me` with the token; throws BackendError on failure. */
  fetchMe: (token: string) => Me
  /** The workspace's WhatsApp numbers (`GET /api/v1/whatsapp/connection`); left out where no number is shown. */
  fetchNumbers?: (token: string) => WhatsappNumber[]
}

export interface ConnectionActions {
  getConnection: () => ConnectionResult
  connect: (input: string) => ConnectionResult
  disconnect: () => ConnectionResult
}

/**
 * The sidebar's connect flow, with storage and HTTP injected so it runs the same in
 * Apps Script and in unit tests. Expected failures come back as results: google.script.run
 * turns a thrown error into a bare message and loses its code.
 */
export function createConnectionActions (deps: ConnectionDependencies): ConnectionActions {
  return {
    getConnection () {
      const token = deps.tokens.read()
      if (token === null) return { ok: true, connection: null }
      // A revoked token stays stored: reading the state never destroys it; connecting again replaces it.
      return withBackendErrors(() => ({ ok: true, connection: toConnection(deps.fetchMe(token), numbersOf(deps, token)) }))
    },

    connect (input) {
      const checked = checkApiToken(input)
      if (!checked.ok) return { ok: false, error: sidebarError(checked.code, '', 'token') }
      return withBackendErrors(() => {
        const connection = toConnection(deps.fetchMe(checked.token), numbersOf(deps, checked.token))
        deps.tokens.write(checked.token)
        return { ok: true, connection }
      })
    },

    disconnect () {
      deps.tokens.clear()
      return { ok: true, connection: null }
    },
  }
}

/** The part of `/me` and the numbers the sidebar shows; nothing else leaves the server function. */
export function toConnection (me: Me, numbers: readonly WhatsappNumber[] = []): Connection {
  const number = numbers.find((n) => n.status === 'active') ?? numbers[0]
  const sendingNumber: SendingNumber | null = number === undefined
    ? null
    : { displayPhoneNumber: number.displayPhoneNumber, verifiedName: number.verifiedName, status: number.status }
  return {
    workspaceName: me.workspace.name,
    user: { email: me.user.email, displayName: me.user.displayName, role: me.user.role },
    timeZone: me.workspace.timeZone,
    sendingNumber,
  }
}

// The number is a detail of the connection: a token that may not read it still connects.
function numbersOf (deps: ConnectionDependencies, token: string): WhatsappNumber[] {
  if (deps.fetchNumbers === undefined) return []
  try {
    return deps.fetchNumbers(token)
  } catch (error) {
    if (error instanceof BackendError && error.status >= 400 && error.status < 500) return []
    throw error
  }
}

function withBackendErrors (run: () => ConnectionResult): ConnectionResult {
  try {
    return run()
  } catch (error) {
    if (error instanceof BackendError) return { ok: false, error: sidebarError(error.code, error.message, error.field) }
    throw error
  }
}

function sidebarError (code: string, serverMessage: string, field: string | undefined): SidebarError {
  const error: SidebarError = { code, message: describeError({ code, message: serverMessage }) }
  if (field !== undefined) error.field = field
  return error
}
