import { describe, expect, it } from 'vitest'
import { BackendError } from '../../../apps-script/src/core/backend-client.js'
import { readRows, resolveMapping } from './rows.js'
import { planStatusColumns } from './sheet-layout.js'
import type { SendSetup } from './sidebar-protocol.js'

const SETUP: SendSetup = {
  sheetId: 0, headerRow: 2, template: { name: 't', language: 'en' }, phone: { column: 2, header: 'Phone' },
  variables: { 'body.1': { kind: 'column', column: 1, header: 'Name' }, 'body.2': { kind: 'text', text: 'Friday' } },
  campaignName: 'c',
}
const HEADERS = ['Name', 'Phone', 'Status', 'Sent at', 'Message id', 'Reason', 'Reply', 'Switchboard row id']
// The columns the add-on marked as its own (developer metadata); headers alone never decide.
const OURS = { status: 3, sentAt: 4, messageId: 5, reason: 6, reply: 7, rowId: 8 }

describe('readRows', () => {
  it('reads each non-blank row with its sheet row, key, phone, values and status; gives fresh ids to rows without one or with a copied one', () => {
    const layout = planStatusColumns(HEADERS, HEADERS.length, OURS)
    const mapping = resolveMapping(SETUP, HEADERS, layout.columns)
    let n = 0
    const { rows, assigned } = readRows({
      headerRow: 2,
      values: [
        HEADERS,
        ['Zoë', '+1 212 200 1000', 'Sent', '', '', '', '', 'sb-a'],
        ['', '', '', '', '', '', '', ''],
        ['José', ' 0612 ', '', '', '', '', '', ''],
        ['李雷', '+86 10 1234 5678', 'Queued', '', '', '', '', 'sb-a'],
        ['', '', 'Sent', '', '', '', '', 'sb-orphan'],
      ],
    }, mapping, () => `sb-new${++n}`)
    expect(rows).toEqual([
      { sheetRow: 3, offset: 1, rowKey: 'sb-a', phone: '+1 212 200 1000', phoneCell: 'text', variables: { 'body.1': 'Zoë', 'body.2': 'Friday' }, statusText: 'Sent', issue: null },
      { sheetRow: 5, offset: 3, rowKey: 'sb-new1', phone: '0612', phoneCell: 'text', variables: { 'body.1': 'José', 'body.2': 'Friday' }, statusText: '', issue: null },
      { sheetRow: 6, offset: 4, rowKey: 'sb-new2', phone: '+86 10 1234 5678', phoneCell: 'text', variables: { 'body.1': '李雷', 'body.2': 'Friday' }, statusText: 'Queued', issue: null },
    ])
    expect(assigned).toEqual([{ offset: 3, id: 'sb-new1' }, { offset: 4, id: 'sb-new2' }])
  })
})

describe('resolveMapping', () => {
  it('follows moved columns and fails by code when one is gone', () => {
    const moved = ['Name', 'Email', 'Phone', ...HEADERS.slice(2)]
    expect(resolveMapping(SETUP, moved, planStatusColumns(moved, moved.length, {}).columns).phone).toBe(3)
    const gone = ['Name', 'Email']
    try {
      resolveMapping(SETUP, gone, planStatusColumns(gone, 2, {}).columns)
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(BackendError)
      expect((error as BackendError).code).toBe('SB_CLIENT_COLUMN_MISSING')
      expect((error as BackendError).field).toBe('Phone')
    }
  })
})

describe('readRows on typed cells', () => {
  it('marks a phone Sheets stored as a Number, and a used cell showing a formula error', () => {
    const layout = planStatusColumns(HEADERS, HEADERS.length, OURS)
    const mapping = resolveMapping(SETUP, HEADERS, layout.columns)
    const values = [HEADERS, ['Ana', '33612345678', '', '', '', '', '', 'a'], ['#VALUE!', '+1 212 200 1000', '', '', '', '', '', 'b']]
    const { rows } = readRows({ headerRow: 2, values }, mapping, () => 'x', { values: ['Phone', 33612345678, '+1 212 200 1000'] })
    expect(rows.map((r) => [r.phone, r.phoneCell, r.issue])).toEqual([
      ['33612345678', 'number', null],
      ['+1 212 200 1000', 'text', { problem: 'cell_error', detail: 'A4 (#VALUE!)' }],
    ])
  })
})
