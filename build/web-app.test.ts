import { mkdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { REPO_ROOT } from './build.js'
import { freePort, startBackend, type BackendProcess } from './test-support/backend-process.js'
import { launchChromium } from './test-support/browser.js'

/**
 * The web app end to end: the real backend in its own process (sandbox mode, campaign
 * sender in a second process), driven by headless Chromium over real HTTP. Each page gets
 * an axe-core check (no serious or critical violation) and a screenshot in test-artifacts/.
 */

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts')
const EMAIL = 'ada.admin@acme.example'
const PASSWORD = 'a long web password'
const FAILING_PHONE = '+14155550113'

let backend: BackendProcess
let browser: Browser
let context: BrowserContext
let page: Page
const checked: string[] = []

interface AxeResult { violations: Array<{ id: string, impact: string | null, help: string, nodes: Array<{ target: unknown }> }> }

/** axe-core on the current page, then a full-page screenshot named after it. */
async function checkPage (name: string): Promise<void> {
  await page.addScriptTag({ path: AXE_PATH })
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: () => Promise<AxeResult> } }).axe
    return axe.run()
  })
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(bad.map((v) => `${v.impact} ${v.id}: ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`), `axe on ${name} (${page.url()})`).toEqual([])
  await page.screenshot({ path: path.join(ARTIFACTS, `web-${name}.png`), fullPage: true })
  checked.push(name)
}

async function text (selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent() ?? '').trim()
}

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true })
  // The auth hook compares a session POST's Origin with PUBLIC_URL, so the browser must use exactly that origin.
  const port = await freePort()
  backend = await startBackend({ env: { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` } })
  // startBackend's CLI owner has a generated password it does not return; an admin with a known one signs in.
  const created = await backend.api('POST', '/users', { email: EMAIL, displayName: 'Ada Admin', role: 'admin', password: PASSWORD })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  // startBackend connects the sandbox number; the browser is to do that itself.
  const disconnected = await backend.api('DELETE', '/whatsapp/connection')
  expect(disconnected.status).toBe(204)
  await backend.sandbox('POST', `/recipients/${FAILING_PHONE.slice(1)}/fail`, { code: 131026 })
  browser = await launchChromium()
  // axe is injected as an inline script, which the pages' CSP (rightly) forbids.
  context = await browser.newContext({ baseURL: backend.url, bypassCSP: true })
  page = await context.newPage()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await backend?.close()
})

describe('web app in Chromium', () => {
  it('signs in with the keyboard alone', async () => {
    await page.goto('/app/deals')
    expect(page.url()).toContain('/app/sign-in?next=%2Fapp%2Fdeals')
    await checkPage('sign-in')
    await page.keyboard.press('Tab') // the skip link comes first
    await page.keyboard.press('Tab')
    await page.keyboard.type(EMAIL)
    await page.keyboard.press('Tab')
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press('Enter')
    await page.waitForURL('**/app/deals')
    expect(await text('header')).toContain('Ada Admin (admin)')
    // An empty board scrolls sideways with nothing focusable in it: axe checks it stays reachable by keyboard.
    await checkPage('deals-empty')
    const cookies = await context.cookies()
    const session = cookies.find((c) => c.name === 'sb_session')
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' })
  })

  it('creates an API token with chosen scopes, shows it once, and it works', async () => {
    await page.goto('/app/tokens')
    await page.getByLabel('Name (where you will paste it').fill('Sales sheet')
    await page.getByLabel('crm:write').uncheck()
    await page.getByRole('button', { name: 'Create token' }).click()
    const token = await text('#new-token')
    expect(token).toMatch(/^sbt_/)
    await checkPage('tokens')
    const me = await fetch(`${backend.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })
    expect(me.status).toBe(200)
    expect((await me.json() as { scopes: string[] }).scopes).toEqual(['crm:read'])
    await page.goto('/app/tokens')
    expect(await page.content()).not.toContain(token)
    expect(await page.locator('tr', { hasText: 'Sales sheet' }).textContent()).toContain('crm:read')
  })

  it('connects the sandbox WhatsApp number', async () => {
    await page.goto('/app/whatsapp')
    expect(await text('#connection-status')).toBe('not connected')
    await page.getByRole('button', { name: 'Connect the sandbox number' }).click()
    await page.waitForURL('**/app/whatsapp?notice=whatsapp-connected')
    expect(await text('#connection-status')).toBe('connected')
    expect(await page.locator('table').textContent()).toMatch(/active/)
    expect(await page.content()).toContain('hello_world')
    await checkPage('whatsapp')
  })

  it('creates a contact and finds it by search', async () => {
    await page.goto('/app/contacts')
    await page.getByLabel('Name', { exact: true }).fill('Grace Hopper')
    await page.getByLabel('Email', { exact: true }).fill('grace@navy.example')
    await page.getByLabel('Phone (with country code)').fill('+1 415 555 0142')
    await page.getByRole('button', { name: 'Add contact' }).click()
    await page.waitForURL(/\/app\/contacts\/\w+\?notice=contact-created/)
    expect(await text('h1')).toBe('Grace Hopper')
    expect(await page.content()).toContain('+14155550142')
    await checkPage('contact')
    await page.goto('/app/contacts')
    await page.getByLabel('Search by name').fill('grace')
    await page.keyboard.press('Enter')
    await page.waitForURL('**/app/contacts?q=grace')
    expect(await page.locator('tbody').textContent()).toContain('Grace Hopper')
    await checkPage('contacts')
  })

  it('adds a company, and lists the templates', async () => {
    await page.goto('/app/companies')
    await page.getByLabel('Name', { exact: true }).fill('Navy Labs')
    await page.getByLabel('Domain (e.g. acme.example)').fill('navy.example')
    await page.getByRole('button', { name: 'Add company' }).click()
    await page.waitForURL(/\/app\/companies\/\w+\?notice=company-created/)
    expect(await text('h1')).toBe('Navy Labs')
    await checkPage('company')
    await page.goto('/app/companies')
    expect(await page.locator('tbody').textContent()).toContain('navy.example')
    await checkPage('companies')
    await page.goto('/app/templates')
    await page.getByRole('button', { name: 'Fetch templates from Meta now' }).click()
    await page.waitForURL(/notice=templates-synced/)
    expect(await page.locator('tbody').textContent()).toContain('hello_world')
    await checkPage('templates')
  })

  it('adds a deal and moves it on the board, with and without JavaScript', async () => {
    await page.goto('/app/deals')
    await page.getByLabel('Title').fill('Big order')
    await page.getByRole('button', { name: 'Add deal' }).click()
    await page.waitForURL(/notice=deal-created/)
    const columns = page.locator('.board section')
    const stageNames = await page.locator('.board h2').allTextContents()
    expect(await columns.nth(0).textContent()).toContain('Big order')
    const move = page.getByLabel('Move “Big order” to')
    const second = stageNames[1]!.replace(/\s*\(\d+\)$/, '')
    await move.selectOption({ label: second })
    await page.locator('li', { hasText: 'Big order' }).getByRole('button', { name: 'Move' }).click()
    await page.waitForURL(/notice=deal-moved/)
    expect(await columns.nth(0).textContent()).not.toContain('Big order')
    expect(await columns.nth(1).textContent()).toContain('Big order')
    await checkPage('deals')

    // The same form in a browser with scripting off: a plain post and redirect.
    const noScript = await browser.newContext({ baseURL: backend.url, javaScriptEnabled: false, storageState: await context.storageState() })
    try {
      const plain = await noScript.newPage()
      await plain.goto('/app/deals')
      await plain.getByLabel('Move “Big order” to').selectOption({ index: 0 })
      await plain.locator('li', { hasText: 'Big order' }).getByRole('button', { name: 'Move' }).click()
      await plain.waitForURL(/notice=deal-moved/)
      expect(await plain.locator('.board section').nth(0).textContent()).toContain('Big order')
    } finally {
      await noScript.close()
    }
  })

  it('starts a small campaign and watches its counters reach their final values', async () => {
    await page.goto('/app/campaigns')
    await page.getByLabel('Name', { exact: true }).fill('Welcome wave')
    await page.getByLabel('Template', { exact: true }).selectOption('hello_world|en_US')
    await page.getByLabel('Recipients').fill(['+14155550111', '+1 415 555 0112', FAILING_PHONE].join('\n'))
    await page.getByRole('button', { name: 'Send campaign now' }).click()
    await page.waitForURL(/\/app\/campaigns\/\w+\?notice=campaign-started/)
    expect(await text('[data-counter="total"]')).toBe('3')
    // Nothing leaves until the sender runs; the page keeps itself current meanwhile.
    expect(await text('[data-counter="pending"]')).toBe('3')
    await checkPage('campaign-queued')
    await backend.startWorker()
    await page.waitForFunction(() => {
      const count = (key: string) => Number(document.querySelector(`[data-counter="${key}"]`)?.textContent)
      return document.querySelector('[data-final="true"]') !== null &&
        count('pending') === 0 && count('sending') === 0 && count('sent') === 0 &&
        count('delivered') + count('read') === 2 && count('failed') === 1
    }, undefined, { timeout: 90_000, polling: 500 })
    expect(await text('#campaign-state')).toBe('completed')
    const statuses = await page.locator('td[data-status]').allTextContents()
    expect(statuses.sort()).toEqual(expect.arrayContaining(['failed']))
    expect(statuses.filter((s) => s === 'delivered' || s === 'read')).toHaveLength(2)
    expect(await page.locator('tr', { hasText: FAILING_PHONE }).textContent()).toMatch(/131026/)
    await checkPage('campaign')
    await page.goto('/app/campaigns')
    expect(await page.locator('tr', { hasText: 'Welcome wave' }).textContent()).toContain('completed')
    await checkPage('campaigns')
  }, 150_000)

  it('shows the team, the audit log filtered, and the settings', async () => {
    await page.goto('/app/team')
    expect(await page.locator('tbody').textContent()).toContain(EMAIL)
    await checkPage('team')
    await page.goto('/app/audit')
    await page.getByLabel('Action').selectOption('campaign.started')
    await page.getByRole('button', { name: 'Filter' }).click()
    await page.waitForURL(/action=campaign.started/)
    const rows = await page.locator('tbody tr').allTextContents()
    expect(rows).toHaveLength(1)
    expect(rows[0]).toContain('Ada Admin')
    await checkPage('audit')
    await page.goto('/app/settings')
    await page.getByLabel('Days', { exact: false }).first().fill('14')
    await page.getByRole('button', { name: 'Save' }).first().click()
    await page.waitForURL(/notice=retention-changed/)
    expect(await page.getByLabel('Days', { exact: false }).first().inputValue()).toBe('14')
    await checkPage('settings')
    expect(checked).toEqual(['sign-in', 'deals-empty', 'tokens', 'whatsapp', 'contact', 'contacts', 'company', 'companies', 'templates', 'deals', 'campaign-queued', 'campaign', 'campaigns', 'team', 'audit', 'settings'])
  })

  it('keeps every /data-deletion promise about the web app on the Privacy page: export with progress and a download, erase a contact, close a user', async () => {
    const promises = await (await page.request.get('/data-deletion')).text()
    expect(promises).toContain('opens "Privacy" in the web app, picks the contact and chooses "Erase"')
    expect(promises).toContain('opens "Privacy" in the web app and chooses "Erase user"')
    expect(promises).toContain('"Export" on the web app\'s "Privacy" page')
    const doomed = await backend.api<{ id: string }>('POST', '/contacts', { name: 'Doomed Contact' })
    const leaving = await backend.api<{ id: string }>('POST', '/users', { email: 'leaving.agent@acme.example', displayName: 'Leaving Agent', role: 'agent' })
    await page.goto('/app/contacts')
    await page.getByRole('link', { name: 'Privacy' }).click()
    await page.getByLabel('What').selectOption('user')
    await page.getByRole('button', { name: 'Export' }).click()
    await page.waitForURL(/notice=export-requested/)
    // While the archive is built the page shows a progress bar and reloads itself until the link is there.
    const download = page.getByRole('link', { name: /^Download/ })
    await download.first().waitFor({ timeout: 60_000 })
    await checkPage('privacy')
    const [file] = await Promise.all([page.waitForEvent('download'), download.first().click()])
    expect(JSON.parse(await readFile(await file.path(), 'utf8'))).toMatchObject({ format: 'switchboard-export/1', kind: 'user' })
    await page.getByLabel('Contact', { exact: true }).selectOption(doomed.body.id)
    await page.getByLabel('I understand this erases the contact for good').check()
    await page.getByRole('button', { name: 'Erase', exact: true }).click()
    await page.waitForURL(/notice=contact-erased/)
    expect((await backend.api('GET', `/contacts/${doomed.body.id}`)).status).toBe(404)
    await page.getByLabel('User', { exact: true }).selectOption(leaving.body.id)
    await page.getByLabel('I understand this closes the user for good').check()
    await page.getByRole('button', { name: 'Erase user' }).click()
    await page.waitForURL(/notice=user-erased/)
    expect(await page.locator('[role=status]').textContent()).toContain('User closed')
  }, 120_000)
})
