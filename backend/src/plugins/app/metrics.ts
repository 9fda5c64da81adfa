import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { createMetrics, type Metrics } from '../../system/metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
    /** Set when the process starts shutting down, before it stops taking requests: /ready turns 503 so the proxy drains it first. */
    lifecycle: { draining: boolean }
  }
}

/** This process's metrics: request latencies as they are answered, statuses as the webhook processor applies them. */
export default fp(async function metrics (app: FastifyInstance) {
  const metrics = createMetrics(app.store)
  app.decorate('metrics', metrics)
  app.decorate('lifecycle', { draining: false })
  const detach = app.services.whatsapp.webhooks.onStatus(metrics.statusListener)
  app.addHook('onClose', async () => { detach() })
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000)
  })
}, { name: 'metrics', dependencies: ['services'] })
