import { describe, expect, it } from 'vitest'
import { failureText, problemText, shouldSubmit, statusFromText, submissionCells } from './status-text.js'

describe('shouldSubmit', () => {
  it.each([
    { text: '', resend: false, submit: true },
    { text: 'Not sent', resend: false, submit: true },
    { text: 'Queued', resend: false, submit: false },
    { text: 'Sent', resend: true, submit: false },
    { text: 'read', resend: true, submit: false },
    { text: 'Failed', resend: false, submit: false },
    { text: 'Failed', resend: true, submit: true },
    { text: 'Done (typed by a person)', resend: false, submit: true },
  ])('"$text" with resend=$resend → $submit', ({ text, resend, submit }) => {
    expect(shouldSubmit(text, resend)).toBe(submit)
  })

  it('reads back every status it writes', () => {
    expect(['Queued', 'Sending', 'Sent', 'Delivered', 'Read', 'Failed', 'Unknown', 'Cancelled'].map(statusFromText))
      .toEqual(['pending', 'sending', 'sent', 'delivered', 'read', 'failed', 'unknown', 'cancelled'])
  })
})

describe('problemText and submissionCells', () => {
  const rowOf = (key: string): number | undefined => ({ a: 12 } as Record<string, number>)[key]
  it.each([
    { problem: 'phone_missing' as const, detail: null, text: 'No phone number' },
    { problem: 'phone_invalid' as const, detail: null, text: 'Not a valid phone number' },
    { problem: 'duplicate_in_request' as const, detail: 'a', text: 'Same number as row 12' },
    { problem: 'duplicate_in_campaign' as const, detail: 'gone', text: 'Same number as a row already in this campaign' },
    { problem: 'opted_out' as const, detail: null, text: 'Opted out of marketing messages' },
    { problem: 'variable_missing' as const, detail: 'body.discount', text: 'No value for body.discount' },
  ])('$problem → "$text"', ({ problem, detail, text }) => {
    expect(problemText(problem, detail, rowOf)).toBe(text)
    expect(submissionCells({ rowKey: 'x', outcome: 'rejected', problem, detail }, rowOf)).toEqual({ status: 'Not sent', reason: text })
  })

  it('marks accepted and requeued rows Queued, and existing ones with their status', () => {
    expect(submissionCells({ rowKey: 'x', outcome: 'accepted', recipientId: 'r' }, rowOf)).toEqual({ status: 'Queued', reason: '' })
    expect(submissionCells({ rowKey: 'x', outcome: 'requeued', recipientId: 'r', status: 'pending' }, rowOf)).toEqual({ status: 'Queued', reason: '' })
    expect(submissionCells({ rowKey: 'x', outcome: 'existing', recipientId: 'r', status: 'read' }, rowOf)).toEqual({ status: 'Read', reason: '' })
  })

  it('explains failures with Meta\'s reason, else the code', () => {
    expect(failureText({ status: 'failed', reason: '131026: Message undeliverable', errorCode: 131026 })).toBe('131026: Message undeliverable')
    expect(failureText({ status: 'failed', reason: null, errorCode: 131049 })).toBe('Error 131049')
    expect(failureText({ status: 'delivered', reason: 'old', errorCode: null })).toBe('')
  })
})
