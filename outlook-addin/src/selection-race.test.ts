import type { BrowserContext, Page, Route } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { roamingOf, startPaneHarness, stubOf, waitForText, type ItemFixture, type PaneHarness, type StubCall } from '../test/pane-harness.js'

// Issue 16, defect 2: the selection moves while the pane is loading or logging. At every await
// point of start-up and of "Log" the test selects another message (in the stub for Office
// calls, in a network route for backend calls) and checks that the pane ends on the new
// message, never shows one message's CRM under another's headers, and that every stored log
// carries one email only: its Message-ID, sender and body from the same message.

const WAIT = { timeout: 15_000 }
let h: PaneHarness
let dealId: string
// One sign-in for the whole file: each pane opened below starts its own family from it.
let grant: { signInToken: string }

const first = (n: string): ItemFixture => ({
  itemId: `AAMk-first-${n}`,
  subject: `Quote ${n}`,
  from: { displayName: 'Grace Hopper', emailAddress: 'grace@hopper.example' },
  to: [{ displayName: 'Sales', emailAddress: 'sales@acme.example' }],
  internetMessageId: `<first-${n}@hopper.example>`,
  conversationId: `conv-${n}`,
  dateTimeCreated: '2026-03-01T10:00:00.000Z',
  attachments: [{ id: 'att-1', name: `first-${n}.pdf`, size: 10, contentType: 'application/pdf', content: Buffer.from(`FIRST ${n} file`).toString('base64') }],
  body: { text: `FIRST ${n}: the quote Grace may see`, html: '' },
})

const second = (n: string): ItemFixture => ({
  itemId: `AAMk-second-${n}`,
  subject: `Confidential ${n}`,
  from: { displayName: 'Alan Turing', emailAddress: 'alan@turing.example' },
  to: [{ displayName: 'Olive Agent', emailAddress: 'agent.outlook@acme.example' }],
  internetMessageId: `<second-${n}@turing.example>`,
  dateTimeCreated: '2026-03-02T09:30:00.000Z',
  attachments: [{ id: 'att-1', name: `second-${n}.pdf`, size: 10, contentType: 'application/pdf', content: Buffer.from(`SECOND ${n} file`).toString('base64') }],
  body: { text: `SECOND ${n}: confidential, not for Grace's deal`, html: '' },
})

beforeAll(async () => {
  h = await startPaneHarness()
  const grace = await h.backend.api<{ id: string }>('POST', '/contacts', { name: 'Grace Hopper', emails: ['grace@hopper.example'] })
  const deal = await h.backend.api<{ id: string }>('POST', '/deals', { title: 'Compiler licences', contactIds: [grace.body.id] })
  dealId = deal.body.id
  grant = await h.signInOverHttp()
}, 120_000)

afterAll(async () => { await h?.close() })

/**
 * Records every state the pane shows (message key, whether the CRM part is visible, its
 * contacts): a mixed state is caught even if it is corrected a moment later.
 */
async function recordStates (context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const states: string[] = []
    ;(window as unknown as { __states: string[] }).__states = states
    const note = (): void => {
      const message = document.getElementById('message')
      const crm = document.getElementById('crm')
      const contacts = document.getElementById('contacts')
      if (message === null || crm === null || contacts === null) return
      states.push(`${message.dataset.key ?? '-'}|${crm.hidden ? 'hidden' : 'shown'}|${contacts.textContent ?? ''}`)
    }
    new MutationObserver(note).observe(document, { subtree: true, childList: true, attributes: true, characterData: true })
  })
}

const statesOf = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { __states: string[] }).__states)

/** Moves the selection to `item` while the first request to `url` is in flight, then lets it through. */
async function selectDuringRequest (context: BrowserContext, url: string, item: ItemFixture): Promise<{ fired: () => boolean }> {
  let fired = false
  await context.route(url, async (route: Route) => {
    if (!fired) {
      fired = true
      const page = route.request().frame().page()
      await stubOf(page).selectItem(item)
    }
    await route.continue()
  })
  return { fired: () => fired }
}

type Point = { kind: 'office', call: StubCall } | { kind: 'request', url: string }

describe('the selection changes at every await point of start-up', () => {
  const points: Array<{ name: string, point: Point }> = [
    { name: 'Office.onReady', point: { kind: 'office', call: 'onReady' } },
    { name: 'addHandlerAsync(ItemChanged)', point: { kind: 'office', call: 'addHandlerAsync' } },
    { name: 'the sign-in refresh (POST /oauth/addin/token)', point: { kind: 'request', url: '**/oauth/addin/token' } },
    { name: 'the view request (POST /api/v1/addon/view)', point: { kind: 'request', url: '**/api/v1/addon/view' } },
  ]

  it.each(points)('during $name: the pane ends on the new message and never mixes the two', async ({ name, point }) => {
    const n = name.replace(/\W+/g, '-')
    const a = first(`load-${n}`)
    const b = second(`load-${n}`)
    const context = await h.outlookContext({ item: a, roaming: roamingOf(grant), ...(point.kind === 'office' ? { selectDuring: { call: point.call, item: b } } : {}) })
    await recordStates(context)
    const trap = point.kind === 'request' ? await selectDuringRequest(context, point.url, b) : null
    const { page, errors } = await h.openPaneIn(context)

    await waitForText(page, 'subject', b.subject)
    await page.waitForFunction((key) => {
      const message = document.getElementById('message')
      const noContacts = document.getElementById('no-contacts')
      const crm = document.getElementById('crm')
      return message?.dataset.key === key && crm?.hidden === false && noContacts?.hidden === false
    }, b.itemId, WAIT)
    if (trap !== null) expect(trap.fired()).toBe(true)
    else expect(await stubOf(page).trapFired()).toBe(true)
    // The new message's CRM part never showed Grace (the first message's contact).
    const mixed = (await statesOf(page)).filter((s) => s.startsWith(`${b.itemId}|shown|`) && s.includes('Grace Hopper'))
    expect(mixed).toEqual([])
    expect(errors).toEqual([])
    await context.close()
  })
})

describe('the selection changes at every await point of "Log"', () => {
  const points: Array<{ name: string, point: Point, newDeal: boolean, logs: boolean }> = [
    { name: 'reading the body (body.getAsync)', point: { kind: 'office', call: 'body.getAsync' }, newDeal: false, logs: false },
    { name: 'reading an attachment file (getAttachmentContentAsync)', point: { kind: 'office', call: 'getAttachmentContentAsync' }, newDeal: false, logs: false },
    { name: 'creating the new deal (POST /api/v1/deals)', point: { kind: 'request', url: '**/api/v1/deals' }, newDeal: true, logs: true },
    { name: 'storing the log (POST /api/v1/emails/log)', point: { kind: 'request', url: '**/api/v1/emails/log' }, newDeal: false, logs: true },
  ]

  it.each(points)('during $name: one email per log, or nothing logged and the pane says why', async ({ name, point, newDeal, logs }) => {
    const n = name.replace(/\W+/g, '-')
    const a = first(`log-${n}`)
    const b = second(`log-${n}`)
    const context = await h.outlookContext({ item: a, roaming: roamingOf(grant) })
    const { page, errors } = await h.openPaneIn(context)
    await waitForText(page, 'contacts', 'Grace Hopper')
    if (point.kind === 'office') await stubOf(page).selectDuring(point.call, b)
    const trap = point.kind === 'request' ? await selectDuringRequest(context, point.url, b) : null
    const logged = logs ? page.waitForResponse((r) => r.url().endsWith('/api/v1/emails/log'), WAIT) : null

    if (newDeal) {
      await page.selectOption('#deal', '__new__')
      await page.fill('#new-deal-title', `Race ${n}`)
    } else {
      await page.selectOption('#deal', dealId)
    }
    await page.check('#include-body')
    await page.check('#upload-files')
    await page.click('#log-button')

    if (logged !== null) expect((await logged).status()).toBe(201)
    else await page.waitForFunction((subject) => (document.getElementById('notice')?.textContent ?? '').includes(`reading "${subject}", so nothing was logged`), a.subject, WAIT)
    // Whatever happened to the log, the pane follows the selection to the second message.
    await page.waitForFunction((key) => document.getElementById('message')?.dataset.key === key, b.itemId, WAIT)
    if (trap !== null) expect(trap.fired()).toBe(true)
    else expect(await stubOf(page).trapFired()).toBe(true)

    const activities = await h.backend.api<{ items: Array<{ id: string, type: string, subject: string | null, body: string | null, data: Record<string, unknown> }> }>('GET', '/activities?limit=200')
    const mine = activities.body.items.filter((x) => x.type === 'email' && [a.internetMessageId, b.internetMessageId].includes(x.data.messageId as string))
    if (logs) {
      // Exactly one log, and everything in it is the first message's.
      expect(mine).toHaveLength(1)
      expect(mine[0]?.data).toMatchObject({ messageId: a.internetMessageId, from: 'grace@hopper.example' })
      expect(mine[0]?.subject).toBe(a.subject)
      expect(mine[0]?.body).toBe(a.body!.text)
      const file = await fetch(`${h.backend.url}/api/v1/activities/${mine[0]!.id}/attachments/0`, { headers: { authorization: `Bearer ${h.backend.token}` } })
      expect(Buffer.from(await file.arrayBuffer()).toString()).toBe(`FIRST log-${n} file`)
    } else {
      expect(mine).toEqual([])
    }
    // No log anywhere carries the second message's body.
    expect(activities.body.items.filter((x) => (x.body ?? '').includes(`SECOND log-${n}`))).toEqual([])
    expect(errors).toEqual([])
    await context.close()
  })
})

describe('a pane that starts offline (issue 16, defect 3)', () => {
  it('resumes the stored sign-in on the next selection once online: no sign-in prompt, no second sign-in', async () => {
    const a = first('offline')
    const b = first('online')
    const context = await h.outlookContext({ item: a, roaming: roamingOf(grant) })
    await context.addInitScript(() => {
      // Records whether the sign-in prompt was ever shown, however briefly.
      new MutationObserver(() => {
        const panel = document.getElementById('sign-in-panel')
        if (panel !== null && !panel.hidden) (window as unknown as { __promptShown: boolean }).__promptShown = true
      }).observe(document, { subtree: true, attributes: true, attributeFilter: ['hidden'] })
    })
    const offline = (route: Route): Promise<void> => route.abort('internetdisconnected')
    await context.route('**/oauth/addin/**', offline)
    const { page, errors } = await h.openPaneIn(context)
    await waitForText(page, 'problem-text', 'Switchboard cannot be reached')

    await context.unroute('**/oauth/addin/**', offline)
    const tokenCalls: string[] = []
    page.on('request', (request) => { if (request.url().includes('/oauth/addin/')) tokenCalls.push(JSON.parse(request.postData() ?? '{}').grantType as string) })
    await stubOf(page).selectItem(b)
    await page.waitForFunction((key) => document.getElementById('message')?.dataset.key === key && document.getElementById('crm')?.hidden === false, b.itemId, WAIT)
    expect(await page.evaluate(() => (window as unknown as { __promptShown?: boolean }).__promptShown ?? false)).toBe(false)
    expect(await page.locator('#signed-in-as').textContent()).toContain('Signed in as')
    // The stored sign-in was resumed (a pane family from it), not replaced by a new one.
    expect(tokenCalls).toEqual(['sign_in'])
    expect((await stubOf(page).savedRoaming())).toEqual(roamingOf(grant))
    expect(errors).toEqual([])
    await context.close()
  })
})
