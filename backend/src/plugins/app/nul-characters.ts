import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { SwitchboardError } from '../../errors.js'

/**
 * The path ("tags/2", "name") of the first string in `value` that holds a NUL character,
 * or undefined. PostgreSQL cannot store U+0000 in text and SQLite's C APIs stop at it, so
 * no stored field may carry one; no real name, note or message needs it.
 */
export function findNul (value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined
  if (value === null || typeof value !== 'object') return undefined
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const found = findNul(child, path === '' ? key : `${path}/${key}`)
    if (found !== undefined) return found
  }
  return undefined
}

/** Refuses NUL characters anywhere in a body, query string or path parameter, naming the field. */
async function nulCharacters (app: FastifyInstance): Promise<void> {
  app.addHook('preValidation', async (request) => {
    for (const part of [request.params, request.query, request.body]) {
      const field = findNul(part)
      if (field !== undefined) throw new SwitchboardError('SB_VALIDATION', field === '' ? undefined : field, { detail: 'contains a NUL character (U+0000)' })
    }
  })
}

export default fp(nulCharacters, { name: 'nul-characters' })
