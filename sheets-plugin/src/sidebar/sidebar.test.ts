import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../../../build/build.js'
import { loadAppsScript, type AppsScriptRuntime } from '../../../build/test-support/apps-script-runtime.js'
import { startBackend, type BackendProcess } from '../../../build/test-support/backend-process.js'
import { launchChromium } from '../../../build/test-support/browser.js'
import { FAKE_ME, FAKE_TOKENS, startFakeBackend, type FakeBackend } from '../../../build/test-support/fake-backend.js'
import { googleScriptRunShim } from '../../../build/test-support/script-run-shim.js'
import { buildSheetsAddon, fillSheet, sheetRows } from '../../../build/test-support/sheets-fixtures.js'

// The built Sidebar.html in headless Chromium. Its google.script.run calls go to the built
// Code.js in the local Apps Script runtime, which calls the backend over HTTP.

const SIDEBAR_URL = 'https://sidebar.script.test/Sidebar.html'
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts')

let browser: Browser

beforeAll(async () => {
  browser = await launchChromium()
  await mkdir(ARTIFACTS, { recursive: true })
})

afterAll(async () => {
  await browser?.close()
})

/** Opens the built sidebar with google.script.run bridged to `runtime`. */
async function openSidebar (html: string, runtime: AppsScriptRuntime, height = 560): Promise<{ page: Page, errors: string[], calls: string[] }> {
  const page = await browser.newPage({ viewport: { width: 300, height } })
  const errors: string[] = []
  const calls: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('dialog', (dialog) => { void dialog.accept() })
  await page.route('**/*', (route) => route.abort())
  await page.exposeFunction('__runServerFunction', (name: string, args: unknown[]) => {
    calls.push(name)
    return runtime.runForClient(name, args)
  })
  await page.addInitScript(googleScriptRunShim, 'exposed')
  // HtmlService serves the sidebar from its own sandbox origin; a made-up one stands in. (setContent
  // would write into the blank page, where the init script above has not run.)
  await page.route(SIDEBAR_URL, (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: html }))
  await page.goto(SIDEBAR_URL)
  return { page, errors, calls }
}

const visible = (page: Page, id: string): Promise<unknown> =>
  page.waitForFunction((i) => document.getElementById(i)?.hidden === false, id)

const idle = (page: Page): Promise<unknown> =>
  page.waitForFunction(() => document.getElementById('status')?.hidden === true)

async function connectWith (page: Page, token: string): Promise<void> {
  await page.fill('#token', token)
  await page.click('#connect')
}

describe('connecting (fake backend)', () => {
  let backend: FakeBackend
  let distDir: string
  let html: string

  beforeAll(async () => {
    backend = await startFakeBackend()
    distDir = await buildSheetsAddon(backend.url)
    html = await readFile(path.join(distDir, 'Sidebar.html'), 'utf8')
  })

  afterAll(async () => {
    await backend?.close()
  })

  it('connects with a pasted token, shows workspace, user and sending number as text, and disconnects', async () => {
    const runtime = loadAppsScript(distDir)
    const { page, errors, calls } = await openSidebar(html, runtime)
    await visible(page, 'connect-form')
    expect(calls).toEqual(['getConnection'])
    expect(await page.getAttribute('#token-link', 'href')).toBe(`${backend.url}/`)

    await connectWith(page, FAKE_TOKENS.valid)
    await visible(page, 'connected')
    await idle(page)
    expect(await page.textContent('#workspace-name')).toBe(FAKE_ME.workspace.name)
    expect(await page.textContent('#user-line')).toBe(`${FAKE_ME.user.displayName} (${FAKE_ME.user.email}) · ${FAKE_ME.user.role}`)
    expect(await page.textContent('#number-line')).toBe('Sending from +1 555-010-0240 (Acme <Imports>)')
    expect(await page.locator('#connected b').count()).toBe(0)
    expect(await page.inputValue('#token')).toBe('')
    expect(await page.textContent('#template-text')).toMatch(/No approved template/)
    expect(runtime.userProperties.get('switchboard.apiToken')).toBe(FAKE_TOKENS.valid)
    await page.screenshot({ path: path.join(ARTIFACTS, 'sheets-sidebar.png') })

    await page.click('#disconnect')
    await visible(page, 'connect-form')
    expect(runtime.userProperties.has('switchboard.apiToken')).toBe(false)
    expect(calls).toEqual(['getConnection', 'connect', 'getSheetSetup', 'disconnect'])
    expect(errors).toEqual([])
    await page.close()
  })

  it.each([
    { description: 'not a token', token: 'hello there', code: 'SB_CLIENT_TOKEN_FORMAT' },
    { description: 'revoked token', token: 'sbt_revoked0_0123456789abcdefghijklmnopqrstuv', code: 'SB_UNAUTHENTICATED' },
  ])('shows the error by its code and stays disconnected ($description)', async ({ token, code }) => {
    const { page } = await openSidebar(html, loadAppsScript(distDir))
    await visible(page, 'connect-form')
    await connectWith(page, token)
    await visible(page, 'error')
    expect(await page.getAttribute('#error', 'data-code')).toBe(code)
    expect(await page.getAttribute('#token', 'aria-invalid')).toBe('true')
    expect(await page.locator('#connected').isHidden()).toBe(true)
    await page.close()
  })

  it('opens already connected when a working token is stored', async () => {
    const runtime = loadAppsScript(distDir)
    runtime.userProperties.set('switchboard.apiToken', FAKE_TOKENS.valid)
    const { page } = await openSidebar(html, runtime)
    await visible(page, 'connected')
    expect(await page.textContent('#workspace-name')).toBe(FAKE_ME.workspace.name)
    await page.close()
  })
})

describe('a campaign from the sidebar (real backend)', () => {
  let backend: BackendProcess
  let distDir: string
  let html: string

  beforeAll(async () => {
    backend = await startBackend({ country: 'US' })
    distDir = await buildSheetsAddon(backend.url)
    html = await readFile(path.join(distDir, 'Sidebar.html'), 'utf8')
  }, 120_000)

  afterAll(async () => {
    await backend?.close()
  })

  it('maps columns, previews a row, checks, skips a bad row, sends with a moving progress bar, and syncs', async () => {
    const runtime = loadAppsScript(distDir, { spreadsheet: { name: 'Spring offer' } })
    runtime.userProperties.set('switchboard.apiToken', backend.token)
    const names = ['Zoë', 'José', 'Björk', '李雷', 'Ελένη', 'Ana 🙂']
    const rows = [['First name', 'WhatsApp', 'Discount', 'Valid until'], ...Array.from({ length: 6000 }, (_, i) => [`${names[i % names.length]!} ${i}`, `+1 718 ${4_000_000 + i}`, '15%', 'Sunday'])]
    rows[4] = ['Nadie', 'call me', '15%', 'Sunday']
    fillSheet(runtime, rows)
    const { page, errors, calls } = await openSidebar(html, runtime, 1400)
    await visible(page, 'campaign-panel')
    await idle(page)

    // The guessed phone column, then the template; its variables are guessed from the headers, one set by hand.
    expect(await page.$eval('#phone-column', (s) => (s as HTMLSelectElement).selectedOptions[0]?.textContent)).toBe('B · WhatsApp')
    await page.selectOption('#template', 'welcome_offer|en_US')
    expect(await page.textContent('#template-text')).toContain('Hi {{first_name}}, enjoy {{discount}} off')
    const variableSelects = page.locator('#variables select')
    // welcome_offer's two quick-reply buttons each take an optional payload a column can feed (left unmapped here).
    expect(await variableSelects.count()).toBe(6)
    expect(await page.$$eval('#variables label', (all) => all.slice(4).map((l) => l.textContent))).toEqual(['quick-reply payload (button, optional)', 'quick-reply payload (button, optional)'])
    expect(await page.$$eval('#variables select', (all) => all.map((s) => (s as HTMLSelectElement).selectedOptions[0]?.textContent))).toEqual(['A · First name', 'A · First name', 'C · Discount', '— choose a column —', '— choose a column —', '— choose a column —'])
    await page.selectOption('#variables select >> nth=3', 'text')
    await page.fill('#var-3-text', 'Sunday night')

    await page.fill('#preview-row', '3')
    await page.click('#preview')
    await visible(page, 'preview-text')
    expect(await page.textContent('#preview-text')).toBe('A gift for you, José 1\nHi José 1, enjoy 15% off your next order until Sunday night.\nTap "Not interested" to stop offers\n[Shop now] [Not interested]')
    await page.screenshot({ path: path.join(ARTIFACTS, 'sheets-sidebar-mapping.png'), fullPage: true })

    await page.click('#validate')
    await visible(page, 'validation')
    expect(await page.textContent('#validation-headline')).toBe('5,999 rows are ready to send, 1 cannot be sent.')
    expect(await page.textContent('#validation-issues')).toBe('Row 5: Not a valid phone number')
    expect(await page.locator('#send').isDisabled()).toBe(true)
    await page.click('#skip')
    expect(await page.locator('#send').isDisabled()).toBe(false)

    // Record every value the progress bar takes while the sheet is submitted.
    await page.evaluate(() => {
      const bar = document.getElementById('progress') as HTMLProgressElement
      const seen: number[] = []
      ;(window as unknown as { seen: number[] }).seen = seen
      new MutationObserver(() => seen.push(bar.value)).observe(bar, { attributes: true })
      const original = Object.getOwnPropertyDescriptor(HTMLProgressElement.prototype, 'value')!
      Object.defineProperty(bar, 'value', { get () { return original.get!.call(bar) as number }, set (v: number) { original.set!.call(bar, v); seen.push(v) } })
    })
    await page.click('#send')
    await page.waitForFunction(() => document.getElementById('progress-text')?.textContent?.startsWith('Done'), undefined, { timeout: 60_000 })
    await idle(page)
    expect(await page.textContent('#progress-text')).toBe('Done: 5,999 rows queued, 1 not sent (see the Reason column).')
    const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen)
    expect(seen.some((v) => v > 0 && v < 100)).toBe(true)
    expect(seen.at(-1)).toBe(100)
    await visible(page, 'campaign-status')
    expect(await page.textContent('#campaign-state')).toBe('Sending')
    expect(await page.textContent('#last-sync')).toMatch(/Statuses synced .*0 rows updated\./)
    await page.screenshot({ path: path.join(ARTIFACTS, 'sheets-sidebar-sent.png'), fullPage: true })

    expect(calls.filter((c) => c === 'startSend' || c === 'continueSend')).toEqual(['startSend', 'continueSend'])
    const table = sheetRows(runtime)
    expect(table[3]).toMatchObject({ 'First name': 'Nadie', 'WhatsApp status': 'Not sent', 'WhatsApp problem': 'Not a valid phone number' })
    expect(table.filter((r) => r['WhatsApp status'] === 'Queued')).toHaveLength(5999)
    expect(errors).toEqual([])
    await page.close()
  }, 180_000)
})
