import { describe, expect, it } from 'vitest'
import { columnBlocks, guessMapping, planStatusColumns, resolveColumn, setupFor } from './sheet-layout.js'
import type { HeaderCell, TemplateOption } from './sidebar-protocol.js'

const cells = (...names: string[]): HeaderCell[] => names.map((name, i) => ({ column: i + 1, letter: String.fromCharCode(65 + i), name }))

const WELCOME: TemplateOption = {
  name: 'welcome_offer', language: 'en_US', category: 'MARKETING', text: 'Hi {{first_name}}',
  variables: [
    { key: 'header.first_name', name: 'first_name', component: 'header', kind: 'text', example: 'Ada' },
    { key: 'body.first_name', name: 'first_name', component: 'body', kind: 'text', example: 'Ada' },
    { key: 'body.discount', name: 'discount', component: 'body', kind: 'text', example: '15%' },
    { key: 'body.expiry', name: 'expiry', component: 'body', kind: 'text', example: 'Sunday' },
  ],
}

describe('planStatusColumns', () => {
  it('adds the six columns after the data, next to each other, when none exists', () => {
    const layout = planStatusColumns(['Name', 'Phone'], 2, {})
    expect(layout.columns).toEqual({ status: 3, sentAt: 4, messageId: 5, reason: 6, reply: 7, rowId: 8 })
    expect(layout.toAdd.map((c) => [c.column, c.header])).toEqual([[3, 'WhatsApp status'], [4, 'WhatsApp sent at'], [5, 'WhatsApp message id'], [6, 'WhatsApp problem'], [7, 'WhatsApp reply'], [8, 'Switchboard row id']])
    expect(layout.toMark.map((c) => c.column)).toEqual([3, 4, 5, 6, 7, 8])
  })

  it('finds its own columns by their mark wherever they moved, and adds only the rest', () => {
    const layout = planStatusColumns(['WhatsApp status', 'Name', 'Phone', 'WhatsApp reply', 'Switchboard row id'], 5, { status: 1, reply: 4, rowId: 5 })
    expect(layout.columns).toEqual({ status: 1, sentAt: 6, messageId: 7, reason: 8, reply: 4, rowId: 5 })
    expect(layout.toAdd.map((c) => c.field)).toEqual(['sentAt', 'messageId', 'reason'])
  })

  it('never takes a user\'s own Status, Reason or Reply column (issue 15, item 2), but adopts an older version\'s unmarked row-id column', () => {
    const layout = planStatusColumns(['Name', 'Phone', 'Status', 'Reason', 'Reply', 'Switchboard row id'], 6, {})
    expect(layout.columns).toEqual({ status: 7, sentAt: 8, messageId: 9, reason: 10, reply: 11, rowId: 6 })
    expect(layout.toMark).toContainEqual({ field: 'rowId', column: 6 })
    expect(layout.toAdd.map((c) => c.header)).not.toContain('Status')
  })
})

describe('columnBlocks', () => {
  it('groups adjacent columns', () => {
    expect(columnBlocks([8, 3, 4, 5, 1, 9])).toEqual([[1, 1], [3, 5], [8, 9]])
  })
})

describe('guessMapping', () => {
  it('finds the phone column and each variable by name, never a status column', () => {
    const guess = guessMapping(cells('First name', 'WhatsApp number', 'Discount', 'Expiry', 'Status'), WELCOME)
    expect(guess.phone).toEqual({ column: 2, header: 'WhatsApp number' })
    expect(guess.variables).toEqual({
      'header.first_name': { kind: 'column', column: 1, header: 'First name' },
      'body.first_name': { kind: 'column', column: 1, header: 'First name' },
      'body.discount': { kind: 'column', column: 3, header: 'Discount' },
      'body.expiry': { kind: 'column', column: 4, header: 'Expiry' },
    })
  })

  it.each([
    { headers: ['Nome', 'Telefone'], phone: 'Telefone' },
    { headers: ['Name', 'Mobile', 'Phone'], phone: 'Mobile' },
    { headers: ['Name', 'Home tel', 'phone number'], phone: 'phone number' },
    { headers: ['Name', 'Email'], phone: null },
  ])('guesses the phone column among $headers', ({ headers, phone }) => {
    expect(guessMapping(cells(...headers), undefined).phone?.header ?? null).toBe(phone)
  })

  it('maps positional variables by key and media by an image column', () => {
    const template: TemplateOption = {
      name: 'order_update', language: 'en_US', category: 'UTILITY', text: '',
      variables: [
        { key: 'header.media', name: 'media', component: 'header', kind: 'image', example: null },
        { key: 'body.1', name: '1', component: 'body', kind: 'text', example: 'Ada' },
        { key: 'body.2', name: '2', component: 'body', kind: 'text', example: '#1' },
      ],
    }
    const guess = guessMapping(cells('Phone', 'Image', '{{1}}', 'Order'), template)
    expect(guess.variables).toEqual({
      'header.media': { kind: 'column', column: 2, header: 'Image' },
      'body.1': { kind: 'column', column: 3, header: '{{1}}' },
    })
  })
})

describe('setupFor', () => {
  const headers = cells('First name', 'Phone', 'Discount', 'Expiry')
  it('guesses a setup for the first template when nothing is saved', () => {
    const setup = setupFor({ sheetId: 7, headerRow: 1, headers, templates: [WELCOME], saved: null, defaultName: 'Leads' })
    expect(setup).toMatchObject({ sheetId: 7, headerRow: 1, template: { name: 'welcome_offer', language: 'en_US' }, phone: { column: 2, header: 'Phone' }, campaignName: 'Leads' })
  })

  it('keeps the saved setup while it fits, and guesses again when its template is gone', () => {
    const saved = { sheetId: 7, headerRow: 1, template: { name: 'welcome_offer', language: 'en_US' }, phone: { column: 4, header: 'Expiry' }, variables: {}, campaignName: 'Mine' }
    expect(setupFor({ sheetId: 7, headerRow: 1, headers, templates: [WELCOME], saved, defaultName: 'x' })).toBe(saved)
    expect(setupFor({ sheetId: 7, headerRow: 1, headers, templates: [{ ...WELCOME, language: 'pt_BR' }], saved, defaultName: 'x' })?.phone.header).toBe('Phone')
    expect(setupFor({ sheetId: 7, headerRow: 1, headers, templates: [], saved: null, defaultName: 'x' })).toBeNull()
  })
})

describe('resolveColumn', () => {
  it('follows a column that moved, and gives up on one that is gone', () => {
    expect(resolveColumn({ column: 2, header: 'Phone' }, ['Name', 'Phone'])).toBe(2)
    expect(resolveColumn({ column: 2, header: 'Phone' }, ['Name', 'Email', 'Phone'])).toBe(3)
    expect(resolveColumn({ column: 2, header: 'Phone' }, ['Name', 'Email'])).toBeNull()
  })
})
