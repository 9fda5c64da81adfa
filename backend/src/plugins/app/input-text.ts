import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { SwitchboardError } from '../../errors.js'
import { describeInputProblem, findInputProblem } from '../../text-safety.js'

/** Charsets a body may declare: JSON is UTF-8 (RFC 8259 §8.1), and so is every form we serve. */
const UTF8 = new Set(['utf-8', 'utf8'])

/** The `charset` parameter of a Content-Type header, lower-cased, or undefined. */
export function declaredCharset (contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)
  return match?.[1]?.toLowerCase()
}

/**
 * Keeps text that is not storable text away from every route: a body declared in a charset
 * other than UTF-8 is refused with 415 (decoding it as UTF-8 would store it garbled), and
 * NUL characters, lone surrogates, numbers past ±2^53 and nesting deeper than 32 levels in a
 * body, query string or path parameter are a 400 naming the field. The walk is iterative,
 * so no body can exhaust the stack.
 */
async function inputText (app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', async (request) => {
    const charset = declaredCharset(request.headers['content-type'])
    if (charset !== undefined && !UTF8.has(charset)) {
      throw new SwitchboardError('SB_UNSUPPORTED_MEDIA_TYPE', 'content-type', { detail: 'declare charset=utf-8 (or no charset) and send UTF-8' })
    }
  })
  app.addHook('preValidation', async (request) => {
    for (const part of [request.params, request.query, request.body]) {
      const problem = findInputProblem(part)
      if (problem === undefined) continue
      const field = problem.path === '' ? undefined : problem.path
      if (problem.kind === 'depth') throw new SwitchboardError('SB_BODY_TOO_DEEP', field, { detail: describeInputProblem(problem) })
      throw new SwitchboardError('SB_VALIDATION', field, { detail: describeInputProblem(problem) })
    }
  })
}

export default fp(inputText, { name: 'input-text' })
