import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPaneHarness, visible, waitForText, type ItemFixture, type PaneHarness } from '../test/pane-harness.js'

// Issue 16, defect 4: a popup blocker swallowed the sign-in dialog and "Try again" restarted
// the pane. Each error displayDialogAsync is documented to fail with gets its own message,
// and "Try again" opens the dialog again.

let h: PaneHarness
const ITEM: ItemFixture = {
  itemId: 'AAMk-dialog',
  subject: 'Hello',
  from: { displayName: 'Grace Hopper', emailAddress: 'grace@hopper.example' },
  to: [{ displayName: 'Sales', emailAddress: 'sales@acme.example' }],
}

beforeAll(async () => { h = await startPaneHarness() }, 120_000)
afterAll(async () => { await h?.close() })

describe('sign-in dialog errors', () => {
  it.each([
    { code: 12004, words: 'not one this add-in trusts' },
    { code: 12005, words: 'not served over HTTPS' },
    { code: 12007, words: 'already open' },
    { code: 12009, words: 'blocked or dismissed' },
    { code: 12011, words: 'browser\'s settings blocked' },
  ])('explains $code and "Try again" opens the dialog again', async ({ code, words }) => {
    const { page, context, errors } = await h.openPane({ item: ITEM, dialogErrors: [code] })
    await visible(page, 'sign-in')
    await page.click('#sign-in')
    await waitForText(page, 'problem-text', words)
    await visible(page, 'retry')
    // The retry is the dialog, not a reload of the pane: a real popup opens on the sign-in page.
    const [dialog] = await Promise.all([context.waitForEvent('page'), page.click('#retry')])
    await dialog.waitForLoadState()
    expect(new URL(dialog.url()).pathname).toBe('/oauth/addin/authorize')
    expect(await page.locator('#problem').isHidden()).toBe(true)
    await dialog.close()
    await waitForText(page, 'notice', 'Sign-in was cancelled')
    expect(errors).toEqual([])
    await context.close()
  })
})
