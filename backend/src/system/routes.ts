import { Type } from 'typebox'
import { sql } from 'kysely'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { pendingMigrations } from '../store/database.js'

const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  store: Type.Object({
    engine: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]),
    reachable: Type.Boolean(),
    pendingMigrations: Type.Array(Type.String()),
  }),
})

/** Liveness and readiness in one: the store answers and every migration is applied. */
const systemRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app
  app.get('/health', {
    schema: { tags: ['system'], summary: 'Store reachable and migrations applied', response: { 200: HealthSchema, 503: HealthSchema } },
    config: { rateLimit: false },
  }, async (_request, reply) => {
    let reachable = true
    let pending: string[] = []
    try {
      await sql`select 1`.execute(store.db)
      pending = await pendingMigrations(store)
    } catch {
      reachable = false
    }
    const ok = reachable && pending.length === 0
    if (!ok) reply.code(503)
    return { status: ok ? 'ok' as const : 'unavailable' as const, store: { engine: store.dialect, reachable, pendingMigrations: pending } }
  })
}

export default systemRoutes
