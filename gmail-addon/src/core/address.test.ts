import { describe, expect, it } from 'vitest'
import { parseMailbox } from './address.js'

describe('parseMailbox', () => {
  it.each([
    { description: 'quoted name', header: '"Ada Lovelace" <Ada@Example.com>', name: 'Ada Lovelace', email: 'ada@example.com' },
    { description: 'unquoted name', header: 'Ada Lovelace <ada@example.com>', name: 'Ada Lovelace', email: 'ada@example.com' },
    { description: 'escaped quote in name', header: '"Ada \\"AL\\" Lovelace" <ada@example.com>', name: 'Ada "AL" Lovelace', email: 'ada@example.com' },
    { description: 'angle address only', header: '<ada@example.com>', name: null, email: 'ada@example.com' },
    { description: 'bare address', header: ' ada@example.com ', name: null, email: 'ada@example.com' },
    { description: 'markup in the name stays text', header: '"<b>x</b>" <x@example.com>', name: '<b>x</b>', email: 'x@example.com' },
    { description: 'name without address', header: 'Undisclosed recipients', name: 'Undisclosed recipients', email: null },
    { description: 'empty', header: '', name: null, email: null },
  ])('splits $description', ({ header, name, email }) => {
    expect(parseMailbox(header)).toEqual({ name, email })
  })
})
