import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildAll, OFFICE_JS_CDN, REPO_ROOT } from '../../build/build.js'
import { launchChromium } from '../../build/test-support/browser.js'
import { freePort } from '../../build/test-support/backend-process.js'
import { bearer, buildTestApp, createWorkspace } from '../../backend/test/helper.js'
import { SIGN_IN_SETTING, stubOf, waitForText, type ItemFixture, type OfficeFixture } from '../test/pane-harness.js'

// Issue 16, defect 1: opening the add-in a second time signed the user out everywhere. Two
// pane instances (a pinned pane and a popped-out message), each with its own copy of roaming
// settings, sign in, refresh and log for 10 minutes of simulated time against the real app.
// The app runs in this process so the test can move its clock; access tokens last a minute,
// so each pane refreshes about ten times.

const WAIT = { timeout: 15_000 }
const ACCESS_TTL_MS = 60_000
const STEP_MS = 30_000
const SIMULATED_MS = 10 * 60_000

let browser: Browser
let dir: string
let port: number
let stub: string

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sb-outlook-panes-'))
  port = await freePort()
  await buildAll({ backendUrl: `http://127.0.0.1:${port}`, outDir: dir, onWarning: () => {} })
  stub = await readFile(path.join(REPO_ROOT, 'outlook-addin', 'test', 'office-stub.js'), 'utf8')
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await rm(dir, { recursive: true, force: true })
})

const message = (n: number): ItemFixture => ({
  itemId: `AAMk-pane-${n}`,
  subject: `Order ${n}`,
  from: { displayName: 'Grace Hopper', emailAddress: 'grace@hopper.example' },
  to: [{ displayName: 'Sales', emailAddress: 'sales@acme.example' }],
  internetMessageId: `<order-${n}@hopper.example>`,
  dateTimeCreated: '2026-03-01T10:00:00.000Z',
  body: { text: `Order ${n}`, html: '' },
})

describe('two pane instances on one sign-in', () => {
  it('sign in, refresh and log for 10 minutes of simulated time without either being signed out', async () => {
    let at = Date.now()
    const url = `http://127.0.0.1:${port}`
    const t = await buildTestApp({ PUBLIC_URL: url, OUTLOOK_ADDIN_DIR: path.join(dir, 'outlook-addin') }, { addinAuth: { now: () => new Date(at), accessTtlMs: ACCESS_TTL_MS } })
    await t.app.listen({ port, host: '127.0.0.1' })
    const ws = await createWorkspace(t)
    const api = async <T>(method: 'GET' | 'POST', route: string, payload?: object): Promise<T> =>
      (await t.app.inject({ method, url: `/api/v1${route}`, headers: bearer(ws.token), ...(payload === undefined ? {} : { payload }) })).json<T>()
    const grace = await api<{ id: string }>('POST', '/contacts', { name: 'Grace Hopper', emails: ['grace@hopper.example'] })
    const deal = await api<{ id: string }>('POST', '/deals', { title: 'Compiler licences', contactIds: [grace.id] })

    const context = await browser.newContext({ viewport: { width: 360, height: 720 } })
    await context.route((u) => u.origin !== url, (route) => route.abort())
    await context.route(OFFICE_JS_CDN, (route) => route.fulfill({ contentType: 'application/javascript', body: stub }))
    const open = async (fixture: OfficeFixture): Promise<{ page: Page, errors: string[] }> => {
      const page = await context.newPage()
      const errors: string[] = []
      page.on('pageerror', (error) => errors.push(error.message))
      // Each page is its own add-in instance: its own stub, fixture and roaming copy.
      await page.addInitScript((f) => { (window as unknown as { __officeFixture: unknown }).__officeFixture = f }, { host: 'Outlook', mailboxVersion: '1.8', ...fixture })
      await page.goto(`${url}/outlook/taskpane.html`)
      return { page, errors }
    }

    // The pinned pane signs in through the dialog.
    const a = await open({ item: message(0) })
    const [dialog] = await Promise.all([context.waitForEvent('page'), a.page.click('#sign-in')])
    await dialog.waitForLoadState()
    await dialog.fill('#email', ws.ownerEmail)
    await dialog.fill('#password', ws.ownerPassword)
    await dialog.click('#sign-in')
    await waitForText(a.page, 'contacts', 'Grace Hopper')
    // A popped-out message opens a second instance, which loads roaming settings as the mailbox has them now.
    const mailbox = await stubOf(a.page).savedRoaming()
    expect(mailbox[SIGN_IN_SETTING]).toMatch(/^sbs_/)
    const b = await open({ item: message(1), roaming: mailbox })
    await waitForText(b.page, 'contacts', 'Grace Hopper')

    const panes = [a, b]
    let n = 2
    let logs = 0
    for (let elapsed = 0; elapsed < SIMULATED_MS; elapsed += STEP_MS) {
      at += STEP_MS
      for (const pane of panes) {
        const item = message(n++)
        await stubOf(pane.page).selectItem(item)
        await pane.page.waitForFunction((key) => {
          const crm = document.getElementById('crm')
          return document.getElementById('message')?.dataset.key === key && crm?.hidden === false && (document.getElementById('contacts')?.textContent ?? '').includes('Grace Hopper')
        }, item.itemId, WAIT)
        expect(await pane.page.locator('#sign-in-panel').isHidden()).toBe(true)
        if (n % 5 === 0) {
          await pane.page.selectOption('#deal', deal.id)
          await pane.page.click('#log-button')
          await waitForText(pane.page, 'logged', 'Logged to Compiler licences')
          logs++
        }
      }
    }

    for (const pane of panes) {
      expect(await pane.page.locator('#signed-in-as').textContent()).toContain('Signed in as')
      expect(pane.errors).toEqual([])
    }
    expect(logs).toBeGreaterThanOrEqual(8)
    const signIns = await t.store.db.selectFrom('addin_sign_ins').select(['revoked_at']).execute()
    expect(signIns).toEqual([{ revoked_at: null }])
    const families = await t.store.db.selectFrom('addin_token_families').select(['id', 'revoked_at']).execute()
    expect(families.map((f) => f.revoked_at)).toEqual([null, null])
    // Both families rotated many times: each pane refreshed on its own, about once a simulated minute.
    const rotated = await t.store.db.selectFrom('addin_refresh_tokens').select(['family_id']).where('used_at', 'is not', null).execute()
    for (const family of families) expect(rotated.filter((r) => r.family_id === family.id).length).toBeGreaterThanOrEqual(8)
    await context.close()
  }, 180_000)
})
