import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { buildAll, OFFICE_JS_CDN, REPO_ROOT } from '../../build/build.js'
import { launchChromium } from '../../build/test-support/browser.js'
import { freePort, startBackend, type BackendProcess } from '../../build/test-support/backend-process.js'

/**
 * What the Outlook browser tests share: the built pane served by the real backend (in its own
 * process, over real HTTP), headless Chromium, and `office-stub.js` in place of office.js.
 * Each pane (page) loads its own copy of the stub, so each has its own in-memory roaming
 * settings, as each running Outlook add-in instance does.
 */

export interface Address { displayName: string, emailAddress: string }
export interface ItemFixture {
  itemId: string
  subject: string
  from: Address | null
  sender?: Address
  to: Address[]
  cc?: Address[]
  internetMessageId?: string
  conversationId?: string
  dateTimeCreated?: string
  attachments?: Array<{ id: string, name: string, size: number, contentType: string, isInline?: boolean, content?: string }>
  body?: { text: string, html: string }
  restricted?: boolean
}

/** An asynchronous call of the stub during which the selection can be moved (office-stub.js `inFlight`). */
export type StubCall = 'onReady' | 'addHandlerAsync' | 'body.getAsync' | 'getAttachmentContentAsync' | 'roamingSettings.saveAsync'

export interface OfficeFixture {
  host?: string | null
  mailboxVersion?: string
  item: ItemFixture | null
  failAddHandler?: boolean
  roaming?: Record<string, string>
  selectDuring?: { call: StubCall, item: ItemFixture | null }
  /** Office dialog error codes the next displayDialogAsync calls fail with, in order. */
  dialogErrors?: number[]
}

interface StubWindow {
  __officeFixture: OfficeFixture
  __officeStub: {
    selectItem: (i: unknown) => void
    selectDuring: (call: string, i: unknown) => void
    trapFired: () => boolean
    handlerCount: () => number
    savedRoaming: () => Record<string, string>
    dialogOpen: () => boolean
  }
}

/** The roaming setting the pane keeps its sign-in in. */
export const SIGN_IN_SETTING = 'switchboard.signInToken'

/** The roaming settings of a mailbox whose pane signed in and got `grant`. */
export function roamingOf (grant: { signInToken: string }): Record<string, string> {
  return { [SIGN_IN_SETTING]: grant.signInToken }
}
export const AGENT = { email: 'agent.outlook@acme.example', password: 'outlook pane password', displayName: 'Olive Agent' }

/** Signs in over HTTP the way the dialog does (form post, code, PKCE exchange) and returns what the token route answers. */
export async function signInOverHttp (backendUrl: string, user: { email: string, password: string }): Promise<{ signInToken: string, refreshToken: string, accessToken: string }> {
  const verifier = randomBytes(32).toString('base64url')
  const redirect = `${backendUrl}/outlook/signed-in.html`
  const form = new URLSearchParams({
    client_id: 'outlook-addin', redirect_uri: redirect, response_type: 'code', code_challenge_method: 'S256',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), state: 'state-from-the-test-0001', email: user.email, password: user.password,
  })
  const posted = await fetch(`${backendUrl}/oauth/addin/authorize`, { method: 'POST', body: form, redirect: 'manual' })
  const code = new URL(posted.headers.get('location') ?? '').searchParams.get('code') ?? ''
  const token = await fetch(`${backendUrl}/oauth/addin/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grantType: 'authorization_code', clientId: 'outlook-addin', code, codeVerifier: verifier, redirectUri: redirect }) })
  return await token.json() as { signInToken: string, refreshToken: string, accessToken: string }
}

export interface PaneHarness {
  backend: BackendProcess
  browser: Browser
  /** A browser context that plays Outlook: the stub for office.js, the fixture, and nothing off this machine. */
  outlookContext: (fixture: OfficeFixture, viewport?: { width: number, height: number }) => Promise<BrowserContext>
  openPane: (fixture: OfficeFixture) => Promise<{ page: Page, context: BrowserContext, errors: string[] }>
  /** Opens another pane in an existing context (a second add-in instance: its own roaming copy). */
  openPaneIn: (context: BrowserContext) => Promise<{ page: Page, errors: string[] }>
  /** Signs in over HTTP the way the dialog does and returns what the pane keeps in roaming settings. */
  signInOverHttp: () => Promise<{ signInToken: string, refreshToken: string, accessToken: string }>
  close: () => Promise<void>
}

/** Builds the add-in, starts the backend with an agent user, and launches Chromium. */
export async function startPaneHarness (env: Record<string, string> = {}): Promise<PaneHarness> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sb-outlook-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  await buildAll({ backendUrl: url, outDir: dir, onWarning: () => {} })
  const backend = await startBackend({ env: { PORT: String(port), PUBLIC_URL: url, OUTLOOK_ADDIN_DIR: path.join(dir, 'outlook-addin'), ...env } })
  const agent = await backend.api('POST', '/users', { email: AGENT.email, displayName: AGENT.displayName, role: 'agent', password: AGENT.password })
  if (agent.status !== 201) throw new Error(`Adding the agent failed: ${JSON.stringify(agent.body)}`)
  const stub = await readFile(path.join(REPO_ROOT, 'outlook-addin', 'test', 'office-stub.js'), 'utf8')
  const browser = await launchChromium()
  const origin = new URL(backend.url).origin

  async function outlookContext (fixture: OfficeFixture, viewport = { width: 360, height: 720 }): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport })
    await context.route((u) => u.origin !== origin, (route) => route.abort())
    await context.route(OFFICE_JS_CDN, (route) => route.fulfill({ contentType: 'application/javascript', body: stub }))
    await context.addInitScript((f) => { (window as unknown as StubWindow).__officeFixture = f }, { host: 'Outlook', mailboxVersion: '1.8', ...fixture })
    return context
  }

  async function openPaneIn (context: BrowserContext): Promise<{ page: Page, errors: string[] }> {
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(`${backend.url}/outlook/taskpane.html`)
    return { page, errors }
  }

  return {
    backend,
    browser,
    outlookContext,
    openPaneIn,
    async openPane (fixture) {
      const context = await outlookContext(fixture)
      return { context, ...await openPaneIn(context) }
    },
    async signInOverHttp () {
      return await signInOverHttp(backend.url, AGENT)
    },
    async close () {
      await browser.close()
      await backend.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

export const visible = (page: Page, id: string): Promise<unknown> =>
  page.waitForFunction((i) => { const el = document.getElementById(i); return el !== null && !el.hidden && el.offsetParent !== null }, id)

export const textOf = (page: Page, id: string): Promise<string> => page.evaluate((i) => document.getElementById(i)?.textContent ?? '', id)

export const waitForText = (page: Page, id: string, pattern: string): Promise<unknown> =>
  page.waitForFunction(([i, p]) => { const el = document.getElementById(i!); return el !== null && !el.hidden && (el.textContent ?? '').includes(p!) }, [id, pattern])

export const stubOf = (page: Page) => ({
  selectItem: (item: ItemFixture | null) => page.evaluate((i) => { (window as unknown as StubWindow).__officeStub.selectItem(i) }, item),
  selectDuring: (call: StubCall, item: ItemFixture | null) => page.evaluate(([c, i]) => { (window as unknown as StubWindow).__officeStub.selectDuring(c as string, i) }, [call, item] as const),
  trapFired: () => page.evaluate(() => (window as unknown as StubWindow).__officeStub.trapFired()),
  savedRoaming: () => page.evaluate(() => (window as unknown as StubWindow).__officeStub.savedRoaming()),
  handlerCount: () => page.evaluate(() => (window as unknown as StubWindow).__officeStub.handlerCount()),
})
