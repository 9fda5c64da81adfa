import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import vm from 'node:vm'
import { ExecutionContext, type AuthMode, type Counters, type ExecutionKind, type ExecutionRecord } from './apps-script/execution.js'
import type { LatencyModel } from './apps-script/limits.js'
import { FakeHtmlOutput, fakeSession, fakeUtilities } from './apps-script/misc-fakes.js'
import { fakeScriptApp, type RecordedTrigger } from './apps-script/script-app-fake.js'
import { FakeSpreadsheet } from './apps-script/spreadsheet-fake.js'
import { fakeCache, fakeLock, fakeProperties, type CacheStore, type LockTable } from './apps-script/storage-fakes.js'
import { fakeUrlFetchApp, type RecordedFetch, type UrlFetchState } from './apps-script/url-fetch-fake.js'
import { createCardService } from './apps-script/card-service-fake.js'
import type { IdentityTokenClaims } from './apps-script/script-app-fake.js'
import { actionTokenFor, fakeGmail, type GmailFakeState, type GmailFixtureMessage, type GmailReadRecord } from './apps-script/workspace-fakes.js'

/**
 * A local Apps Script runtime: loads a built `dist/<target>/Code.js` into a Node `vm`
 * context with fakes of the services the add-ons use, and calls its global functions by
 * name, the way Apps Script does. The fakes fail where Apps Script fails:
 *
 * - each call is an execution with Google's time limit (6 minutes; 30 s for simple
 *   triggers) on a clock that adds the latency model's service time to the real time;
 * - auth modes (NONE allows menus only, LIMITED no UrlFetch or triggers) and the
 *   manifest's scopes gate every service method;
 * - UrlFetchApp makes real synchronous HTTP calls (through a worker thread, so the server
 *   must run in another thread or process), honours urlFetchWhitelist and Google's size
 *   limits and daily quota, and counts every request;
 * - PropertiesService and CacheService enforce their value and store sizes, LockService can
 *   be held by "another execution", ScriptApp records installable triggers under the
 *   editor add-on rules and fires them on demand;
 * - SpreadsheetApp is an in-memory spreadsheet that coerces written strings as Sheets does,
 *   checks range shapes and bounds, and counts reads and writes;
 * - HtmlService only finds files that the build wrote; GmailApp refuses a message until its
 *   access token is set, and its body until a user's click; CardService's builders refuse
 *   what Google refuses and build plain data (FakeCard) that tests inspect;
 * - a Workspace add-on (a manifest with `addOns`) gets 30 seconds per execution.
 */

export type { AuthMode, Counters, ExecutionRecord } from './apps-script/execution.js'
export type { LatencyModel } from './apps-script/limits.js'
export type { GmailFixtureMessage, GmailReadRecord } from './apps-script/workspace-fakes.js'
export type {
  FakeAction, FakeActionResponse, FakeAddOnResponse, FakeCard, FakeClick, FakeDecoratedText, FakeNavigationStep, FakeSection,
  FakeSelectionInput, FakeTextButton, FakeTextInput, FakeUniversalActionResponse, FakeUpdateDraftActionResponse, FakeWidget,
} from './apps-script/card-service-fake.js'
export { cardButtons, cardWidgets, CARD_LIMITS } from './apps-script/card-service-fake.js'
export { cardTexts, createGmailHost } from './apps-script/gmail-host.js'
export { buttonTexts, CARD_CSS, cardHtml, cardPage, formattedText } from './apps-script/card-html.js'
export type { GmailHost, GmailHostOptions, TypedForm } from './apps-script/gmail-host.js'
export type { IdentityTokenClaims } from './apps-script/script-app-fake.js'
export type { RecordedFetch } from './apps-script/url-fetch-fake.js'
export type { RecordedTrigger } from './apps-script/script-app-fake.js'
export { FakeRange, FakeSheet, FakeSpreadsheet } from './apps-script/spreadsheet-fake.js'

/** What the runtime is loaded with besides the build. */
export interface AppsScriptRuntimeOptions {
  /** Messages GmailApp can open, by message id. */
  gmailMessages?: Record<string, GmailFixtureMessage>
  /** The spreadsheet the add-on is open in (Sheets add-ons). */
  spreadsheet?: { name?: string, timeZone?: string }
  /** Service time added to each execution's clock; see LatencyModel. */
  latency?: Partial<LatencyModel>
  /** The Google account running the code. */
  userEmail?: string
  /** The script's OAuth client id, the audience of ScriptApp.getIdentityToken(). */
  oauthClientId?: string
  /** Signs identity tokens with a key the backend trusts (see google-identity.ts); without it they are unsigned. */
  signIdentityToken?: (claims: IdentityTokenClaims) => string
  /**
   * Editor add-ons (Sheets, Docs) live under stricter trigger rules than a bound script.
   * Default: an editor add-on unless the manifest declares a Workspace add-on (`addOns`).
   */
  editorAddOn?: boolean
}

/** One loaded Code.js and the state of its fake services. */
export interface AppsScriptRuntime {
  context: vm.Context
  manifest: AppsScriptManifest
  /** Calls a global function by name, as a trigger or menu item would, in the given auth mode. */
  run: (name: string, args?: unknown[], authMode?: AuthMode) => unknown
  /** Calls a global function the way `google.script.run` does: arguments and result pass through JSON. */
  runForClient: (name: string, args?: unknown[]) => unknown
  /** Whether `name` is a global function of the loaded code. */
  isGlobalFunction: (name: string) => boolean
  /** Apps Script globals (services) the top level touched while Code.js loaded; Apps Script re-runs it on every call. */
  touchedAtLoad: ReadonlySet<string>
  /** Apps Script globals (services) the code has touched since load or the last `resetTouched`. */
  touched: Set<string>
  resetTouched: () => void
  /** Every UrlFetch request, in order (fetchAll's one by one). */
  fetches: RecordedFetch[]
  userProperties: Map<string, string>
  scriptProperties: Map<string, string>
  documentProperties: Map<string, string>
  /** What the code wrote with Logger.log or console.log. */
  logs: string[]
  menus: Array<{ kind: 'addon' | 'named', title: string | null, items: Array<{ caption: string, functionName: string }> }>
  sidebars: Array<{ title: string, content: string }>
  /** The spreadsheet the add-on is open in; tests edit it as a person would (nothing counted). */
  spreadsheet: FakeSpreadsheet
  /** Installable triggers the code created. */
  triggers: RecordedTrigger[]
  /** Runs one trigger's handler as Apps Script would: AuthMode.FULL, a time-driven event, no active document. */
  fireTrigger: (uid: string) => unknown
  /** Fires every time-driven trigger that is due on the runtime's clock; returns how many ran. */
  runDueTriggers: () => number
  /** The clock Apps Script code sees; `advance` lets time pass between executions. */
  clock: { now: () => number, advance: (ms: number) => void }
  /** Every execution so far, with its time and counters. */
  executions: ExecutionRecord[]
  /** The most recent execution. */
  lastExecution: () => ExecutionRecord
  /** Counters summed over every execution. */
  totals: Counters
  /** Locks "another execution" holds: the code's waitLock times out on them. */
  locks: LockTable
  /** The service times added to the clock; change a field to make the next executions slower. */
  latency: LatencyModel
  /** A Workspace add-on (manifest `addOns`): 30 seconds per execution. */
  workspaceAddOn: boolean
  /** GmailApp's messages, what the code read from them, and the tokens events carry. */
  gmail: {
    messages: Record<string, GmailFixtureMessage>
    /** Every metadata and content read, in order. */
    reads: GmailReadRecord[]
    /** The access token a card action's event carries for a message: it comes with a click. */
    actionToken: (messageId: string) => string
  }
}

/** The parts of appsscript.json the runtime reads. */
export interface AppsScriptManifest {
  oauthScopes?: string[]
  urlFetchWhitelist?: string[]
  timeZone?: string
  addOns?: unknown
  [key: string]: unknown
}

const SIMPLE_TRIGGERS = new Set(['onOpen', 'onEdit', 'onInstall', 'onSelectionChange'])
const CONTAINER_UI = ['https://www.googleapis.com/auth/script.container.ui']

/** Loads `distDir/Code.js` and its manifest into a fresh runtime. */
export function loadAppsScript (distDir: string, options: AppsScriptRuntimeOptions = {}): AppsScriptRuntime {
  const code = readFileSync(path.join(distDir, 'Code.js'), 'utf8')
  const manifest = JSON.parse(readFileSync(path.join(distDir, 'appsscript.json'), 'utf8')) as AppsScriptManifest
  const scopes = manifest.oauthScopes
  const exec = new ExecutionContext(scopes, options.latency)
  const userEmail = options.userEmail ?? 'ada@example.com'
  const touched = new Set<string>()
  const fetchState: UrlFetchState = { fetches: [], requestsToday: 0 }
  const userProperties = new Map<string, string>()
  const scriptProperties = new Map<string, string>()
  const documentProperties = new Map<string, string>()
  const caches = { user: new Map() as CacheStore, script: new Map() as CacheStore, document: new Map() as CacheStore }
  const locks: LockTable = { heldElsewhere: new Set() }
  const triggers: RecordedTrigger[] = []
  const menus: AppsScriptRuntime['menus'] = []
  const sidebars: AppsScriptRuntime['sidebars'] = []
  const logs: string[] = []
  const log = (...args: unknown[]): void => { logs.push(args.map((a) => typeof a === 'string' ? a : JSON.stringify(a)).join(' ')) }

  const sandbox: Record<string, unknown> = {}
  const context = vm.createContext(sandbox)
  // Code sees the execution clock: Date.now() and new Date() move with simulated service time.
  const ScriptDate = (vm.runInContext(`(function (now) {
    const RealDate = Date
    class ScriptDate extends RealDate {
      constructor (...args) { if (args.length === 0) super(now()); else super(...args) }
      static now () { return now() }
    }
    return ScriptDate
  })`, context) as (now: () => number) => DateConstructor)(() => exec.now())
  Object.defineProperty(sandbox, 'Date', { value: ScriptDate, writable: true, configurable: true })

  const spreadsheet = new FakeSpreadsheet({ exec, makeDate: (ms) => new ScriptDate(ms) }, `ss_${Math.random().toString(36).slice(2, 12)}`, options.spreadsheet?.name ?? 'Untitled spreadsheet', options.spreadsheet?.timeZone ?? manifest.timeZone ?? 'Etc/UTC')
  spreadsheet.addSheet('Sheet1')
  const editorAddOn = options.editorAddOn ?? manifest.addOns === undefined
  const workspaceAddOn = manifest.addOns !== undefined && !editorAddOn
  const gmailState: GmailFakeState = { messages: { ...options.gmailMessages }, reads: [] }

  const document = (name: string): void => { exec.enter(name, { mode: 'LIMITED', scopes: ['https://www.googleapis.com/auth/spreadsheets', 'https://www.googleapis.com/auth/spreadsheets.currentonly'] }) }
  const ui = {
    createAddonMenu: () => fakeMenu(menus, 'addon', null),
    createMenu: (title: string) => fakeMenu(menus, 'named', title),
    showSidebar (html: FakeHtmlOutput) {
      exec.enter('Ui.showSidebar', { mode: 'LIMITED', scopes: CONTAINER_UI })
      sidebars.push({ title: html.getTitle(), content: html.getContent() })
    },
    showModalDialog (html: FakeHtmlOutput, title: string) {
      exec.enter('Ui.showModalDialog', { mode: 'LIMITED', scopes: CONTAINER_UI })
      sidebars.push({ title, content: html.getContent() })
    },
    alert (message: string) {
      exec.enter('Ui.alert', { mode: 'LIMITED', scopes: CONTAINER_UI })
      log(`[alert] ${message}`)
      return 'OK'
    },
    ButtonSet: { OK: 'OK', OK_CANCEL: 'OK_CANCEL', YES_NO: 'YES_NO' },
    Button: { OK: 'OK', CANCEL: 'CANCEL', YES: 'YES', NO: 'NO' },
  }

  const services: Record<string, unknown> = {
    ScriptApp: fakeScriptApp(exec, triggers, {
      editorAddOn, documentId: spreadsheet.id, scriptId: '1LocalAppsScriptRuntime', userEmail, scopes,
      oauthClientId: options.oauthClientId, signIdentityToken: options.signIdentityToken,
    }),
    PropertiesService: {
      getUserProperties: () => fakeProperties(exec, userProperties),
      getScriptProperties: () => fakeProperties(exec, scriptProperties),
      // PropertiesService.getDocumentProperties (https://developers.google.com/apps-script/reference/properties/properties-service#getDocumentProperties()):
      // a store "within the open document, spreadsheet, or form"; "when document properties are not available this method returns null".
      // A time-driven trigger has no open document (hasActiveDocument is false there), so it gets null, whatever its auth mode.
      getDocumentProperties: () => exec.hasActiveDocument ? fakeProperties(exec, documentProperties) : null,
    },
    CacheService: {
      getUserCache: () => fakeCache(exec, caches.user),
      getScriptCache: () => fakeCache(exec, caches.script),
      getDocumentCache: () => fakeCache(exec, caches.document),
    },
    LockService: {
      getDocumentLock: () => fakeLock(exec, locks, 'document'),
      getScriptLock: () => fakeLock(exec, locks, 'script'),
      getUserLock: () => fakeLock(exec, locks, 'user'),
    },
    UrlFetchApp: fakeUrlFetchApp(exec, fetchState, manifest.urlFetchWhitelist),
    HtmlService: {
      createHtmlOutputFromFile (name: string) {
        exec.enter('HtmlService.createHtmlOutputFromFile', { mode: 'LIMITED' })
        const file = path.join(distDir, `${name}.html`)
        if (!existsSync(file)) throw new Error(`Exception: No HTML file named ${name} was found.`)
        return new FakeHtmlOutput(readFileSync(file, 'utf8'))
      },
      createHtmlOutput (html = '') {
        exec.enter('HtmlService.createHtmlOutput', { mode: 'LIMITED' })
        return new FakeHtmlOutput(html)
      },
      SandboxMode: { IFRAME: 'IFRAME', NATIVE: 'NATIVE', EMULATED: 'EMULATED' },
      XFrameOptionsMode: { ALLOWALL: 'ALLOWALL', DEFAULT: 'DEFAULT' },
    },
    SpreadsheetApp: {
      getUi () {
        exec.enter('SpreadsheetApp.getUi', { mode: 'NONE' })
        if (!exec.hasActiveDocument) throw new Error('Exception: Cannot call SpreadsheetApp.getUi() from this context.')
        return ui
      },
      getActiveSpreadsheet () {
        document('SpreadsheetApp.getActiveSpreadsheet')
        return exec.hasActiveDocument ? spreadsheet : null
      },
      getActive () {
        document('SpreadsheetApp.getActive')
        return exec.hasActiveDocument ? spreadsheet : null
      },
      getActiveSheet () {
        document('SpreadsheetApp.getActiveSheet')
        if (!exec.hasActiveDocument) throw new Error('Exception: There is no active spreadsheet in this context.')
        return spreadsheet.getActiveSheet()
      },
      openById (id: string) {
        exec.enter('SpreadsheetApp.openById', { mode: 'FULL', scopes: ['https://www.googleapis.com/auth/spreadsheets'] })
        if (id !== spreadsheet.id) throw new Error(`Exception: Unexpected error while getting the method or property openById on object SpreadsheetApp: no spreadsheet ${id}`)
        return spreadsheet
      },
      flush () {},
      WrapStrategy: { WRAP: 'WRAP', CLIP: 'CLIP', OVERFLOW: 'OVERFLOW' },
    },
    GmailApp: fakeGmail(exec, gmailState, scopes),
    CardService: createCardService({ openLinkUrlPrefixes: (manifest.addOns as { common?: { openLinkUrlPrefixes?: string[] } } | undefined)?.common?.openLinkUrlPrefixes ?? (manifest.addOns === undefined ? undefined : []) }),
    Session: fakeSession(exec, { email: userEmail, timeZone: manifest.timeZone ?? 'Etc/UTC', scopes }),
    Utilities: fakeUtilities(exec),
    Logger: { log: (...args: unknown[]) => { log(...args) } },
    console: { log, info: log, warn: log, error: log },
  }

  // Globals are getters so the runtime knows which services a call touched.
  for (const [name, service] of Object.entries(services)) {
    Object.defineProperty(sandbox, name, { enumerable: true, configurable: true, get () { touched.add(name); return service } })
  }
  vm.runInContext(code, context, { filename: 'Code.js' })
  const touchedAtLoad = new Set(touched)
  touched.clear()

  const globals = context as Record<string, unknown>
  const isGlobalFunction = (name: string): boolean => typeof globals[name] === 'function'
  const execute = (name: string, args: unknown[], mode: AuthMode, kind: ExecutionKind): unknown => {
    const fn = globals[name]
    if (typeof fn !== 'function') throw new Error(`Script function not found: ${name}`)
    return exec.execute(name, kind, mode, () => (fn as (...a: unknown[]) => unknown)(...args))
  }
  const run = (name: string, args: unknown[] = [], mode: AuthMode = 'FULL'): unknown =>
    execute(name, args, mode, workspaceAddOn ? 'addon' : SIMPLE_TRIGGERS.has(name) ? 'simple-trigger' : 'call')

  const fireTrigger = (uid: string): unknown => {
    const trigger = triggers.find((t) => t.uid === uid)
    if (trigger === undefined) throw new Error(`No trigger ${uid}`)
    if (trigger.everyMs !== undefined) trigger.nextRunAt = exec.now() + trigger.everyMs
    else triggers.splice(triggers.indexOf(trigger), 1)
    const now = new Date(exec.now())
    const event = {
      authMode: 'FULL', triggerUid: uid, year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, 'day-of-month': now.getUTCDate(),
      hour: now.getUTCHours(), minute: now.getUTCMinutes(), second: now.getUTCSeconds(), timezone: 'UTC',
    }
    // A time-driven trigger runs with no open editor: no active document, no UI.
    exec.hasActiveDocument = trigger.source !== 'CLOCK'
    try {
      return execute(trigger.handler, [JSON.parse(JSON.stringify(event))], 'FULL', 'trigger')
    } finally {
      exec.hasActiveDocument = true
    }
  }

  return {
    context,
    manifest,
    run,
    runForClient: (name, args = []) => {
      // google.script.run refuses names ending in "_" (private) and serialises both ways.
      if (name.endsWith('_')) throw new Error(`Script function ${name} is private`)
      const result = execute(name, JSON.parse(JSON.stringify(args)) as unknown[], 'FULL', 'client')
      assertSerialisable(result, name)
      return result === undefined ? undefined : JSON.parse(JSON.stringify(result)) as unknown
    },
    isGlobalFunction,
    touchedAtLoad,
    touched,
    resetTouched: () => { touched.clear() },
    fetches: fetchState.fetches,
    userProperties,
    scriptProperties,
    documentProperties,
    logs,
    menus,
    sidebars,
    spreadsheet,
    triggers,
    fireTrigger,
    runDueTriggers: () => {
      const due = triggers.filter((t) => t.source === 'CLOCK' && t.nextRunAt !== undefined && t.nextRunAt <= exec.now())
      for (const t of due) fireTrigger(t.uid)
      return due.length
    },
    clock: { now: () => exec.now(), advance: (ms) => { exec.advance(ms) } },
    executions: exec.records,
    lastExecution: () => {
      const last = exec.records[exec.records.length - 1]
      if (last === undefined) throw new Error('Nothing has run yet')
      return last
    },
    totals: exec.totals,
    locks,
    latency: exec.latency,
    workspaceAddOn,
    gmail: {
      messages: gmailState.messages,
      reads: gmailState.reads,
      actionToken: (messageId) => {
        const message = gmailState.messages[messageId]
        if (message === undefined) throw new Error(`No fixture message ${messageId}`)
        return actionTokenFor(message)
      },
    },
  }
}

// google.script.run fails a call whose result holds a Date or a function, rather than converting it.
function assertSerialisable (value: unknown, name: string): void {
  const visit = (v: unknown): void => {
    if (typeof v === 'function' || Object.prototype.toString.call(v) === '[object Date]') {
      throw new Error(`${name} returned a value google.script.run cannot pass (a Date or a function)`)
    }
    if (typeof v === 'object' && v !== null) Object.values(v).forEach(visit)
  }
  visit(value)
}

function fakeMenu (menus: AppsScriptRuntime['menus'], kind: 'addon' | 'named', title: string | null): unknown {
  const items: Array<{ caption: string, functionName: string }> = []
  const menu = {
    addItem (caption: string, functionName: string) {
      items.push({ caption, functionName })
      return menu
    },
    addSeparator: () => menu,
    addToUi () { menus.push({ kind, title, items }) },
  }
  return menu
}
