import type { ExecutionContext } from './execution.js'

/**
 * A message GmailApp can open. Headers are the raw strings Gmail returns (decoded, but
 * with names, quotes and commas as written); a header left out is absent from the message.
 */
export interface GmailFixtureMessage {
  /** The token a contextual trigger's event carries for this message (metadata only). */
  accessToken: string
  from: string
  subject: string
  to?: string
  cc?: string
  bcc?: string
  replyTo?: string
  /** ISO 8601; default 2026-03-02T09:15:00Z. */
  date?: string
  /** Other headers by name, e.g. `Message-ID`, `References`. */
  headers?: Record<string, string>
  plainBody?: string
  htmlBody?: string
  attachments?: Array<{ name: string, size: number, contentType: string }>
  threadId?: string
  /** How many messages the thread holds (long threads); the add-on may not read them. */
  threadMessageCount?: number
}

/** What the code read from each message, so tests can tell metadata reads from content reads. */
export interface GmailReadRecord {
  messageId: string
  method: string
  kind: 'metadata' | 'content'
}

/** The GmailApp fake's state, shared with the runtime. */
export interface GmailFakeState {
  messages: Record<string, GmailFixtureMessage>
  reads: GmailReadRecord[]
}

const METADATA_SCOPES = [
  'https://www.googleapis.com/auth/gmail.addons.current.message.metadata',
  'https://www.googleapis.com/auth/gmail.addons.current.message.action',
  'https://www.googleapis.com/auth/gmail.addons.current.message.readonly',
  'https://www.googleapis.com/auth/gmail.readonly',
  'https://mail.google.com/',
]
// The body and attachments: only after a user interaction with message.action, or with a read scope.
const CONTENT_SCOPES = [
  'https://www.googleapis.com/auth/gmail.addons.current.message.action',
  'https://www.googleapis.com/auth/gmail.addons.current.message.readonly',
  'https://www.googleapis.com/auth/gmail.readonly',
  'https://mail.google.com/',
]
// Other messages of the thread are beyond the current message: readonly scopes only.
const THREAD_SCOPES = [
  'https://www.googleapis.com/auth/gmail.addons.current.message.readonly',
  'https://www.googleapis.com/auth/gmail.readonly',
  'https://mail.google.com/',
]

/** The suffix that marks the token of a card action's event: it came with a user's click. */
export const ACTION_TOKEN_SUFFIX = '.clicked'

/** The access token a card action's event carries for `message` (the click grants message.action). */
export function actionTokenFor (message: GmailFixtureMessage): string {
  return `${message.accessToken}${ACTION_TOKEN_SUFFIX}`
}

const DEFAULT_DATE = '2026-03-02T09:15:00.000Z'

/**
 * GmailApp for Workspace add-ons: a message opens only with the access token its event
 * carried (set with setCurrentMessageAccessToken); its headers need a message scope; its
 * body and attachments need message.action *and* a token from a user's click (a
 * contextual trigger's token does not grant them); its thread's other messages need a
 * readonly scope, which the Gmail add-on does not ask for.
 */
export function fakeGmail (exec: ExecutionContext, state: GmailFakeState, grantedScopes: readonly string[] | undefined): object {
  // Apps Script forgets the token when an execution ends: it is set again in every one.
  let currentToken: { token: string, execution: number } | null = null
  const tokenNow = (): string | null => currentToken !== null && currentToken.execution === exec.executionNumber ? currentToken.token : null
  const granted = (scopes: readonly string[]): boolean => grantedScopes === undefined || scopes.some((s) => grantedScopes.includes(s))
  const record = (messageId: string, method: string, kind: GmailReadRecord['kind']): void => {
    if (exec.active) state.reads.push({ messageId, method, kind })
  }
  const messageObject = (id: string, message: GmailFixtureMessage): object => {
    const header = (name: string): string => {
      const found = Object.entries(message.headers ?? {}).find(([key]) => key.toLowerCase() === name.toLowerCase())
      return found?.[1] ?? ''
    }
    const metadata = <T>(method: string, value: () => T) => (): T => {
      exec.enter(`GmailMessage.${method}`, { mode: 'FULL', scopes: METADATA_SCOPES })
      record(id, method, 'metadata')
      return value()
    }
    const content = <T>(method: string, value: () => T) => (): T => {
      exec.enter(`GmailMessage.${method}`, { mode: 'FULL', scopes: CONTENT_SCOPES })
      const clicked = tokenNow() === actionTokenFor(message)
      // message.action grants content only for the token of an interaction; readonly scopes always do.
      if (!clicked && !granted(THREAD_SCOPES)) {
        throw new Error(`Exception: Access denied: GmailMessage.${method} needs a user interaction (gmail.addons.current.message.action)`)
      }
      record(id, method, 'content')
      return value()
    }
    return {
      getId: () => id,
      getFrom: metadata('getFrom', () => message.from),
      getTo: metadata('getTo', () => message.to ?? ''),
      getCc: metadata('getCc', () => message.cc ?? ''),
      getBcc: metadata('getBcc', () => message.bcc ?? ''),
      getReplyTo: metadata('getReplyTo', () => message.replyTo ?? ''),
      getSubject: metadata('getSubject', () => message.subject),
      getDate: metadata('getDate', () => new Date(message.date ?? DEFAULT_DATE)),
      getHeader: (name: string) => metadata('getHeader', () => header(name))(),
      getPlainBody: content('getPlainBody', () => message.plainBody ?? ''),
      getBody: content('getBody', () => message.htmlBody ?? message.plainBody ?? ''),
      getAttachments: content('getAttachments', () => (message.attachments ?? []).map((a) => ({
        getName: () => a.name,
        getSize: () => a.size,
        getContentType: () => a.contentType,
      }))),
      getThread () {
        exec.enter('GmailMessage.getThread', { mode: 'FULL', scopes: THREAD_SCOPES })
        record(id, 'getThread', 'content')
        return { getId: () => message.threadId ?? id, getMessageCount: () => message.threadMessageCount ?? 1 }
      },
    }
  }
  return {
    setCurrentMessageAccessToken (token: string) {
      exec.enter('GmailApp.setCurrentMessageAccessToken', { mode: 'FULL' })
      if (typeof token !== 'string' || token === '') throw new Error('Exception: Invalid argument: accessToken')
      currentToken = { token, execution: exec.executionNumber }
    },
    getMessageById (id: string) {
      exec.enter('GmailApp.getMessageById', { mode: 'FULL', scopes: METADATA_SCOPES })
      const message = state.messages[id]
      if (message === undefined) throw new Error(`Exception: Invalid argument: ${id}`)
      // Add-ons read the open message only with the token its event carried.
      if (tokenNow() !== message.accessToken && tokenNow() !== actionTokenFor(message)) {
        throw new Error('Exception: Access denied: the current message access token is missing or wrong')
      }
      return messageObject(id, message)
    },
  }
}
