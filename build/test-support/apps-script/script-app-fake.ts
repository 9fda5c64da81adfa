import { createHash, randomUUID } from 'node:crypto'
import type { ExecutionContext } from './execution.js'
import { LIMITS } from './limits.js'

const SCRIPTAPP_SCOPE = ['https://www.googleapis.com/auth/script.scriptapp']

/** An installable trigger as the runtime records it. */
export interface RecordedTrigger {
  uid: string
  handler: string
  source: 'CLOCK' | 'SPREADSHEETS'
  eventType: 'CLOCK' | 'ON_OPEN' | 'ON_EDIT' | 'ON_CHANGE' | 'ON_FORM_SUBMIT'
  /** The document the trigger belongs to (add-ons: always the open one). */
  documentId: string
  /** Recurring interval, or undefined for a one-off. */
  everyMs?: number
  /** Virtual epoch ms of the next (or only) run. */
  nextRunAt?: number
}

/** How ScriptApp behaves for this script and user. */
export interface ScriptAppOptions {
  /** Editor add-ons: one trigger of each type per user per document, time-driven at most hourly. */
  editorAddOn: boolean
  documentId: string
  scriptId: string
  userEmail: string
  /** Scopes from the manifest; getIdentityToken needs `openid`. */
  scopes: readonly string[] | undefined
  /** The script's OAuth client id: the identity token's audience. Default `<scriptId>.apps.googleusercontent.com`. */
  oauthClientId?: string | undefined
  /** Signs identity tokens (a local key whose JWKS the backend trusts); without it tokens are unsigned. */
  signIdentityToken?: ((claims: IdentityTokenClaims) => string) | undefined
}

/** The claims of a Google ID token as ScriptApp.getIdentityToken() returns it. */
export interface IdentityTokenClaims {
  iss: string
  aud: string
  sub: string
  email: string
  email_verified: boolean
  iat: number
  exp: number
}

/** ScriptApp: enums, installable triggers recorded for the runtime to fire, and tokens. */
export function fakeScriptApp (exec: ExecutionContext, triggers: RecordedTrigger[], options: ScriptAppOptions): object {
  const manage = (name: string): void => { exec.enter(`ScriptApp.${name}`, { mode: 'FULL', scopes: SCRIPTAPP_SCOPE }) }
  const triggerObject = (t: RecordedTrigger): object => ({
    getUniqueId: () => t.uid,
    getHandlerFunction: () => t.handler,
    getEventType: () => t.eventType,
    getTriggerSource: () => t.source,
    getTriggerSourceId: () => t.source === 'CLOCK' ? null : t.documentId,
    __uid: t.uid,
  })
  const add = (trigger: RecordedTrigger): object => {
    if (triggers.length >= LIMITS.triggers.perUserPerScript) throw new Error('Exception: This script has too many triggers. Triggers must be deleted from the script before more can be added.')
    if (options.editorAddOn && triggers.some((t) => t.documentId === trigger.documentId && t.eventType === trigger.eventType)) {
      throw new Error(trigger.eventType === 'CLOCK'
        ? 'Exception: This add-on has created too many time-based triggers in this document for this Google user account.'
        : 'Exception: This add-on has created too many triggers of this type in this document for this Google user account.')
    }
    triggers.push(trigger)
    return triggerObject(trigger)
  }
  const clockBuilder = (handler: string): object => {
    let everyMs: number | undefined
    let at: number | undefined
    const builder = {
      everyMinutes (n: number) { everyMs = n * 60_000; return builder },
      everyHours (n: number) { everyMs = n * 3_600_000; return builder },
      everyDays (n: number) { everyMs = n * 86_400_000; return builder },
      everyWeeks (n: number) { everyMs = n * 7 * 86_400_000; return builder },
      after (ms: number) { at = exec.now() + ms; return builder },
      at (date: Date) { at = date.getTime(); return builder },
      atHour () { return builder },
      nearMinute () { return builder },
      create () {
        manage('TriggerBuilder.create')
        if (everyMs === undefined && at === undefined) throw new Error('Exception: The trigger needs a schedule: everyHours, after, at…')
        if (options.editorAddOn && everyMs !== undefined && everyMs < LIMITS.triggers.addOnMinIntervalMs) {
          throw new Error('Exception: Add-ons can\'t create time-based triggers that run more frequently than once per hour.')
        }
        const trigger: RecordedTrigger = { uid: String(Math.floor(Math.random() * 1e15)), handler, source: 'CLOCK', eventType: 'CLOCK', documentId: options.documentId }
        if (everyMs !== undefined) {
          trigger.everyMs = everyMs
          trigger.nextRunAt = exec.now() + everyMs
        } else {
          trigger.nextRunAt = at
        }
        return add(trigger)
      },
    }
    return builder
  }
  const documentBuilder = (handler: string, documentId: string): object => {
    const make = (eventType: RecordedTrigger['eventType']) => () => ({
      create () {
        manage('TriggerBuilder.create')
        if (options.editorAddOn && documentId !== options.documentId) throw new Error('Exception: Add-ons can only create triggers for the document they are used in.')
        return add({ uid: String(Math.floor(Math.random() * 1e15)), handler, source: 'SPREADSHEETS', eventType, documentId })
      },
    })
    return { onOpen: make('ON_OPEN'), onEdit: make('ON_EDIT'), onChange: make('ON_CHANGE'), onFormSubmit: make('ON_FORM_SUBMIT') }
  }

  return {
    AuthMode: { NONE: 'NONE', LIMITED: 'LIMITED', FULL: 'FULL', CUSTOM_FUNCTION: 'CUSTOM_FUNCTION' },
    EventType: { CLOCK: 'CLOCK', ON_OPEN: 'ON_OPEN', ON_EDIT: 'ON_EDIT', ON_CHANGE: 'ON_CHANGE', ON_FORM_SUBMIT: 'ON_FORM_SUBMIT' },
    TriggerSource: { CLOCK: 'CLOCK', SPREADSHEETS: 'SPREADSHEETS' },
    newTrigger (handler: string) {
      manage('newTrigger')
      if (typeof handler !== 'string' || handler === '') throw new Error('Exception: Invalid argument: functionName')
      return {
        timeBased: () => clockBuilder(handler),
        forSpreadsheet: (target: string | { getId: () => string }) => documentBuilder(handler, typeof target === 'string' ? target : target.getId()),
      }
    },
    getProjectTriggers () {
      manage('getProjectTriggers')
      return triggers.map(triggerObject)
    },
    getUserTriggers (document: { getId: () => string }) {
      manage('getUserTriggers')
      return triggers.filter((t) => t.documentId === document.getId()).map(triggerObject)
    },
    deleteTrigger (trigger: { __uid?: string }) {
      manage('deleteTrigger')
      const index = triggers.findIndex((t) => t.uid === trigger.__uid)
      if (index === -1) throw new Error('Exception: Trigger not found.')
      triggers.splice(index, 1)
    },
    getIdentityToken () {
      exec.enter('ScriptApp.getIdentityToken', { mode: 'FULL' })
      // Without the openid scope Apps Script has no identity token to give.
      if (options.scopes !== undefined && !options.scopes.includes('openid')) return null
      const claims: IdentityTokenClaims = {
        iss: 'https://accounts.google.com',
        aud: options.oauthClientId ?? `${options.scriptId}.apps.googleusercontent.com`,
        sub: createHash('sha256').update(options.userEmail).digest('hex').slice(0, 21),
        email: options.userEmail,
        email_verified: true,
        iat: Math.floor(exec.now() / 1000),
        exp: Math.floor(exec.now() / 1000) + 3600,
      }
      return options.signIdentityToken !== undefined ? options.signIdentityToken(claims) : unsignedJwt({ ...claims })
    },
    getOAuthToken () {
      exec.enter('ScriptApp.getOAuthToken', { mode: 'FULL' })
      return `ya29.local-${randomUUID()}`
    },
    getScriptId () {
      return options.scriptId
    },
  }
}

function unsignedJwt (claims: Record<string, unknown>): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`
}
