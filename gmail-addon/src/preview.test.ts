import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../../build/build.js'
import { PREVIEW_MESSAGES, PREVIEW_USER, startPreview } from '../../build/preview-gmail.js'
import { cardPage, createGmailHost, loadAppsScript, type GmailHost } from '../../build/test-support/apps-script-runtime.js'
import { launchChromium } from '../../build/test-support/browser.js'

// The cards of `npm run preview:gmail`, drawn as HTML and opened in headless Chromium: what
// a person sees, with user data shown as text (never as markup), saved as screenshots in
// test-artifacts/.

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts')
let preview: Awaited<ReturnType<typeof startPreview>>
let browser: Browser
let host: GmailHost

beforeAll(async () => {
  preview = await startPreview()
  browser = await launchChromium()
  await mkdir(ARTIFACTS, { recursive: true })
  host = createGmailHost(loadAppsScript(preview.distDir, { gmailMessages: PREVIEW_MESSAGES, userEmail: PREVIEW_USER, oauthClientId: preview.identity.clientId, signIdentityToken: preview.identity.sign }))
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await preview?.close()
})

async function shoot (name: string): Promise<{ text: string, bold: string[] }> {
  const html = cardPage(host.top(), host.notifications.at(-1) ?? null)
  await writeFile(path.join(ARTIFACTS, `${name}.html`), html)
  const page = await browser.newPage({ viewport: { width: 720, height: 900 } })
  try {
    await page.setContent(html)
    await page.locator('aside.panel').screenshot({ path: path.join(ARTIFACTS, `${name}.png`) })
    return {
      text: await page.locator('aside.panel').innerText(),
      bold: await page.locator('aside.panel b').allInnerTexts(),
    }
  } finally {
    await page.close()
  }
}

describe('the Gmail cards in Chromium', () => {
  it('draws a contact\'s card with its company, deal and actions; user data is text', async () => {
    host.openMessage('From Grace (a contact with a deal)')
    const { text } = await shoot('gmail-contact')
    expect(text).toContain('US Navy & <Partners>')
    expect(text).toContain('Cable order')
    expect(text).toContain('Prefers WhatsApp after 5 pm <CET>')
    expect(text).toMatch(/Log email/)
  })

  it('shows a stranger\'s markup-laden name literally, never as bold text', async () => {
    host.openMessage('From a stranger at a known company')
    const { text, bold } = await shoot('gmail-stranger')
    expect(text).toContain('Katherine <b>Johnson</b>')
    expect(bold).not.toContain('Johnson')
    expect(text).toContain('Probably NASA')
  })

  it('draws the template preview before sending', async () => {
    host.openMessage('From Grace (a contact with a deal)')
    host.click('Send template')
    const choose = host.top()
    const index = choose.sections[0]!.widgets.findIndex((w) => w.kind === 'DecoratedText' && w.text === 'welcome_offer')
    host.click('Choose', {}, choose.sections[0]!.widgets.slice(0, index).filter((w) => w.kind === 'DecoratedText' && w.button !== null).length)
    await shoot('gmail-template-fill')
    host.click('Preview', { var_2: '15%', var_3: 'Sunday' })
    const { text } = await shoot('gmail-template-preview')
    expect(text).toContain('Hi Grace, enjoy 15% off your next order until Sunday.')
  })
})
