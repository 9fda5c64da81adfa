import { describe, expect, it } from 'vitest'
import { emailContext, logRequest, parseLogTarget } from './email-context.js'
import { MESSAGE } from './test-fixtures.test-helpers.js'

describe('emailContext', () => {
  it('lists each participant once, sender first, and looks up everyone but the user', () => {
    const context = emailContext({ ...MESSAGE, to: 'Me <ME@acme.example>, "Doe, Jane" <jane@x.example>, grace@navy.example', cc: 'jane@x.example, bad@@x' }, 'me@acme.example')
    expect(context.participants.map((p) => [p.email, p.role])).toEqual([['grace@navy.example', 'from'], ['me@acme.example', 'to'], ['jane@x.example', 'to']])
    expect(context.lookup).toEqual(['grace@navy.example', 'jane@x.example'])
  })

  it('looks up at most 50 and counts the rest', () => {
    const to = Array.from({ length: 60 }, (_, i) => `p${i}@x.example`).join(', ')
    const context = emailContext({ ...MESSAGE, to }, 'me@acme.example')
    expect(context.lookup).toHaveLength(50)
    expect(context.notLookedUp).toBe(11)
  })

  it('has no headers to log without a usable sender, and leaves out a missing Message-ID', () => {
    expect(emailContext({ ...MESSAGE, from: 'Undisclosed' }, 'me@acme.example').headers).toBeNull()
    expect(emailContext({ ...MESSAGE, messageIdHeader: '' }, 'me@acme.example').headers).not.toHaveProperty('messageId')
  })
})

describe('logRequest', () => {
  const context = emailContext(MESSAGE, 'me@acme.example')
  const headers = context.headers!

  it('sends metadata only without content, and the body and attachments with it', () => {
    const plain = logRequest({ ...context, headers }, { type: 'contact', id: 'c1' }, null)
    expect(plain).toEqual({ contactId: 'c1', client: 'gmail', email: { ...headers, threadId: 'th1' } })
    const full = logRequest({ ...context, headers }, { type: 'deal', id: 'd1' }, { body: 'Hi', attachments: [{ name: 'a', size: 1.7, contentType: 'x/y' }] })
    expect(full).toMatchObject({ dealId: 'd1', email: { body: 'Hi', attachments: [{ name: 'a', size: 1, contentType: 'x/y' }] } })
  })

  it.each([
    { value: 'contact:c1', expected: { type: 'contact', id: 'c1' } },
    { value: 'deal:d 1', expected: null },
    { value: 'company:c1', expected: null },
  ])('parseLogTarget($value)', ({ value, expected }) => {
    expect(parseLogTarget(value)).toEqual(expected)
  })
})
