import { describe, expect, it } from 'vitest'
import { actionNameOf, actionParameters } from './card-actions.js'

describe('card actions', () => {
  it.each<{ description: string, parameters: Record<string, string> | undefined, expected: string | undefined }>([
    { description: 'known action', parameters: { action: 'checkConnection' }, expected: 'checkConnection' },
    { description: 'unknown action', parameters: { action: 'dropTables' }, expected: undefined },
    { description: 'no action parameter', parameters: {}, expected: undefined },
    { description: 'no parameters at all', parameters: undefined, expected: undefined },
    { description: 'inherited name is not an action', parameters: { action: 'toString' }, expected: undefined },
  ])('actionNameOf: $description', ({ parameters, expected }) => {
    expect(actionNameOf(parameters)).toBe(expected)
  })

  it('actionParameters carries the name, which other parameters cannot override', () => {
    expect(actionParameters({ name: 'openSettings', parameters: { action: 'checkConnection', tab: 'x' } })).toEqual({ action: 'openSettings', tab: 'x' })
  })
})
