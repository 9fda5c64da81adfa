import type { FastifyRequest } from 'fastify'
import { authOf } from '../plugins/app/auth.js'
import type { Author } from './activities-repository.js'

/**
 * The caller as the CRM records it: who (for timelines) and where the request came from
 * (a record's provenance): web sessions are the web app, bearer tokens the API and the
 * add-ons built on it.
 */
export function authorOf (request: FastifyRequest): Author {
  const auth = authOf(request)
  return { userId: auth.userId, source: auth.via === 'session' ? 'web' : 'api' }
}
