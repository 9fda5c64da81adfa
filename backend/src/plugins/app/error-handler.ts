import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify'
import { ERRORS, SwitchboardError, type ErrorCode } from '../../errors.js'
import { storeFault } from '../../store/store-faults.js'
import { isConflictViolation } from '../../store/constraint-errors.js'
import type { ErrorBody } from '../../common-schemas.js'

/**
 * Fastify's own 4xx codes that clients meet in normal use, mapped to registry codes so
 * the add-ons branch on one vocabulary. Other Fastify 4xx keep Fastify's code.
 */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'SB_INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'SB_INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'SB_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'SB_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'SB_BODY_TOO_LARGE',
}

/** Turns any thrown error into the one error body; see docs/errors.md. */
export function toErrorBody (error: FastifyError | SwitchboardError | Error): { status: number, body: ErrorBody } {
  if (error instanceof SwitchboardError) {
    const body: ErrorBody = { code: error.code, message: error.message }
    if (error.field !== undefined) body.field = error.field
    if (error.extras.existingId !== undefined) body.existingId = error.extras.existingId
    if (error.extras.detail !== undefined) body.detail = error.extras.detail
    return { status: error.statusCode, body }
  }
  const fastifyError = error as FastifyError
  if (fastifyError.validation !== undefined) {
    return { status: 400, body: validationBody(fastifyError.validation) }
  }
  // JSON.parse on a body (Fastify's parser) throws a SyntaxError carrying status 400.
  if (fastifyError.code === undefined && error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return { status: 400, body: registryBody('SB_INVALID_JSON') }
  }
  const mapped = fastifyError.code === undefined ? undefined : FASTIFY_CODES[fastifyError.code]
  if (mapped !== undefined) return { status: ERRORS[mapped].status, body: registryBody(mapped) }
  const fault = storeFault(error)
  if (fault !== undefined) {
    const code: ErrorCode = fault === 'full' ? 'SB_STORE_FULL' : 'SB_STORE_UNAVAILABLE'
    return { status: ERRORS[code].status, body: registryBody(code) }
  }
  // A collision no repository mapped: a clean 409, never the driver's message.
  if (isConflictViolation(error)) return { status: ERRORS.SB_CONFLICT.status, body: registryBody('SB_CONFLICT') }
  const status = fastifyError.statusCode ?? 500
  if (status >= 400 && status < 500 && fastifyError.code !== undefined) {
    return { status, body: { code: fastifyError.code, message: 'The request was refused' } }
  }
  return { status: 500, body: registryBody('SB_INTERNAL') }
}

function registryBody (code: ErrorCode): ErrorBody {
  return { code, message: ERRORS[code].message }
}

function validationBody (errors: FastifySchemaValidationError[]): ErrorBody {
  const first = errors.find((e) => e.keyword !== 'boolean') ?? errors[0]
  const body = registryBody('SB_VALIDATION')
  if (first === undefined) return body
  const params = first.params as Record<string, unknown>
  let field = first.instancePath.replace(/^\//, '')
  let detail = first.message ?? 'is not valid'
  if (first.keyword === 'additionalProperties' && Array.isArray(params['additionalProperties'])) {
    field = joinPath(field, String(params['additionalProperties'][0]))
    detail = 'is not a known field'
  } else if (first.keyword === 'required' && Array.isArray(params['requiredProperties'])) {
    field = joinPath(field, String(params['requiredProperties'][0]))
    detail = 'is required'
  } else if (first.keyword === 'boolean') {
    detail = 'is not a known field'
  }
  if (field !== '') body.field = field
  body.detail = detail
  return body
}

function joinPath (parent: string, child: string): string {
  return parent === '' ? child : `${parent}/${child}`
}

/**
 * Driver errors put row values in their message and properties (PostgreSQL's `detail`
 * reads "Key (email)=(ada@example.com) already exists"); logs keep only the error's
 * type, code and call sites.
 */
export function redactedError (error: Error): { type: string, code?: string, stack?: string } {
  const code = (error as { code?: unknown }).code
  const frames = error.stack?.split('\n').filter((line) => line.trimStart().startsWith('at ')).join('\n')
  return {
    type: error.name,
    ...(typeof code === 'string' ? { code } : {}),
    ...(frames === undefined ? {} : { stack: frames }),
  }
}

function sendError (request: FastifyRequest, reply: FastifyReply, error: Error): FastifyReply {
  const { status, body } = toErrorBody(error)
  // Logs carry the route pattern and code, never the query or body (they hold contact data).
  const logFields = { route: request.routeOptions.url, code: body.code, status }
  if (status >= 500) request.log.error({ ...logFields, err: redactedError(error) }, 'request failed')
  else request.log.info(logFields, 'request refused')
  if (error instanceof SwitchboardError && error.extras.retryAfterSeconds !== undefined) {
    void reply.header('retry-after', String(error.extras.retryAfterSeconds))
  }
  // A restarting database is back in seconds; a full disk needs someone to free space.
  if (body.code === 'SB_STORE_UNAVAILABLE') void reply.header('retry-after', '5')
  if (body.code === 'SB_STORE_FULL') void reply.header('retry-after', '60')
  return reply.code(status).send(body)
}

export default fp(async function errorHandler (app: FastifyInstance) {
  app.setErrorHandler((error: Error, request, reply) => sendError(request, reply, error))
}, { name: 'error-handler' })
