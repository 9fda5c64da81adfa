import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildAll, OFFICE_JS_CDN, REPO_ROOT } from '../../build/build.js'
import { launchChromium } from '../../build/test-support/browser.js'
import { freePort, startBackend, type BackendProcess } from '../../build/test-support/backend-process.js'
import { signInOverHttp, type Address, type ItemFixture } from '../test/pane-harness.js'

// The built task pane in headless Chromium, served by the real backend (its /outlook/
// route, in its own process, over real HTTP), with office.js replaced by a stub that plays
// Outlook: fixture messages, ItemChanged, roaming settings and the dialog API (a real popup
// window whose page calls messageParent).

interface OfficeFixture {
  host?: string | null
  mailboxVersion?: string
  item: ItemFixture | null
  failAddHandler?: boolean
  roaming?: Record<string, string>
}

interface StubWindow {
  __officeFixture: OfficeFixture
  __officeStub: { selectItem: (i: unknown) => void, handlerCount: () => number, savedRoaming: () => Record<string, string>, dialogOpen: () => boolean }
}

const SIGN_IN_SETTING = 'switchboard.signInToken'
const AGENT = { email: 'agent.outlook@acme.example', password: 'outlook pane password', displayName: 'Olive Agent' }

const QUOTE_PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(14_327, 42)])

const FIRST: ItemFixture = {
  itemId: 'AAMk-first',
  subject: 'Quote <img src=x onerror="document.title=\'pwned\'"> for 200 units',
  from: { displayName: 'Grace Hopper', emailAddress: 'grace@hopper.example' },
  to: [{ displayName: 'Sales', emailAddress: 'sales@acme.example' }],
  cc: [{ displayName: 'ops@acme.example', emailAddress: 'ops@acme.example' }],
  internetMessageId: '<First@Hopper.example>',
  conversationId: 'conv-1',
  dateTimeCreated: '2026-03-01T10:00:00.000Z',
  attachments: [
    { id: 'att-1', name: 'quote.pdf', size: 14_336, contentType: 'application/pdf', content: QUOTE_PDF.toString('base64') },
    { id: 'att-2', name: 'logo.png', size: 2_048, contentType: 'image/png', isInline: true },
  ],
  body: { text: 'Hello, please find the quote attached. — Grace', html: '<p>Hello, please find the quote attached.</p><img src="cid:logo.png">' },
}

const SECOND: ItemFixture = {
  itemId: 'AAMk-second',
  subject: 'Re: delivery dates',
  from: { displayName: 'Alan Turing', emailAddress: 'alan@turing.example' },
  to: [{ displayName: 'Olive Agent', emailAddress: AGENT.email }],
  dateTimeCreated: '2026-03-02T09:30:00.000Z',
}

let dir: string
let backend: BackendProcess
let browser: Browser
let stub: string
let artifacts: string
let openDealId: string

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sb-outlook-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  await buildAll({ backendUrl: url, outDir: dir, onWarning: () => {} })
  backend = await startBackend({ env: { PORT: String(port), PUBLIC_URL: url, OUTLOOK_ADDIN_DIR: path.join(dir, 'outlook-addin') } })
  const agent = await backend.api('POST', '/users', { email: AGENT.email, displayName: AGENT.displayName, role: 'agent', password: AGENT.password })
  if (agent.status !== 201) throw new Error(`Adding the agent failed: ${JSON.stringify(agent.body)}`)
  const company = await backend.api<{ id: string }>('POST', '/companies', { name: 'Hopper Labs', domain: 'hopper.example' })
  const grace = await backend.api<{ id: string }>('POST', '/contacts', { name: 'Grace Hopper', emails: ['grace@hopper.example'], companyId: company.body.id })
  if (grace.status !== 201) throw new Error(`Adding the contact failed: ${JSON.stringify(grace.body)}`)
  const deal = await backend.api<{ id: string }>('POST', '/deals', { title: 'Compiler licences', contactIds: [grace.body.id] })
  openDealId = deal.body.id
  stub = await readFile(path.join(REPO_ROOT, 'outlook-addin', 'test', 'office-stub.js'), 'utf8')
  artifacts = path.join(REPO_ROOT, 'test-artifacts')
  await mkdir(artifacts, { recursive: true })
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await backend?.close()
  await rm(dir, { recursive: true, force: true })
})

/** A browser context that plays Outlook: the stub for office.js, the fixture, and nothing off this machine. */
async function outlookContext (fixture: OfficeFixture): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 360, height: 720 } })
  const origin = new URL(backend.url).origin
  await context.route((url) => url.origin !== origin, (route) => route.abort())
  await context.route(OFFICE_JS_CDN, (route) => route.fulfill({ contentType: 'application/javascript', body: stub }))
  await context.addInitScript((f) => { (window as unknown as StubWindow).__officeFixture = f }, { host: 'Outlook', mailboxVersion: '1.8', ...fixture })
  return context
}

async function openPane (fixture: OfficeFixture): Promise<{ page: Page, context: BrowserContext, errors: string[] }> {
  const context = await outlookContext(fixture)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(`${backend.url}/outlook/taskpane.html`)
  return { page, context, errors }
}

/** Signs in over HTTP the way the dialog does and returns the sign-in token roaming settings keep. */
async function signInTokenOverHttp (): Promise<string> {
  return (await signInOverHttp(backend.url, AGENT)).signInToken
}

const visible = (page: Page, id: string): Promise<unknown> =>
  page.waitForFunction((i) => { const el = document.getElementById(i); return el !== null && !el.hidden && el.offsetParent !== null }, id)

const textOf = (page: Page, id: string): Promise<string> => page.evaluate((i) => document.getElementById(i)?.textContent ?? '', id)

const waitForText = (page: Page, id: string, pattern: string): Promise<unknown> =>
  page.waitForFunction(([i, p]) => { const el = document.getElementById(i!); return el !== null && !el.hidden && (el.textContent ?? '').includes(p!) }, [id, pattern])

const stubOf = (page: Page) => ({
  selectItem: (item: ItemFixture | null) => page.evaluate((i) => { (window as unknown as StubWindow).__officeStub.selectItem(i) }, item),
  savedRoaming: () => page.evaluate(() => (window as unknown as StubWindow).__officeStub.savedRoaming()),
  handlerCount: () => page.evaluate(() => (window as unknown as StubWindow).__officeStub.handlerCount()),
})

const AXE = createRequire(import.meta.url).resolve('axe-core')

/** axe-core's serious and critical findings on the page as it is now, by rule and element. */
async function accessibilityProblems (page: Page): Promise<string[]> {
  // Evaluated rather than added as a <script>: the sign-in page's CSP (rightly) refuses injected scripts.
  await page.evaluate(await readFile(AXE, 'utf8'))
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: () => Promise<{ violations: Array<{ id: string, impact: string | null, nodes: Array<{ target: unknown[] }> }> }> } }).axe
    return (await axe.run()).violations
  })
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`)
}

async function screenshot (page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifacts, `outlook-${name}.png`), fullPage: true })
}

describe('Outlook task pane against the real backend', () => {
  it('signs in through the dialog, logs to a new deal with body and attachment files, and says "already logged" the second time', async () => {
    const { page, context, errors } = await openPane({ item: FIRST })
    await waitForText(page, 'subject', 'for 200 units')
    // The subject's markup stayed text: no element was created and its handler never ran.
    expect(await page.locator('img[src="x"]').count()).toBe(0)
    expect(await page.title()).toBe('Switchboard')
    await visible(page, 'sign-in')
    await screenshot(page, 'signed-out')
    expect(await accessibilityProblems(page)).toEqual([])

    // Sign in: the dialog is a real popup on the backend's sign-in page.
    const [dialog] = await Promise.all([context.waitForEvent('page'), page.click('#sign-in')])
    await dialog.waitForLoadState()
    expect(new URL(dialog.url()).pathname).toBe('/oauth/addin/authorize')
    expect(new URL(dialog.url()).searchParams.get('code_challenge_method')).toBe('S256')
    await dialog.fill('#email', AGENT.email)
    await dialog.fill('#password', AGENT.password)
    await screenshot(dialog, 'sign-in-dialog')
    expect(await accessibilityProblems(dialog)).toEqual([])
    await dialog.click('#sign-in')
    await dialog.waitForEvent('close')

    await waitForText(page, 'signed-in-as', 'Signed in as Olive Agent')
    await waitForText(page, 'contacts', 'Grace Hopper')
    expect(await textOf(page, 'contacts')).toContain('Hopper Labs · 1 open deal')
    expect(await page.locator('#deal option').allTextContents()).toEqual(['Compiler licences (Lead)', 'Contact: Grace Hopper', '+ Create a new deal'])
    expect(await page.locator('#logged').isHidden()).toBe(true)
    expect(await page.locator('#attachments li').allTextContents()).toEqual(['quote.pdf (14 KB)'])
    const saved = await stubOf(page).savedRoaming()
    expect(saved[SIGN_IN_SETTING]).toMatch(/^sbs_/)

    // Log to a new deal, with the body.
    await page.selectOption('#deal', '__new__')
    await visible(page, 'new-deal-title')
    expect(await page.inputValue('#new-deal-title')).toBe(FIRST.subject)
    await page.fill('#new-deal-title', 'Grace: 200 units')
    await page.check('#include-body')
    await page.check('#upload-files')
    await page.click('#log-button')
    await waitForText(page, 'logged', 'Logged to Grace: 200 units by Olive Agent at ')
    await screenshot(page, 'logged')
    expect(await accessibilityProblems(page)).toEqual([])

    // What the backend stored: one email activity on the new deal, body and attachment names and sizes, no inline image.
    const deals = await backend.api<{ items: Array<{ id: string, title: string, contactIds: string[] }> }>('GET', '/deals?q=Grace')
    const created = deals.body.items.find((d) => d.title === 'Grace: 200 units')
    expect(created?.contactIds.length).toBe(1)
    const activities = await backend.api<{ items: Array<{ id: string, type: string, body: string | null, source: string, data: Record<string, unknown> }> }>('GET', `/activities?dealId=${created!.id}`)
    const email = activities.body.items.filter((a) => a.type === 'email')
    expect(email).toHaveLength(1)
    expect(email[0]?.body).toBe(FIRST.body!.text)
    expect(email[0]?.data).toMatchObject({ messageId: '<First@Hopper.example>', bodyIncluded: true, attachments: [{ name: 'quote.pdf', size: 14_336, contentType: 'application/pdf', stored: true }] })
    const file = await fetch(`${backend.url}/api/v1/activities/${email[0]?.id ?? ''}/attachments/0`, { headers: { authorization: `Bearer ${backend.token}` } })
    expect(file.status).toBe(200)
    expect(Buffer.from(await file.arrayBuffer())).toEqual(QUOTE_PDF)

    // Reopened later (a new pane): the sign-in resumes from roaming settings and the logged state shows at once.
    const roaming = await stubOf(page).savedRoaming()
    await context.close()
    const again = await openPane({ item: { ...FIRST, internetMessageId: '  first@hopper.EXAMPLE ' }, roaming })
    await waitForText(again.page, 'logged', 'Logged to Grace: 200 units by Olive Agent at ')
    expect(again.errors).toEqual([])
    // The new deal is now one of Grace's open deals; logging to it again stores nothing and says so.
    await again.page.selectOption('#deal', created!.id)
    await again.page.click('#log-button')
    await waitForText(again.page, 'logged', 'Already logged to Grace: 200 units by Olive Agent at ')
    await screenshot(again.page, 'already-logged')
    const after = await backend.api<{ items: Array<{ type: string }> }>('GET', `/activities?dealId=${created!.id}`)
    expect(after.body.items.filter((a) => a.type === 'email')).toHaveLength(1)
    expect(errors).toEqual([])
    await again.context.close()
  })

  it('logs to a deal found by search, without the body', async () => {
    const roaming = { [SIGN_IN_SETTING]: await signInTokenOverHttp() }
    // Its own subject: with SECOND's sender, recipients, subject and minute it would be SECOND by fingerprint.
    const item: ItemFixture = { ...SECOND, itemId: 'AAMk-search', subject: 'Re: delivery dates, by search', internetMessageId: '<search@turing.example>' }
    const { page, context, errors } = await openPane({ item, roaming })
    await waitForText(page, 'no-contacts', 'None of these addresses')
    await page.fill('#deal-search', 'compiler')
    await page.click('#deal-search-button')
    await page.waitForFunction((id) => (document.getElementById('deal') as HTMLSelectElement).value === id, openDealId)
    await page.click('#log-button')
    await waitForText(page, 'logged', 'Logged to Compiler licences by Olive Agent at ')
    const activities = await backend.api<{ items: Array<{ type: string, body: string | null, data: Record<string, unknown> }> }>('GET', `/activities?dealId=${openDealId}`)
    const logged = activities.body.items.find((a) => a.type === 'email' && a.data.messageId === '<search@turing.example>')
    expect(logged?.body).toBeNull()
    expect(logged?.data.bodyIncluded).toBe(false)
    expect(errors).toEqual([])
    await context.close()
  })

  it('follows the selection when pinned: ItemChanged to another message, then to none', async () => {
    const roaming = { [SIGN_IN_SETTING]: await signInTokenOverHttp() }
    const { page, context, errors } = await openPane({ item: FIRST, roaming })
    await waitForText(page, 'contacts', 'Grace Hopper')
    await page.waitForFunction(() => (window as unknown as StubWindow).__officeStub.handlerCount() === 1)

    await stubOf(page).selectItem(SECOND)
    await waitForText(page, 'subject', SECOND.subject)
    await waitForText(page, 'no-contacts', 'None of these addresses')
    expect(await textOf(page, 'sender-email')).toBe('alan@turing.example')
    expect(await page.locator('#message').getAttribute('data-key')).toBe('AAMk-second')
    expect(await page.locator('#logged').isHidden()).toBe(true)
    await screenshot(page, 'item-changed')

    await stubOf(page).selectItem(null)
    await waitForText(page, 'status', 'Select a message')
    expect(await page.locator('#message').isHidden()).toBe(true)
    expect(await page.locator('#crm').isHidden()).toBe(true)
    expect(errors).toEqual([])
    await context.close()
  })

  it('says plainly when the backend cannot be reached, and recovers on Try again', async () => {
    const roaming = { [SIGN_IN_SETTING]: await signInTokenOverHttp() }
    const { page, context } = await openPane({ item: FIRST, roaming })
    await waitForText(page, 'contacts', 'Grace Hopper')
    const api = `${backend.url}/api/**`
    await context.route(api, (route) => route.abort('internetdisconnected'))
    await stubOf(page).selectItem(SECOND)
    await waitForText(page, 'problem-text', 'Switchboard cannot be reached')
    await screenshot(page, 'offline')
    await context.unroute(api)
    await page.click('#retry')
    await waitForText(page, 'no-contacts', 'None of these addresses')
    expect(await page.locator('#problem').isHidden()).toBe(true)
    await context.close()
  })

  it('explains restricted permission instead of showing an empty pane', async () => {
    const { page, context } = await openPane({ item: { ...FIRST, restricted: true } })
    await waitForText(page, 'problem-text', 'restricted access')
    expect(await page.locator('#retry').isHidden()).toBe(true)
    expect(await page.locator('#sign-in-panel').isHidden()).toBe(true)
    await context.close()
  })

  it('says there is no item when none is selected', async () => {
    const { page, context } = await openPane({ item: null })
    await waitForText(page, 'status', 'Select a message')
    expect(await page.locator('#message').isHidden()).toBe(true)
    await context.close()
  })

  it('asks to sign in again when the stored sign-in was revoked elsewhere, and forgets it', async () => {
    const token = await signInTokenOverHttp()
    const revoked = await fetch(`${backend.url}/oauth/addin/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: 'outlook-addin', signInToken: token }) })
    expect(revoked.status).toBe(204)
    const { page, context } = await openPane({ item: FIRST, roaming: { [SIGN_IN_SETTING]: token } })
    await visible(page, 'sign-in')
    expect((await stubOf(page).savedRoaming())[SIGN_IN_SETTING]).toBeUndefined()
    await context.close()
  })

  it('says sign-in was cancelled when the dialog is closed', async () => {
    const { page, context } = await openPane({ item: FIRST })
    const [dialog] = await Promise.all([context.waitForEvent('page'), page.click('#sign-in')])
    await dialog.waitForLoadState()
    await dialog.close()
    await waitForText(page, 'notice', 'Sign-in was cancelled')
    await visible(page, 'sign-in')
    await context.close()
  })

  it('signs out: the sign-in token leaves roaming settings and is revoked', async () => {
    const token = await signInTokenOverHttp()
    const { page, context } = await openPane({ item: FIRST, roaming: { [SIGN_IN_SETTING]: token } })
    await waitForText(page, 'contacts', 'Grace Hopper')
    const current = (await stubOf(page).savedRoaming())[SIGN_IN_SETTING]
    await page.click('#sign-out')
    await visible(page, 'sign-in')
    expect((await stubOf(page).savedRoaming())[SIGN_IN_SETTING]).toBeUndefined()
    const reuse = await fetch(`${backend.url}/oauth/addin/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grantType: 'sign_in', clientId: 'outlook-addin', signInToken: current }) })
    expect(reuse.status).toBe(400)
    await context.close()
  })

  it('does not register for ItemChanged below Mailbox 1.5, and says it cannot follow', async () => {
    const { page, context } = await openPane({ item: FIRST, mailboxVersion: '1.4' })
    await waitForText(page, 'notice', 'cannot follow the selection')
    expect(await stubOf(page).handlerCount()).toBe(0)
    await context.close()
  })

  it('turns a failed addHandlerAsync into a notice, not an unhandled rejection', async () => {
    const { page, context, errors } = await openPane({ item: FIRST, failAddHandler: true })
    await waitForText(page, 'notice', 'could not follow the selection')
    expect(errors).toEqual([])
    await context.close()
  })

  it('asks to be opened from Outlook when office.js cannot load, or reports another host', async () => {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.route((url) => url.origin !== new URL(backend.url).origin, (route) => route.abort())
    await page.goto(`${backend.url}/outlook/taskpane.html`)
    await waitForText(page, 'status', 'Open this pane from Outlook')
    expect(errors).toEqual([])
    await page.close()

    const other = await openPane({ host: null, item: FIRST })
    await waitForText(other.page, 'status', 'Open this pane from Outlook')
    await other.context.close()
  })
})

describe('what the manifest points at', () => {
  it('is served by the backend: pane, sign-in landing page, support page, icons', async () => {
    const manifest = await (await fetch(`${backend.url}/outlook/manifest.xml`)).text()
    const urls = [...new Set([...manifest.matchAll(/DefaultValue="(http[^"]+)"/g)].map((m) => m[1]!))]
    expect(urls.length).toBeGreaterThan(5)
    for (const url of [...urls, `${backend.url}/outlook/signed-in.html`]) {
      const response = await fetch(url)
      expect(response.status, url).toBe(200)
    }
  })
})

describe('Office boundary', () => {
  it('only src/host/office.ts touches Office.*', async () => {
    const root = path.join(REPO_ROOT, 'outlook-addin', 'src')
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    const touching: string[] = []
    for (const file of files) {
      // Comments may name Office.js; code may not use it.
      const code = (await readFile(path.join(root, file), 'utf8')).replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')
      if (/\bOffice\./.test(code)) touching.push(file.split(path.sep).join('/'))
    }
    expect(touching).toEqual(['host/office.ts'])
  })
})
