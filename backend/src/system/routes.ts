import { Type } from 'typebox'
import { sql } from 'kysely'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { pendingMigrations, type Store } from '../store/database.js'
import { SwitchboardError } from '../errors.js'
import { ErrorSchema, StrictObject } from '../common-schemas.js'
import { mayScrape } from './metrics.js'

const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  store: Type.Object({
    engine: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]),
    reachable: Type.Boolean(),
    pendingMigrations: Type.Array(Type.String()),
  }),
})

/** No parameters: a probe that sends some gets a 400 naming them, as every route does for unknown input. */
const NoQuerySchema = StrictObject({})

const ReadySchema = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  draining: Type.Boolean({ description: 'The process is shutting down: send it no new requests' }),
  store: HealthSchema.properties.store,
})

async function storeState (store: Store): Promise<{ reachable: boolean, pending: string[] }> {
  try {
    await sql`select 1`.execute(store.db)
    return { reachable: true, pending: await pendingMigrations(store) }
  } catch {
    return { reachable: false, pending: [] }
  }
}

/**
 * `/health`: the store answers and every migration is applied (what the add-ons ask
 * before they call the API). `/ready`: the same, and the process is not shutting down:
 * what a load balancer polls, so it stops sending requests before the process stops
 * taking them. `/metrics`: Prometheus, for the bearer token or loopback only.
 */
const systemRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app
  app.get('/health', {
    schema: { tags: ['system'], summary: 'Store reachable and migrations applied', querystring: NoQuerySchema, response: { 200: HealthSchema, 400: ErrorSchema, 503: HealthSchema } },
    config: { rateLimit: false },
  }, async (_request, reply) => {
    const { reachable, pending } = await storeState(store)
    const ok = reachable && pending.length === 0
    if (!ok) reply.code(503)
    return { status: ok ? 'ok' as const : 'unavailable' as const, store: { engine: store.dialect, reachable, pendingMigrations: pending } }
  })

  app.get('/ready', {
    schema: { tags: ['system'], summary: 'Ready for traffic: store reachable, migrations applied, not shutting down', querystring: NoQuerySchema, response: { 200: ReadySchema, 400: ErrorSchema, 503: ReadySchema } },
    config: { rateLimit: false },
  }, async (_request, reply) => {
    const { reachable, pending } = await storeState(store)
    const draining = app.lifecycle.draining
    const ok = reachable && pending.length === 0 && !draining
    if (!ok) reply.code(503)
    return { status: ok ? 'ready' as const : 'unavailable' as const, draining, store: { engine: store.dialect, reachable, pendingMigrations: pending } }
  })

  app.get('/metrics', {
    schema: { tags: ['system'], summary: 'Prometheus metrics (METRICS_TOKEN as a bearer token, or from loopback when none is set)', hide: true },
    config: { rateLimit: false },
  }, async (request, reply) => {
    // Not found rather than forbidden: the endpoint's existence is nobody else's business.
    if (!mayScrape(app.config.metricsToken, request.raw)) throw new SwitchboardError('SB_NOT_FOUND')
    const text = await app.metrics.render()
    return reply.type(app.metrics.registry.contentType).send(text)
  })
}

export default systemRoutes
