import { describe, expect, it } from 'vitest'
import { actionNameOf, actionParameters, parseAction, surfaceOf } from './card-actions.js'

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

  it('actionParameters adds the surface the button was drawn under, and surfaceOf reads it back (home when unknown)', () => {
    const parameters = actionParameters({ name: 'refreshMessage' }, 'message')
    expect(parameters).toEqual({ action: 'refreshMessage', surface: 'message' })
    expect(surfaceOf(parameters)).toBe('message')
    expect(surfaceOf({ surface: 'sidebar' })).toBe('home')
    expect(surfaceOf(undefined)).toBe('home')
  })

  it('parseAction keeps only the action\'s own parameters and refuses a missing one', () => {
    expect(parseAction({ action: 'openContact', email: 'a@b.example', surface: 'home', extra: 'x' })).toEqual({ name: 'openContact', parameters: { email: 'a@b.example' } })
    expect(parseAction({ action: 'openContact' })).toBeUndefined()
  })
})
