import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildAll, REPO_ROOT } from '../../build/build.js'
import { launchChromium } from '../../build/test-support/browser.js'
import { serveDirectory, type StaticServer } from '../../build/test-support/static-server.js'

// The built task pane in headless Chromium, served the way the backend serves it
// (/outlook/), with office.js replaced by a stub that plays Outlook.

const OFFICE_JS = 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js'

interface ItemFixture {
  itemId: string
  subject: string
  from: { displayName: string, emailAddress: string } | null
  to: Array<{ displayName: string, emailAddress: string }>
  cc?: Array<{ displayName: string, emailAddress: string }>
  internetMessageId?: string
  dateTimeCreated?: string
}

interface OfficeFixture {
  host?: string | null
  mailboxVersion?: string
  item: ItemFixture | null
  failAddHandler?: boolean
}

const FIRST: ItemFixture = {
  itemId: 'AAMk-first',
  subject: 'Quote <img src=x onerror="document.title=\'pwned\'"> for 200 units',
  from: { displayName: 'Grace Hopper', emailAddress: 'grace@example.com' },
  to: [{ displayName: 'Sales', emailAddress: 'sales@example.com' }],
  cc: [{ displayName: 'ops@example.com', emailAddress: 'ops@example.com' }],
  internetMessageId: '<first@example.com>',
  dateTimeCreated: '2026-03-01T10:00:00.000Z',
}

const SECOND: ItemFixture = {
  itemId: 'AAMk-second',
  subject: 'Re: delivery dates',
  from: { displayName: 'Alan Turing', emailAddress: 'alan@example.org' },
  to: [{ displayName: 'Grace Hopper', emailAddress: 'grace@example.com' }],
}

let dir: string
let server: StaticServer
let browser: Browser
let stub: string

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sb-outlook-'))
  await buildAll({ backendUrl: 'https://crm.example.test', outDir: dir, onWarning: () => {} })
  server = await serveDirectory(path.join(dir, 'outlook-addin'), '/outlook/')
  stub = await readFile(path.join(REPO_ROOT, 'outlook-addin', 'test', 'office-stub.js'), 'utf8')
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await rm(dir, { recursive: true, force: true })
})

async function openPane (fixture: OfficeFixture): Promise<{ page: Page, errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 360, height: 480 } })
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  // Everything off this machine is refused, except office.js, which gets the stub.
  await page.route((url) => url.origin !== server.origin, (route) => route.abort())
  await page.route(OFFICE_JS, (route) => route.fulfill({ contentType: 'application/javascript', body: stub }))
  // Defaults: a current Outlook (Mailbox 1.5 and later, so ItemChanged is available).
  await page.addInitScript((f) => { (window as unknown as { __officeFixture: OfficeFixture }).__officeFixture = f }, { host: 'Outlook', mailboxVersion: '1.5', ...fixture })
  await page.goto(`${server.origin}/outlook/taskpane.html`)
  return { page, errors }
}

async function paneText (page: Page): Promise<{ status: string | null, sender: string, subject: string, recipients: string[], notice: string | null }> {
  return page.evaluate(() => {
    const visibleText = (id: string): string | null => {
      const el = document.getElementById(id)
      return el === null || el.hidden ? null : el.textContent
    }
    return {
      status: visibleText('status'),
      sender: [visibleText('sender-name'), visibleText('sender-email')].filter((t) => t !== null).join(' '),
      subject: visibleText('subject') ?? '',
      recipients: [...document.querySelectorAll('#recipients li')].map((li) => li.textContent ?? ''),
      notice: visibleText('notice'),
    }
  })
}

const waitForSubject = (page: Page, subject: string): Promise<unknown> =>
  page.waitForFunction((s) => document.getElementById('subject')?.textContent === s && !document.getElementById('message')?.hidden, subject)

const waitForStatus = (page: Page, pattern: string): Promise<unknown> =>
  page.waitForFunction((p) => { const el = document.getElementById('status'); return el !== null && !el.hidden && (el.textContent ?? '').includes(p) }, pattern)

describe('Outlook task pane', () => {
  it('shows the open message\'s sender, subject and recipients, as text', async () => {
    const { page, errors } = await openPane({ item: FIRST })
    await waitForSubject(page, FIRST.subject)
    expect(await paneText(page)).toEqual({
      status: null,
      sender: 'Grace Hopper grace@example.com',
      subject: FIRST.subject,
      recipients: ['Sales <sales@example.com>', 'ops@example.com'],
      notice: null,
    })
    // The subject's markup stayed text: no element was created and its handler never ran.
    expect(await page.locator('img[src="x"]').count()).toBe(0)
    expect(await page.title()).toBe('Switchboard')
    await mkdir(path.join(REPO_ROOT, 'test-artifacts'), { recursive: true })
    await page.screenshot({ path: path.join(REPO_ROOT, 'test-artifacts', 'outlook-taskpane.png') })
    expect(errors).toEqual([])
    await page.close()
  })

  it('follows the selection when pinned: ItemChanged to another message, then to none', async () => {
    const { page, errors } = await openPane({ item: FIRST, mailboxVersion: '1.5' })
    await waitForSubject(page, FIRST.subject)
    await page.waitForFunction(() => (window as unknown as { __officeStub: { handlerCount: () => number } }).__officeStub.handlerCount() === 1)

    await page.evaluate((item) => { (window as unknown as { __officeStub: { selectItem: (i: unknown) => void } }).__officeStub.selectItem(item) }, SECOND)
    await waitForSubject(page, SECOND.subject)
    expect(await paneText(page)).toMatchObject({ sender: 'Alan Turing alan@example.org', recipients: ['Grace Hopper <grace@example.com>'] })
    expect(await page.locator('#message').getAttribute('data-key')).toBe('AAMk-second')

    await page.evaluate(() => { (window as unknown as { __officeStub: { selectItem: (i: unknown) => void } }).__officeStub.selectItem(null) })
    await waitForStatus(page, 'Select a message')
    expect(await page.locator('#message').isHidden()).toBe(true)
    expect(errors).toEqual([])
    await page.close()
  })

  it('says there is no item when none is selected', async () => {
    const { page } = await openPane({ item: null })
    await waitForStatus(page, 'Select a message')
    expect((await paneText(page)).subject).toBe('')
    await page.close()
  })

  it('does not register for ItemChanged below Mailbox 1.5, and says it cannot follow', async () => {
    const { page } = await openPane({ item: FIRST, mailboxVersion: '1.4' })
    await waitForSubject(page, FIRST.subject)
    await page.waitForFunction(() => !document.getElementById('notice')?.hidden)
    expect((await paneText(page)).notice).toMatch(/cannot follow the selection/)
    expect(await page.evaluate(() => (window as unknown as { __officeStub: { handlerCount: () => number } }).__officeStub.handlerCount())).toBe(0)
    await page.close()
  })

  it('turns a failed addHandlerAsync into a notice, not an unhandled rejection', async () => {
    const { page, errors } = await openPane({ item: FIRST, failAddHandler: true })
    await page.waitForFunction(() => !document.getElementById('notice')?.hidden)
    expect((await paneText(page)).notice).toMatch(/could not follow the selection/)
    expect(errors).toEqual([])
    await page.close()
  })

  it('asks to be opened from Outlook when office.js cannot load', async () => {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.route((url) => url.origin !== server.origin, (route) => route.abort())
    await page.goto(`${server.origin}/outlook/taskpane.html`)
    await waitForStatus(page, 'Open this pane from Outlook')
    expect(errors).toEqual([])
    await page.close()
  })

  it('asks to be opened from Outlook when office.js reports another host', async () => {
    const { page } = await openPane({ host: null, item: FIRST })
    await waitForStatus(page, 'Open this pane from Outlook')
    await page.close()
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
