import { describe, expect, it } from 'vitest'
import type { MailItemSnapshot } from './mail-item.js'
import { formatSize, logRequestOf, loggedText, MAX_BODY_CHARS, MAX_VIEW_ADDRESSES, TRUNCATION_NOTE, viewRequestOf } from './log-request.js'
import { crmModel } from './crm-view.js'

// Fixtures shaped as host/office.ts snapshots Outlook items.
const BASE: MailItemSnapshot = {
  itemId: 'AAMk-1',
  subject: 'Quote for 200 units',
  from: { displayName: 'Grace Hopper', emailAddress: 'grace@example.com' },
  sender: null,
  to: [{ displayName: 'Sales', emailAddress: 'sales@example.com' }],
  cc: [{ displayName: 'Ops', emailAddress: 'ops@example.com' }],
  internetMessageId: '<m1@example.com>',
  conversationId: 'AAQk-conv',
  createdAt: '2026-03-01T10:00:42.000Z',
  attachments: [],
  readable: true,
}

const address = (i: number) => ({ displayName: `Person ${i}`, emailAddress: `person${i}@example.org` })

describe('logRequestOf: Office item → POST /emails/log', () => {
  it('maps headers, thread and the chosen deal, marked as coming from Outlook', () => {
    expect(logRequestOf(BASE, { dealId: 'dl_1', includeAttachments: true })).toEqual({
      email: {
        messageId: '<m1@example.com>',
        subject: 'Quote for 200 units',
        from: 'grace@example.com',
        to: ['sales@example.com'],
        cc: ['ops@example.com'],
        date: '2026-03-01T10:00:42.000Z',
        threadId: 'AAQk-conv',
      },
      dealId: 'dl_1',
      client: 'outlook',
    })
  })

  it('leaves messageId out when Outlook has none (just sent), so the backend fingerprints the email', () => {
    const request = logRequestOf({ ...BASE, internetMessageId: null }, { dealId: 'dl_1', includeAttachments: false })
    expect(request?.email).not.toHaveProperty('messageId')
    expect(request?.email).toMatchObject({ from: 'grace@example.com', subject: BASE.subject, date: BASE.createdAt })
  })

  it('keeps a unicode subject as it is (emoji, accents, right-to-left)', () => {
    const subject = 'Angebot für Größe XL 🚚 — عرض السعر'
    expect(logRequestOf({ ...BASE, subject }, { dealId: 'dl_1', includeAttachments: false })?.email.subject).toBe(subject)
    expect(crmModel({ contacts: [], unmatchedEmails: [], companiesByDomain: [], emailLogs: [] }, { ...BASE, subject }, true).newDealTitle).toBe(subject)
  })

  it('logs all 50 recipients, but asks the view about at most 50 addresses, sender first', () => {
    const to = Array.from({ length: 30 }, (_, i) => address(i))
    const cc = Array.from({ length: 20 }, (_, i) => address(30 + i))
    const item = { ...BASE, to, cc }
    const request = logRequestOf(item, { dealId: 'dl_1', includeAttachments: false })
    expect(request?.email.to).toHaveLength(30)
    expect(request?.email.cc).toHaveLength(20)
    const view = viewRequestOf(item)
    expect(view?.emails).toHaveLength(MAX_VIEW_ADDRESSES)
    expect(view?.emails[0]).toBe('grace@example.com')
    expect(view?.emails).not.toContain('person49@example.org')
  })

  it('logs mail sent on behalf of someone under that person, and looks up the delegate too', () => {
    const item = { ...BASE, from: { displayName: 'Grace Hopper', emailAddress: 'grace@example.com' }, sender: { displayName: 'Assistant', emailAddress: 'assistant@example.com' } }
    expect(logRequestOf(item, { dealId: 'dl_1', includeAttachments: false })?.email.from).toBe('grace@example.com')
    expect(viewRequestOf(item)?.emails.slice(0, 2)).toEqual(['grace@example.com', 'assistant@example.com'])
  })

  it('sends the text body only when chosen, and lists real attachments but not the inline images of an HTML body', () => {
    const item: MailItemSnapshot = {
      ...BASE,
      attachments: [
        { id: 'a1', name: 'logo.png', size: 2048, contentType: 'image/png', isInline: true },
        { id: 'a2', name: 'quote.pdf', size: 14_336, contentType: 'application/pdf', isInline: false },
      ],
    }
    const withBody = logRequestOf(item, { dealId: 'dl_1', body: 'Hello Grace', includeAttachments: true })
    expect(withBody?.email.body).toBe('Hello Grace')
    expect(withBody?.email.attachments).toEqual([{ name: 'quote.pdf', size: 14_336, contentType: 'application/pdf' }])
    const without = logRequestOf(item, { dealId: 'dl_1', includeAttachments: false })
    expect(without?.email).not.toHaveProperty('body')
    expect(without?.email).not.toHaveProperty('attachments')
    expect(crmModel({ contacts: [], unmatchedEmails: [], companiesByDomain: [], emailLogs: [] }, item, true).attachments).toEqual(['quote.pdf (14 KB)'])
  })

  it('uploads only the chosen files, and only within the 4 MB limit (Mailbox 1.8)', () => {
    const item: MailItemSnapshot = { ...BASE, attachments: [{ id: 'a1', name: 'quote.pdf', size: 14_336, contentType: 'application/pdf', isInline: false }] }
    const request = logRequestOf(item, { dealId: 'dl_1', includeAttachments: true, files: new Map([['a1', 'JVBERi0=']]) })
    expect(request?.email.attachments).toEqual([{ name: 'quote.pdf', size: 14_336, contentType: 'application/pdf', content: 'JVBERi0=' }])
    const empty = { contacts: [], unmatchedEmails: [], companiesByDomain: [], emailLogs: [] }
    expect(crmModel(empty, item, true, true).uploadBlocked).toBeNull()
    expect(crmModel(empty, item, true, false).uploadBlocked).toMatch(/cannot give add-ins attachment files/)
    const huge = { ...item, attachments: [{ ...item.attachments[0]!, size: 5 * 1_048_576 }] }
    expect(crmModel(empty, huge, true, true).uploadBlocked).toBe('Over the 4.0 MB upload limit (5.0 MB)')
    expect(crmModel(empty, BASE, true, true).uploadBlocked).toBe('No attachments')
  })

  it('caps a huge body and says so in it', () => {
    const body = 'x'.repeat(MAX_BODY_CHARS + 10)
    const sent = logRequestOf(BASE, { dealId: 'dl_1', body, includeAttachments: false })?.email.body ?? ''
    expect(sent.length).toBe(MAX_BODY_CHARS + TRUNCATION_NOTE.length)
    expect(sent.endsWith(TRUNCATION_NOTE)).toBe(true)
  })

  it('skips addresses the backend would refuse (Exchange X.500, blanks, duplicates)', () => {
    const item = {
      ...BASE,
      to: [{ displayName: 'Legacy', emailAddress: '/o=ExchangeLabs/ou=Exchange/cn=Recipients/cn=abc' }, { displayName: '', emailAddress: '' }, { displayName: 'Sales', emailAddress: 'SALES@example.com' }, { displayName: 'Sales', emailAddress: 'sales@example.com' }],
    }
    expect(logRequestOf(item, { dealId: 'dl_1', includeAttachments: false })?.email.to).toEqual(['SALES@example.com'])
  })

  it('cannot log a message without a sender address', () => {
    expect(logRequestOf({ ...BASE, from: null }, { dealId: 'dl_1', includeAttachments: false })).toBeNull()
    expect(viewRequestOf({ ...BASE, from: null })).toEqual({ emails: ['sales@example.com', 'ops@example.com'] })
    expect(viewRequestOf({ ...BASE, from: null, to: [], cc: [] })).toBeNull()
  })

  it('drops a conversation id longer than the backend keeps', () => {
    expect(logRequestOf({ ...BASE, conversationId: 'c'.repeat(300) }, { dealId: 'dl_1', includeAttachments: false })?.email).not.toHaveProperty('threadId')
  })
})

describe('loggedText', () => {
  const log = { targetName: 'Acme order', loggedBy: { id: 'usr_1', displayName: 'Ada Owner' }, loggedAt: '2026-03-01T10:05:00.000Z' }
  it.each([
    { description: 'first log', options: {}, expected: 'Logged to Acme order by Ada Owner at 1 Mar 2026, 10:05' },
    { description: 'second log', options: { already: true }, expected: 'Already logged to Acme order by Ada Owner at 1 Mar 2026, 10:05' },
  ])('says who and when ($description)', ({ options, expected }) => {
    expect(loggedText(log, { ...options, timeZone: 'UTC' })).toBe(expected)
  })

  it('names a removed user and a deleted record rather than printing blanks', () => {
    expect(loggedText({ ...log, loggedBy: null, targetName: '' }, { timeZone: 'UTC' })).toBe('Logged to a deleted record by a former user at 1 Mar 2026, 10:05')
  })
})

describe('formatSize', () => {
  it.each([[912, '912 B'], [14_336, '14 KB'], [2_411_724, '2.3 MB']])('%i bytes → %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text)
  })
})
