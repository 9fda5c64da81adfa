import { createHmac, timingSafeEqual } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import http, { type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { REPO_ROOT } from './build.js'
import { freePort, startBackend, type BackendProcess } from './test-support/backend-process.js'
import { launchChromium } from './test-support/browser.js'

/**
 * Outbound webhooks end to end: the real backend in its own process (sandbox mode, which
 * allows private addresses) with `RUN_WORKERS=false`, so every delivery goes out from the
 * `npm run worker` process; an admin registers a receiver on 127.0.0.1 in headless
 * Chromium, a WhatsApp send's statuses arrive signed, a failing delivery shows in the log
 * and is redelivered from it. axe-core checks each page.
 */

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts')
const EMAIL = 'hook.admin@acme.example'
const PASSWORD = 'a long web password'

interface Delivery { headers: IncomingHttpHeaders, body: string }

let backend: BackendProcess
let browser: Browser
let page: Page
let receiverUrl: string
let failing = false
const received: Delivery[] = []
let closeReceiver: () => Promise<void>

/** Standard Webhooks verification as a receiver would write it. */
function verified (secret: string, d: Delivery): boolean {
  const expected = Buffer.from(createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
    .update(`${String(d.headers['webhook-id'])}.${String(d.headers['webhook-timestamp'])}.${d.body}`).digest('base64'))
  return String(d.headers['webhook-signature']).split(' ').some((s) => {
    const given = Buffer.from(s.slice(3))
    return s.startsWith('v1,') && given.length === expected.length && timingSafeEqual(given, expected)
  })
}

async function until<T> (what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n${backend.output().slice(-3000)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function checkPage (name: string): Promise<void> {
  await page.addScriptTag({ path: AXE_PATH })
  const result = await page.evaluate(async () => (window as unknown as { axe: { run: () => Promise<{ violations: Array<{ id: string, impact: string | null, help: string }> }> } }).axe.run())
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(bad.map((v) => `${v.impact} ${v.id}: ${v.help}`), `axe on ${name}`).toEqual([])
  await page.screenshot({ path: path.join(ARTIFACTS, `web-${name}.png`), fullPage: true })
}

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true })
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(failing ? 500 : 204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/switchboard`
  closeReceiver = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  const port = await freePort()
  backend = await startBackend({ env: { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, RUN_WORKERS: 'false' } })
  await backend.startWorker()
  const created = await backend.api('POST', '/users', { email: EMAIL, displayName: 'Hook Admin', role: 'admin', password: PASSWORD })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  browser = await launchChromium()
  const context = await browser.newContext({ baseURL: backend.url, bypassCSP: true })
  page = await context.newPage()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await backend?.close()
  await closeReceiver?.()
})

describe('webhooks in Chromium', () => {
  let secret: string

  it('an admin registers a receiver and sees its signing secret once', async () => {
    await page.goto('/app/sign-in?next=%2Fapp%2Fwebhooks')
    await page.getByLabel('Work email').fill(EMAIL)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL('**/app/webhooks')
    await checkPage('webhooks-empty')
    await page.getByLabel('URL (https; where your tool receives events)').fill(receiverUrl)
    await page.getByLabel('Description (optional)').fill('Our order system')
    await page.getByLabel('message.status').check()
    await page.getByLabel('contact.created').check()
    await page.getByRole('button', { name: 'Add endpoint' }).click()
    secret = (await page.locator('#webhook-secret').textContent() ?? '').trim()
    expect(secret).toMatch(/^whsec_/)
    await checkPage('webhooks-added')
    await page.goto('/app/webhooks')
    expect(await page.content()).not.toContain(secret)
  })

  it('a WhatsApp send\'s statuses reach the receiver signed, from the worker process', async () => {
    const contact = await backend.api<{ id: string }>('POST', '/contacts', { name: 'Ada Lovelace', phones: ['+442079460958'] })
    expect(contact.status).toBe(201)
    const sent = await backend.api<{ wamid: string }>('POST', `/contacts/${contact.body.id}/whatsapp`, { template: { name: 'hello_world', language: 'en_US' } })
    expect(sent.status, JSON.stringify(sent.body)).toBe(201)
    const status = await until('a signed message.status', () => received.find((d) => JSON.parse(d.body).type === 'message.status'))
    expect(verified(secret, status)).toBe(true)
    expect(JSON.parse(status.body).data).toMatchObject({ wamid: sent.body.wamid, contactId: contact.body.id, to: '442079460958' })
    const created = received.find((d) => JSON.parse(d.body).type === 'contact.created')!
    expect(verified(secret, created)).toBe(true)
  })

  it('a failing delivery shows in the log with the receiver\'s answer, and Redeliver sends it once the receiver is back', async () => {
    failing = true
    const grace = await backend.api<{ id: string }>('POST', '/contacts', { name: 'Grace Hopper' })
    await until('the failing attempt', () => received.find((d) => d.body.includes(grace.body.id)))
    await page.goto('/app/webhooks')
    await page.getByRole('link', { name: receiverUrl }).click()
    // Ada's contact.created went through earlier: the failing one is Grace's (late message statuses may fail beside it).
    const graceRow = page.locator('tr').filter({ hasText: 'contact.created' }).filter({ hasText: 'HTTP 500' })
    await until('the attempt in the log', async () => {
      await page.reload()
      return (await graceRow.count()) > 0 ? true : undefined
    })
    await checkPage('webhook-endpoint')
    failing = false
    const graceDeliveries = (): Delivery[] => received.filter((d) => d.body.includes(grace.body.id))
    const before = graceDeliveries().length
    await graceRow.getByRole('button', { name: /^Redeliver/ }).first().click()
    await page.waitForURL('**/app/webhooks/deliveries/**')
    await until('the redelivery', () => graceDeliveries().length > before ? true : undefined)
    await until('the delivered status on the page', async () => {
      await page.reload()
      return (await page.locator('#delivery-status').textContent())?.trim() === 'delivered' ? true : undefined
    })
    const redelivered = graceDeliveries().at(-1)!
    expect(verified(secret, redelivered)).toBe(true)
    expect(JSON.parse(redelivered.body)).toMatchObject({ type: 'contact.created', data: { contact: { id: grace.body.id } } })
    expect(redelivered.headers['webhook-id']).toBe(graceDeliveries()[0]!.headers['webhook-id'])
    await checkPage('webhook-delivery')
  })
})
