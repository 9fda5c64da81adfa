import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { roamingOf, startPaneHarness, stubOf, waitForText, type ItemFixture, type PaneHarness } from '../test/pane-harness.js'

// Issue 16, item 8 (parity with the Gmail add-on), the part done: a contact from an address
// on the email in one action, logging to a contact as well as a deal, and each card's recent
// activity and WhatsApp thread with its 24-hour window.

let h: PaneHarness
let companyId: string

const EMAIL: ItemFixture = {
  itemId: 'AAMk-parity',
  subject: 'Bombe maintenance',
  from: { displayName: 'Alan Turing', emailAddress: 'alan@turing.example' },
  to: [{ displayName: 'Grace Hopper', emailAddress: 'grace@hopper.example' }],
  internetMessageId: '<bombe@turing.example>',
  dateTimeCreated: '2026-03-05T09:00:00.000Z',
}

beforeAll(async () => {
  h = await startPaneHarness()
  await h.backend.api('POST', '/contacts', { name: 'Grace Hopper', emails: ['grace@hopper.example'] })
  companyId = (await h.backend.api<{ id: string }>('POST', '/companies', { name: 'Turing Ltd', domain: 'turing.example' })).body.id
}, 120_000)

afterAll(async () => { await h?.close() })

describe('the pane beside the Gmail add-on', () => {
  it('adds the sender as a contact in one action, logs the email to that contact, and shows recent activity and WhatsApp', async () => {
    const grant = await h.signInOverHttp()
    const { page, context, errors } = await h.openPane({ item: EMAIL, roaming: roamingOf(grant) })
    await waitForText(page, 'contacts', 'Grace Hopper')
    // Each card says where WhatsApp stands: no message from Grace, so only a template can go.
    expect(await page.locator('#contacts').textContent()).toContain('WhatsApp: only a template can be sent')

    // The stranger is offered with the company of their domain.
    const add = page.locator('button.add-contact[data-email="alan@turing.example"]')
    expect(await add.textContent()).toBe('Add Alan Turing as a contact at Turing Ltd')
    await add.click()
    await waitForText(page, 'contacts', 'Alan Turing')
    const found = await h.backend.api<{ items: Array<{ id: string, name: string, companyId: string | null, emails: string[] }> }>('GET', '/contacts?q=alan')
    const alan = found.body.items.find((c) => c.emails.includes('alan@turing.example'))
    expect(alan).toMatchObject({ name: 'Alan Turing', companyId })
    expect(await page.locator('button.add-contact').count()).toBe(0)

    // Log to the contact rather than a deal.
    await page.selectOption('#deal', `contact:${alan!.id}`)
    await page.click('#log-button')
    await waitForText(page, 'logged', 'Logged to Alan Turing by Olive Agent')
    const activities = await h.backend.api<{ items: Array<{ type: string, contactId: string | null, dealId: string | null, subject: string | null }> }>('GET', `/activities?contactId=${alan!.id}`)
    expect(activities.body.items.filter((a) => a.type === 'email')).toEqual([expect.objectContaining({ contactId: alan!.id, dealId: null, subject: 'Bombe maintenance' })])

    // Shown again, Alan's card lists the email among his recent activity.
    await stubOf(page).selectItem({ ...EMAIL })
    await page.waitForFunction(() => (document.getElementById('contacts')?.textContent ?? '').includes('email: Bombe maintenance'), undefined, { timeout: 15_000 })
    expect(errors).toEqual([])
    await context.close()
  })
})

describe('on a phone (issue 16, item 11)', () => {
  it('works at 375 px wide with Mailbox 1.5, as Outlook on iOS and Android offers: nothing overflows, no serious accessibility problem', async () => {
    const grant = await h.signInOverHttp()
    const context = await h.outlookContext({ item: { ...EMAIL, itemId: 'AAMk-phone' }, roaming: roamingOf(grant), mailboxVersion: '1.5' }, { width: 375, height: 667 })
    const { page, errors } = await h.openPaneIn(context)
    await waitForText(page, 'contacts', 'Grace Hopper')
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
    for (const id of ['deal', 'log-button', 'sign-out']) {
      const box = await page.locator(`#${id}`).boundingBox()
      expect(box, id).not.toBeNull()
      expect(box!.x + box!.width, id).toBeLessThanOrEqual(375)
    }
    // The body needs Mailbox 1.3, which phones have (they stop at 1.5).
    expect(await page.locator('#include-body').isEnabled()).toBe(true)
    await page.evaluate(await (await import('node:fs/promises')).readFile((await import('node:module')).createRequire(import.meta.url).resolve('axe-core'), 'utf8'))
    const violations = await page.evaluate(async () => (await (window as unknown as { axe: { run: () => Promise<{ violations: Array<{ id: string, impact: string | null }> }> } }).axe.run()).violations)
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([])
    await page.screenshot({ path: 'test-artifacts/outlook-phone.png', fullPage: true })
    expect(errors).toEqual([])
    await context.close()
  })
})
