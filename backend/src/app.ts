import Fastify, { LogController, type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { TypeBoxValidatorCompiler, registerAjvFormats, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import type { Store } from './store/database.js'
import { SwitchboardError } from './errors.js'
import cookie from './plugins/external/cookie.js'
import rateLimit from './plugins/external/rate-limit.js'
import swagger from './plugins/external/swagger.js'
import services from './plugins/app/services.js'
import metrics from './plugins/app/metrics.js'
import errorHandler from './plugins/app/error-handler.js'
import inputText from './plugins/app/input-text.js'
import auth from './plugins/app/auth.js'
import systemRoutes from './system/routes.js'
import identityRoutes from './identity/routes.js'
import addinRoutes, { type AddinRoutesOptions } from './identity/addin-routes.js'
import crmRoutes from './crm/routes.js'
import whatsappRoutes from './whatsapp/routes.js'
import webhookRoutes from './whatsapp/webhooks/routes.js'
import campaignRoutes from './campaigns/routes.js'
import privacyPublicRoutes from './privacy/public-routes.js'
import privacyRoutes from './privacy/routes.js'
import webRoutes from './web/routes.js'
import eventRoutes from './events/routes.js'
import addonRoutes from './addon/routes.js'
import type { WhatsappRuntime } from './whatsapp/runtime.js'

export interface AppOptions {
  config: Config
  store: Store
  /** Pino logger options, or false; tests pass false. */
  logger?: boolean | object
  /** Who plays Meta (the in-process sandbox, or the configured app); from the config when absent. */
  whatsapp?: WhatsappRuntime
  /** Tests that move time: the add-in sign-in's clock and access token lifetime (identity/addin-routes.ts). */
  addinAuth?: AddinRoutesOptions
}

registerAjvFormats()

/**
 * Builds the whole HTTP app over an open, migrated store. `main.ts`, the tests and the
 * benchmark all call this, so they run the same validation, errors and plugins.
 */
export async function buildApp (options: AppOptions): Promise<FastifyInstance> {
  const { config } = options
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    // Fastify's request log lines carry the full URL, query string included, and queries
    // hold emails and phone numbers; our own line below logs the route pattern instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    connectionTimeout: 30_000,
    keepAliveTimeout: 72_000,
    requestTimeout: 30_000,
    return503OnClosing: true,
    // Request ids let support correlate a user's report with our logs without logging their data.
    requestIdHeader: false,
    genReqId: () => crypto.randomUUID(),
  }).withTypeProvider<TypeBoxTypeProvider>()
  // Bodies are checked as sent (no type coercion, unknown fields refused); query strings and params are converted.
  app.setValidatorCompiler(TypeBoxValidatorCompiler)
  // The API speaks JSON only; a text/plain body would otherwise reach validation as a string.
  app.removeContentTypeParser('text/plain')
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request')
  })
  await app.register(fp(switchboard), options)
  return app
}

async function switchboard (app: FastifyInstance, options: AppOptions): Promise<void> {
  await app.register(services, { config: options.config, store: options.store, whatsapp: options.whatsapp })
  await app.register(metrics)
  await app.register(errorHandler)
  await app.register(inputText)
  await app.register(cookie)
  await app.register(auth, { addinAuth: options.addinAuth })
  await app.register(rateLimit)
  await app.register(swagger)

  await app.register(systemRoutes)
  await app.register(identityRoutes)
  await app.register(addinRoutes, options.addinAuth ?? {})
  await app.register(crmRoutes, { prefix: '/api/v1' })
  await app.register(whatsappRoutes, { prefix: '/api/v1' })
  await app.register(webhookRoutes)
  await app.register(campaignRoutes, { prefix: '/api/v1' })
  await app.register(privacyRoutes, { prefix: '/api/v1' })
  await app.register(eventRoutes, { prefix: '/api/v1' })
  await app.register(addonRoutes, { prefix: '/api/v1' })
  await app.register(privacyPublicRoutes)
  await app.register(webRoutes)

  // Unknown URLs are answered cheaply and throttled: route enumeration gains nothing.
  app.setNotFoundHandler({ preHandler: app.rateLimit({ max: 30, timeWindow: 10_000 }) }, async () => {
    throw new SwitchboardError('SB_NOT_FOUND')
  })
}
