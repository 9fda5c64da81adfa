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
