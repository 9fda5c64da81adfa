import fp from 'fastify-plugin'
import fastifyRateLimit from '@fastify/rate-limit'
import { SwitchboardError } from '../../errors.js'

/**
 * Per-caller request budget. It runs after authentication (preHandler), so an API
 * token's budget follows the token wherever it is used from; anonymous requests are
 * counted per client address.
 */
export default fp(async function rateLimit (app) {
  await app.register(fastifyRateLimit, {
    global: true,
    hook: 'preHandler',
    max: app.config.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => request.auth?.tokenId ?? (request.auth === null ? `ip:${request.ip}` : `user:${request.auth.userId}`),
    errorResponseBuilder: (_request, context) => {
      return new SwitchboardError('SB_RATE_LIMITED', undefined, { retryAfterSeconds: Math.ceil(context.ttl / 1000) })
    },
  })
}, { name: 'rate-limit', dependencies: ['services', 'auth'] })
