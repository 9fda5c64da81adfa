import { describe, expect, it } from 'vitest'
import type { MailItemSnapshot } from './mail-item.js'
import { formatAddress, paneView } from './message-view.js'

const ITEM: MailItemSnapshot = {
  itemId: 'AAMk-1',
  subject: 'Quote for 200 units',
  from: { displayName: 'Grace Hopper', emailAddress: 'grace@example.com' },
  to: [{ displayName: 'Sales', emailAddress: 'sales@example.com' }],
  cc: [{ displayName: 'ops@example.com', emailAddress: 'ops@example.com' }],
  internetMessageId: '<m1@example.com>',
  conversationId: 'c1',
  createdAt: '2026-03-01T10:00:00.000Z',
  sender: null,
  attachments: [],
  readable: true,
}

describe('paneView', () => {
  it('shows "no item" when nothing is selected', () => {
    expect(paneView(null)).toEqual({ kind: 'no-item' })
  })

  it('shows sender, subject and recipients of a message', () => {
    expect(paneView(ITEM)).toEqual({
      kind: 'message',
      key: 'AAMk-1',
      senderName: 'Grace Hopper',
      senderEmail: 'grace@example.com',
      subject: 'Quote for 200 units',
      recipients: ['Sales <sales@example.com>', 'ops@example.com'],
    })
  })

  it.each([
    { description: 'blank subject', item: { ...ITEM, subject: '  ' }, field: 'subject', expected: '(no subject)' },
    { description: 'no sender', item: { ...ITEM, from: null }, field: 'senderEmail', expected: null },
    { description: 'name equal to address', item: { ...ITEM, from: { displayName: 'GRACE@example.com', emailAddress: 'grace@example.com' } }, field: 'senderName', expected: null },
    { description: 'unsaved item keys on the message id', item: { ...ITEM, itemId: null }, field: 'key', expected: '<m1@example.com>' },
  ])('handles $description', ({ item, field, expected }) => {
    const view = paneView(item)
    expect(view.kind === 'message' ? view[field as keyof typeof view] : undefined).toEqual(expected)
  })
})

describe('formatAddress', () => {
  it.each([
    { address: { displayName: 'Ada', emailAddress: 'ada@example.com' }, expected: 'Ada <ada@example.com>' },
    { address: { displayName: '', emailAddress: 'ada@example.com' }, expected: 'ada@example.com' },
    { address: { displayName: 'Ada', emailAddress: '' }, expected: 'Ada' },
  ])('formats $expected', ({ address, expected }) => {
    expect(formatAddress(address)).toBe(expected)
  })
})
