import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Activity, ActivityPage, Company, Contact, ContactPage, Deal, WhatsappThread } from '../../backend/src/api.js'
import { buildAll } from '../../build/build.js'
import {
  cardButtons, cardTexts, cardWidgets, createGmailHost, loadAppsScript, type AppsScriptRuntime, type FakeCard, type FakeSelectionInput,
  type FakeTextInput, type GmailFixtureMessage, type GmailHost,
} from '../../build/test-support/apps-script-runtime.js'
import { startBackend, type BackendProcess } from '../../build/test-support/backend-process.js'
import { startLocalGoogleIdentity, type LocalGoogleIdentity } from '../../build/test-support/google-identity.js'
import { startOutageProxy, type OutageProxy } from '../../build/test-support/outage-proxy.js'
import { eventually } from '../../build/test-support/sheets-fixtures.js'
import { FIELDS, INCLUDE_BODY_VALUE } from './core/cards.js'

// The built Code.js in the local Apps Script runtime, with Gmail played by createGmailHost,
// against the real backend in its own process (sandbox mode) over real HTTP, behind a proxy
// that can cut it off. The add-on signs in with ScriptApp.getIdentityToken(): tokens are
// signed by a local key whose JWKS the backend is configured to trust, exactly as it
// trusts Google's. The steps share one workspace and run in order, like a person's morning.

const USER = 'owner@acme.example'
const GRACE_PHONE = '+44 20 7946 0958'
const GRACE_WA = '442079460958'

const recipients = (n: number): string => Array.from({ length: n }, (_, i) => `"Guest ${i}, Jr." <guest${i}@party.example>`).join(', ')

const MESSAGES: Record<string, GmailFixtureMessage> = {
  // A known contact, with a unicode subject and a long thread the add-on must not read.
  quote: {
    accessToken: 'tok-quote',
    from: '"Grace Hopper" <Grace@Navy.example>',
    to: `Owner <${USER}>`,
    cc: 'Ünïcødé Ωmega <omega@elsewhere.example>',
    subject: 'Quote for 200 cables — ¿precio final? 🚢',
    date: '2026-03-02T09:15:00.000Z',
    headers: { 'Message-ID': '<quote-1@navy.example>' },
    plainBody: 'Hello, please find the quote. Grüße 🚢',
    attachments: [{ name: 'quote.pdf', size: 12345, contentType: 'application/pdf' }],
    threadId: 'thread-quote',
    threadMessageCount: 180,
  },
  // A stranger whose domain is a known company.
  stranger: {
    accessToken: 'tok-stranger',
    from: '"Katherine <b>Johnson</b>" <katherine@nasa.example>',
    to: USER,
    subject: 'Orbit numbers',
    headers: { 'Message-ID': '<orbit@nasa.example>' },
  },
  // No Message-ID, no To, no Cc: still looked up and loggable (the backend fingerprints it).
  bare: {
    accessToken: 'tok-bare',
    from: 'grace@navy.example',
    subject: '',
  },
  // 60 recipients: 50 are looked up, the rest are counted.
  party: {
    accessToken: 'tok-party',
    from: 'Grace Hopper <grace@navy.example>',
    to: recipients(60),
    subject: 'Launch party',
    headers: { 'Message-ID': '<party@navy.example>' },
  },
  noNumber: {
    accessToken: 'tok-nonumber',
    from: 'Alan Turing <alan@bletchley.example>',
    to: USER,
    subject: 'Enigma',
    headers: { 'Message-ID': '<enigma@bletchley.example>' },
  },
  optedOut: {
    accessToken: 'tok-optout',
    from: 'Opted Out <no@thanks.example>',
    to: USER,
    subject: 'Please stop',
    headers: { 'Message-ID': '<stop@thanks.example>' },
  },
}

let identity: LocalGoogleIdentity
let backend: BackendProcess
let proxy: OutageProxy
let distDir: string
let grace: Contact
let navy: Company

function runtimeFor (userEmail = USER): AppsScriptRuntime {
  return loadAppsScript(distDir, { gmailMessages: structuredClone(MESSAGES), userEmail, oauthClientId: identity.clientId, signIdentityToken: identity.sign })
}

async function ok<T> (method: string, apiPath: string, body?: unknown): Promise<T> {
  const response = await backend.api<T>(method, apiPath, body)
  if (response.status >= 300) throw new Error(`${method} ${apiPath}: ${response.status} ${JSON.stringify(response.body)}`)
  return response.body
}

const text = (card: FakeCard): string => cardTexts(card).join('\n')
const input = (card: FakeCard, name: string): FakeTextInput => {
  const found = cardWidgets(card).find((w): w is FakeTextInput => w.kind === 'TextInput' && w.fieldName === name)
  if (found === undefined) throw new Error(`No input ${name}`)
  return found
}
const choice = (card: FakeCard, name: string): FakeSelectionInput => {
  const found = cardWidgets(card).find((w): w is FakeSelectionInput => w.kind === 'SelectionInput' && w.fieldName === name)
  if (found === undefined) throw new Error(`No choice ${name}`)
  return found
}
/** The input whose title is `title` (template variables are named by position, not by name). */
const titled = (card: FakeCard, title: string): FakeTextInput => {
  const found = cardWidgets(card).find((w): w is FakeTextInput => w.kind === 'TextInput' && w.title === title)
  if (found === undefined) throw new Error(`No input titled ${title}`)
  return found
}
const optionValue = (card: FakeCard, name: string, label: RegExp): string => {
  const item = choice(card, name).items.find((i) => label.test(i.text))
  if (item === undefined) throw new Error(`No option ${label} in ${name}`)
  return item.value
}
/** Clicks the button beside the field whose value matches. */
function clickBeside (host: GmailHost, value: RegExp, buttonText: string): void {
  const field = cardWidgets(host.top()).find((w) => w.kind === 'DecoratedText' && value.test(w.text) && w.button?.text === buttonText)
  if (field === undefined || field.kind !== 'DecoratedText' || field.button === null || field.button.onClick.kind !== 'action') throw new Error(`No "${buttonText}" beside ${value}`)
  // Put the field's button first so host.click finds this one and not another with the same text.
  const card = host.top()
  host.stack.splice(host.stack.length - 1, 1, { ...card, sections: [{ kind: 'CardSection', header: null, collapsible: false, uncollapsibleWidgets: null, widgets: [field.button] }, ...card.sections] })
  host.click(buttonText)
}

async function activitiesOf (query: string): Promise<Activity[]> {
  return (await ok<ActivityPage>('GET', `/activities?${query}`)).items
}

beforeAll(async () => {
  identity = await startLocalGoogleIdentity()
  backend = await startBackend({ env: { GOOGLE_CLIENT_IDS: identity.clientId, GOOGLE_JWKS_URL: identity.jwksUrl } })
  proxy = await startOutageProxy(backend.url)
  const dir = await mkdtemp(path.join(tmpdir(), 'sb-gmail-e2e-'))
  await buildAll({ backendUrl: proxy.url, outDir: dir, onWarning: () => {} })
  distDir = path.join(dir, 'gmail-addon')

  navy = await ok<Company>('POST', '/companies', { name: 'US Navy & <Partners>', domain: 'navy.example' })
  await ok<Company>('POST', '/companies', { name: 'NASA', domain: 'nasa.example' })
  grace = await ok<Contact>('POST', '/contacts', { name: 'Grace Hopper', emails: ['grace@navy.example'], phones: [GRACE_PHONE], companyId: navy.id, tags: ['vip', 'cobol'] })
  await ok<Deal>('POST', '/deals', { title: 'Cable order', amount: 12000, currency: 'EUR', contactIds: [grace.id], companyId: navy.id })
  await ok<Contact>('POST', '/contacts', { name: 'Alan Turing', emails: ['alan@bletchley.example'] })
  // Twenty of the party's guests are customers: more than one card can show in full.
  for (let i = 0; i < 20; i++) await ok<Contact>('POST', '/contacts', { name: `Guest ${i}`, emails: [`guest${i}@party.example`], phones: [`+1 917 555 ${String(1000 + i)}`] })
  await ok<Contact>('POST', '/contacts', { name: 'Opted Out', emails: ['no@thanks.example'], phones: ['+44 20 7946 0999'], marketing: { status: 'opted_out' } })
}, 120_000)

afterAll(async () => {
  await proxy?.close()
  await backend?.close()
  await identity?.close()
})

describe('the contextual card', () => {
  it('shows a known sender\'s company, numbers, tags and open deals with their stage, from ONE backend call signed with the Google identity token', () => {
    const runtime = runtimeFor()
    const card = createGmailHost(runtime).openMessage('quote')
    const shown = text(card)
    expect(card.header?.title).toBe('Grace Hopper')
    expect(shown).toContain('US Navy &amp; &lt;Partners&gt;')
    expect(shown).toContain('+442079460958')
    expect(shown).toContain('vip, cobol')
    expect(shown).toMatch(/Sales · Lead\nCable order\n12,000 EUR/)
    expect(shown).toMatch(/Reply window closed/)

    const execution = runtime.lastExecution()
    expect(execution.error).toBeUndefined()
    expect(execution.counters.urlFetchRequests).toBe(1)
    const [fetch] = runtime.fetches
    expect(fetch?.url).toBe(`${proxy.url}/api/v1/addon/view`)
    expect(fetch?.headers['Authorization']).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/)
    // Sender and cc looked up, not the user; the headers go along to say where it is logged.
    expect(JSON.parse(fetch!.payload!)).toMatchObject({ emails: ['grace@navy.example', 'omega@elsewhere.example'], message: { messageId: '<quote-1@navy.example>', from: 'grace@navy.example' } })
    // Metadata only: no body, no other message of the 180-message thread.
    expect(runtime.gmail.reads.every((r) => r.kind === 'metadata')).toBe(true)
  })

  it('offers a stranger "Create contact" prefilled from the From header (escaped), with the company guessed from the domain', () => {
    const runtime = runtimeFor()
    const host = createGmailHost(runtime)
    const card = host.openMessage('stranger')
    expect(text(card)).toContain('Katherine &lt;b&gt;Johnson&lt;/b&gt;')
    expect(text(card)).toContain('Probably NASA')
    clickBeside(host, /Katherine/, 'Create contact')
    expect(input(host.top(), FIELDS.name).value).toBe('Katherine <b>Johnson</b>')
    expect(input(host.top(), FIELDS.email).value).toBe('katherine@nasa.example')
    host.click('Create contact', { [FIELDS.name]: 'Katherine Johnson', [FIELDS.phone]: '+1 757 555 0100' })
    expect(host.notifications.at(-1)).toBe('Katherine Johnson is now a contact.')
    expect(host.stack).toHaveLength(1)
    expect(host.top().header?.title).toBe('Katherine Johnson')
    expect(text(host.top())).toContain('NASA')
  })

  it('looks up at most 50 of 60 recipients and says how many were left out; a bare email (no Message-ID, To or subject) still works', () => {
    const runtime = runtimeFor()
    const host = createGmailHost(runtime)
    const party = host.openMessage('party')
    expect(runtime.lastExecution().error).toBeUndefined()
    expect(text(party)).toContain('11 more recipients were not looked up')
    // Grace and four guests in full; the other sixteen guests a line each.
    expect(text(party)).toMatch(/Also in Switchboard\nGuest 4\nOpen\n[\s\S]*Guest 19\nOpen/)
    expect(party.sections.length).toBeLessThanOrEqual(100)
    expect((JSON.parse(runtime.fetches.at(-1)!.payload!) as { emails: string[] }).emails).toHaveLength(50)
    const bare = host.openMessage('bare')
    expect(bare.header?.title).toBe('Grace Hopper')
    expect(runtime.lastExecution().counters.urlFetchRequests).toBe(1)
  })
})

describe('logging the email', () => {
  it('logs metadata only by default, says "already logged" the second time, and stores one activity', async () => {
    const runtime = runtimeFor()
    const host = createGmailHost(runtime)
    host.openMessage('quote')
    const target = optionValue(host.top(), FIELDS.logTarget, /^Grace Hopper$/)
    host.click('Log email', { [FIELDS.logTarget]: target })
    expect(host.notifications.at(-1)).toBe('Logged to contact Grace Hopper (without the body).')
    expect(runtime.gmail.reads.some((r) => r.kind === 'content')).toBe(false)
    // The card was drawn again and shows where the email is logged.
    expect(text(host.top())).toMatch(/Logged\nContact: Grace Hopper\nby Ada Owner/)

    host.click('Log email', { [FIELDS.logTarget]: target })
    expect(host.notifications.at(-1)).toBe('Already logged to contact Grace Hopper by Ada Owner: nothing was added.')

    const emails = (await activitiesOf(`contactId=${grace.id}`)).filter((a) => a.type === 'email')
    expect(emails).toHaveLength(1)
    expect(emails[0]).toMatchObject({ subject: 'Quote for 200 cables — ¿precio final? 🚢', body: null })
    expect(emails[0]!.data).toMatchObject({ messageId: '<quote-1@navy.example>', threadId: 'thread-quote' })
  })

  it('includes the body and attachment names only when "include body" is ticked, read after the click', async () => {
    const runtime = runtimeFor()
    const host = createGmailHost(runtime)
    host.openMessage('quote')
    const deal = optionValue(host.top(), FIELDS.logTarget, /Deal: Cable order/)
    host.click('Log email', { [FIELDS.logTarget]: deal, [FIELDS.includeBody]: [INCLUDE_BODY_VALUE] })
    expect(host.notifications.at(-1)).toBe('Logged to deal Cable order with its body.')
    expect(runtime.gmail.reads.filter((r) => r.kind === 'content').map((r) => r.method)).toEqual(['getPlainBody', 'getAttachments'])
    const logged = (await activitiesOf('limit=50')).find((a) => a.type === 'email' && a.dealId !== null)
    expect(logged?.body).toBe('Hello, please find the quote. Grüße 🚢')
  })
})

describe('deals and notes', () => {
  it('creates a deal titled after the subject, moves its stage, and adds a note, each shown on the redrawn card', async () => {
    const host = createGmailHost(runtimeFor())
    host.openMessage('quote')
    host.click('New deal')
    expect(input(host.top(), FIELDS.title).value).toBe('Quote for 200 cables — ¿precio final? 🚢')
    host.click('Create deal', { [FIELDS.title]: 'Cable maintenance', [FIELDS.amount]: '1,500.50', [FIELDS.currency]: 'usd' })
    expect(host.notifications.at(-1)).toBe('Deal "Cable maintenance" created.')
    expect(text(host.top())).toMatch(/Sales · Lead\nCable maintenance\n1,500.50 USD/)

    clickBeside(host, /^Cable maintenance$/, 'Move')
    const proposal = optionValue(host.top(), FIELDS.stage, /^Proposal$/)
    host.click('Move', { [FIELDS.stage]: proposal })
    expect(host.notifications.at(-1)).toBe('"Cable maintenance" moved.')
    expect(text(host.top())).toMatch(/Sales · Proposal\nCable maintenance/)

    host.click('Add note')
    host.click('Save note', { [FIELDS.note]: 'Wants delivery before <April> & a discount' })
    expect(host.notifications.at(-1)).toBe('Note saved.')
    expect(text(host.top())).toContain('Wants delivery before &lt;April&gt; &amp; a discount')
    const deals = (await ok<{ items: Deal[] }>('GET', `/deals?contactId=${grace.id}`)).items
    expect(deals.find((d) => d.title === 'Cable maintenance')).toMatchObject({ amount: 1500.5, currency: 'USD' })
  })

  it('says which field is missing instead of sending an empty note', () => {
    const host = createGmailHost(runtimeFor())
    host.openMessage('quote')
    host.click('Add note')
    host.click('Save note')
    expect(host.notifications.at(-1)).toBe('Fill in "Note" first.')
    expect(host.top().header?.title).toBe('Add note')
  })
})

describe('WhatsApp', () => {
  it('sends a template with parameters prefilled from the contact, after a preview; its statuses arrive in the thread', async () => {
    const runtime = runtimeFor()
    const host = createGmailHost(runtime)
    host.openMessage('quote')
    host.click('Send template')
    clickBeside(host, /^welcome_offer$/, 'Choose')
    const fill = host.top()
    // welcome_offer: header {{first_name}}, body {{first_name}} {{discount}} {{expiry}}.
    expect(cardWidgets(fill).flatMap((w) => w.kind === 'TextInput' ? [[w.title, w.value]] : [])).toEqual([['first_name (header)', 'Grace'], ['first_name', 'Grace'], ['discount', null], ['expiry', null]])
    host.click('Preview', { [titled(fill, 'discount').fieldName]: '15%', [titled(fill, 'expiry').fieldName]: 'Sunday' })
    expect(text(host.top())).toContain('Hi Grace, enjoy 15% off your next order until Sunday.')
    host.click('Send')
    expect(host.notifications.at(-1)).toBe('Template welcome_offer sent to Grace Hopper.')
    expect(host.top().header?.title).toBe('WhatsApp')
    expect(host.stack).toHaveLength(2)

    const inspection = await backend.sandbox<{ byRecipient: Record<string, number> }>('GET', '/inspect')
    expect(inspection.byRecipient[GRACE_WA]).toBe(1)
    await eventually(async () => {
      host.click('Refresh')
      expect(text(host.top())).toMatch(/(Delivered|Read) · [^\n]*\nA gift for you, Grace\nHi Grace, enjoy 15%/)
    }, 20_000, 'the delivered status')
  })

  it('sends a positional template with an image header and a URL button, every value typed', async () => {
    const host = createGmailHost(runtimeFor())
    host.openMessage('quote')
    host.click('Send template')
    clickBeside(host, /^order_update$/, 'Choose')
    const fill = host.top()
    expect(cardWidgets(fill).flatMap((w) => w.kind === 'TextInput' ? [w.title] : [])).toEqual(['image link (header, https://)', '1', '2', '3', '1 (button)'])
    host.click('Preview', {
      [titled(fill, 'image link (header, https://)').fieldName]: 'https://shop.example.com/parcel.jpg',
      [titled(fill, '1').fieldName]: 'Grace', [titled(fill, '2').fieldName]: '#1042', [titled(fill, '3').fieldName]: 'Jan 5',
      [titled(fill, '1 (button)').fieldName]: 'abc123',
    })
    expect(text(host.top())).toContain('Hi Grace, your order #1042 has shipped and should arrive on Jan 5.')
    host.click('Send')
    expect(host.notifications.at(-1)).toBe('Template order_update sent to Grace Hopper.')
    const inspection = await backend.sandbox<{ byRecipient: Record<string, number> }>('GET', '/inspect')
    expect(inspection.byRecipient[GRACE_WA]).toBe(2)
  })

  it('sends a copy-code (coupon) template and a location-header template, each value typed (the sandbox refuses a missing coupon or location as Meta does)', async () => {
    const host = createGmailHost(runtimeFor())
    host.openMessage('quote')
    const before = (await backend.sandbox<{ byRecipient: Record<string, number> }>('GET', '/inspect')).byRecipient[GRACE_WA] ?? 0
    host.click('Send template')
    clickBeside(host, /^loyalty_coupon$/, 'Choose')
    let fill = host.top()
    expect(cardWidgets(fill).flatMap((w) => w.kind === 'TextInput' ? [w.title] : [])).toEqual(['1', '2', 'coupon code (copy-code button)'])
    host.click('Preview', { [titled(fill, '1').fieldName]: 'Grace', [titled(fill, '2').fieldName]: '10%', [titled(fill, 'coupon code (copy-code button)').fieldName]: 'GRACE10' })
    host.click('Send')
    expect(host.notifications.at(-1)).toBe('Template loyalty_coupon sent to Grace Hopper.')

    host.openMessage('quote')
    host.click('Send template')
    clickBeside(host, /^store_opening$/, 'Choose')
    fill = host.top()
    // The quick-reply payloads are optional and not offered beside an email.
    expect(cardWidgets(fill).flatMap((w) => w.kind === 'TextInput' ? [w.title] : [])).toEqual(['location latitude (header)', 'location longitude (header)', 'location name (header)', 'location address (header)', 'first_name', 'opening_day'])
    host.click('Preview', {
      [titled(fill, 'location latitude (header)').fieldName]: '52.52', [titled(fill, 'location longitude (header)').fieldName]: '13.405',
      [titled(fill, 'location name (header)').fieldName]: 'Mitte store', [titled(fill, 'location address (header)').fieldName]: 'Unter den Linden 1, Berlin',
      [titled(fill, 'opening_day').fieldName]: 'Saturday',
    })
    host.click('Send')
    expect(host.notifications.at(-1)).toBe('Template store_opening sent to Grace Hopper.')
    const inspection = await backend.sandbox<{ byRecipient: Record<string, number> }>('GET', '/inspect')
    expect(inspection.byRecipient[GRACE_WA]).toBe(before + 2)
  })

  it('refuses with a clear reason: no number (before any call) and opted out (the backend\'s refusal)', () => {
    const runtime = runtimeFor()
    const host = createGmailHost(runtime)
    host.openMessage('noNumber')
    const before = runtime.fetches.length
    host.click('Send template')
    expect(host.notifications.at(-1)).toMatch(/has no WhatsApp number or phone number in Switchboard/)
    expect(runtime.fetches.length).toBe(before)

    host.openMessage('optedOut')
    host.click('Send template')
    expect(text(host.top())).toContain('opted out of marketing messages')
    clickBeside(host, /^welcome_offer$/, 'Choose')
    host.click('Preview', { [titled(host.top(), 'discount').fieldName]: '15%', [titled(host.top(), 'expiry').fieldName]: 'Sunday' })
    host.click('Send')
    expect(host.notifications.at(-1)).toMatch(/^Not sent: this contact opted out of marketing messages/)
    expect(host.top().header?.title).toBe('Preview')
  })

  it('shows the thread, and offers a reply only inside the 24-hour window', async () => {
    const host = createGmailHost(runtimeFor())
    host.openMessage('quote')
    host.click('WhatsApp')
    expect(text(host.top())).toMatch(/reply window is closed/)
    expect(cardButtons(host.top()).map((b) => b.text)).not.toContain('Send reply')

    // The sandbox's signup made the workspace's number; the customer writes to that one.
    const [number] = (await ok<{ numbers: Array<{ id: string }> }>('GET', '/whatsapp/connection')).numbers
    await backend.sandbox('POST', '/inbound/text', { from: GRACE_WA, text: 'Can we talk? 🙂', name: 'Grace', phoneNumberId: number!.id })
    await eventually(async () => {
      const thread = await ok<WhatsappThread>('GET', `/contacts/${grace.id}/whatsapp`)
      expect(thread.window.open).toBe(true)
    }, 20_000, 'the inbound message')
    host.click('Refresh')
    expect(text(host.top())).toMatch(/Received · .*\nCan we talk\? 🙂/)
    host.click('Send reply', { [FIELDS.reply]: 'Sure, calling you at 3 <pm>' })
    expect(host.notifications.at(-1)).toBe('Reply sent.')
    expect(text(host.top())).toContain('Sure, calling you at 3 &lt;pm&gt;')
  })
})

describe('homepage and compose', () => {
  it('searches contacts and deals in one fetchAll, opens a contact, and lists recent activity in one call', () => {
    const runtime = runtimeFor()
    const host = createGmailHost(runtime)
    const home = host.openHomepage()
    expect(runtime.lastExecution().counters.urlFetchRequests).toBe(1)
    expect(text(home)).toMatch(/Recent activity[\s\S]*Note · .*\nWants delivery/)
    host.click('Search', { [FIELDS.query]: 'cable' })
    expect(runtime.lastExecution().counters.fetchAllCalls).toBe(1)
    expect(text(host.top())).toMatch(/Deals\n[\s\S]*Sales · Lead\nCable order/)
    expect(text(host.top())).toMatch(/Deals\n[\s\S]*Sales · Proposal\nCable maintenance/)
    // A deal found by search moves from there; the homepage is drawn again after.
    clickBeside(host, /^Cable order$/, 'Move')
    host.click('Move', { [FIELDS.stage]: optionValue(host.top(), FIELDS.stage, /^Qualified$/) })
    expect(host.notifications.at(-1)).toBe('"Cable order" moved.')
    expect(host.stack.map((c) => c.header?.title)).toEqual(['Switchboard'])
    expect(text(host.top())).toMatch(/Stage · [^\n]*\nLead → Qualified/)
  })

  it('opens a contact found by search', () => {
    const host = createGmailHost(runtimeFor())
    host.openHomepage()
    host.click('Search', { [FIELDS.query]: 'Grace' })
    clickBeside(host, /^Grace Hopper$/, 'Open')
    expect(host.top().header?.title).toBe('Grace Hopper')
    expect(text(host.top())).not.toContain('Log this email')
    // No Refresh: on the homepage there is no email whose card it could redraw.
    expect(host.top().fixedFooter).toBeNull()
    expect(text(host.top())).toMatch(/Sales · Qualified\nCable order/)
  })

  it('inserts the recipient\'s click-to-chat link into the draft', () => {
    const runtime = runtimeFor()
    const host = createGmailHost(runtime)
    const card = host.openCompose({ to: ['Grace Hopper <grace@navy.example>'], cc: ['alan@bletchley.example'] })
    expect(runtime.lastExecution().counters.urlFetchRequests).toBe(1)
    expect(text(card)).toContain('No WhatsApp number in Switchboard')
    host.click('Insert link')
    expect(host.draftInsertions).toEqual([`<a href="https://wa.me/${GRACE_WA}">Chat with Grace Hopper on WhatsApp</a>`])
  })
})

describe('access and failures', () => {
  it('tells a Google account that is not a Switchboard user how to get access', () => {
    const host = createGmailHost(runtimeFor('stranger@elsewhere.example'))
    const card = host.openMessage('quote')
    expect(card.header?.subtitle).toBe('No access yet')
    expect(text(card)).toMatch(/not a Switchboard user[\s\S]*stranger@elsewhere.example[\s\S]*add this exact address/)
    expect(cardButtons(card).map((b) => b.text)).toEqual(['Retry', 'Open Switchboard'])
  })

  it('says the sign-in could not be verified when the token is for another OAuth client (GOOGLE_CLIENT_IDS)', () => {
    const runtime = loadAppsScript(distDir, { gmailMessages: structuredClone(MESSAGES), userEmail: USER, oauthClientId: 'someone-elses.apps.googleusercontent.com', signIdentityToken: identity.sign })
    const card = createGmailHost(runtime).openMessage('quote')
    expect(text(card)).toMatch(/could not verify your Google sign-in[\s\S]*GOOGLE_CLIENT_IDS/)
    expect(cardButtons(card).map((b) => b.text)).toContain('Retry')
  })

  it('shows a Retry card while the backend is down, and the contact once Retry gets through', async () => {
    const runtime = runtimeFor()
    const host = createGmailHost(runtime)
    await proxy.plan({ path: '.', pass: 0, loseResponses: 0 })
    try {
      expect(text(host.openMessage('quote'))).toMatch(/could not be reached/)
      expect(runtime.lastExecution().error).toBeUndefined()
    } finally {
      await proxy.heal()
    }
    host.click('Retry')
    expect(host.top().header?.title).toBe('Grace Hopper')

    // A button that only reads: its Retry card takes the action's place once it gets through.
    await proxy.plan({ path: '/whatsapp', pass: 0, loseResponses: 0 })
    try {
      host.click('WhatsApp')
      expect(text(host.top())).toMatch(/could not be reached/)
    } finally {
      await proxy.heal()
    }
    host.click('Retry')
    expect(host.stack.map((c) => c.header?.title)).toEqual(['Grace Hopper', 'WhatsApp'])
  })

  it('when the answer to "Log email" is lost, says so; pressing it again is safe and says "already logged"', async () => {
    const runtime = runtimeFor()
    const host = createGmailHost(runtime)
    host.openMessage('noNumber')
    await proxy.plan({ path: '/emails/log$', pass: 0, loseResponses: 1 })
    try {
      host.click('Log email')
      expect(host.notifications.at(-1)).toMatch(/could not be reached/)
      expect(host.top().header?.title).toBe('Alan Turing')
    } finally {
      await proxy.heal()
    }
    host.click('Log email')
    expect(host.notifications.at(-1)).toMatch(/^Already logged to contact Alan Turing/)
    const alan = (await ok<ContactPage>('GET', '/contacts?q=alan')).items[0]!
    expect((await activitiesOf(`contactId=${alan.id}`)).filter((a) => a.type === 'email')).toHaveLength(1)
  })

  it('when the backend is slow, logs the email but skips a redraw that could outlive Google\'s 30 seconds', async () => {
    const runtime = runtimeFor()
    const host = createGmailHost(runtime)
    host.openMessage('party')
    runtime.latency.urlFetchMs = 20_000
    host.click('Log email')
    expect(host.notifications.at(-1)).toBe('Logged to contact Grace Hopper (without the body). Switchboard is answering slowly, so the card was not redrawn: press Refresh.')
    expect(runtime.lastExecution().counters.urlFetchRequests).toBe(1)
    expect(runtime.lastExecution().error).toBeUndefined()
  })
})
