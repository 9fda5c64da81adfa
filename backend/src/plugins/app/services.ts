import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../../config.js'
import type { Store } from '../../store/database.js'
import { createServices, type Services } from '../../services.js'
import type { WhatsappRuntime } from '../../whatsapp/runtime.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    store: Store
    services: Services
  }
}

export interface ServicesPluginOptions {
  config: Config
  store: Store
  whatsapp?: WhatsappRuntime | undefined
}

/** Decorates the app with its configuration, the open store and the repositories and services built on it. */
export default fp(async function services (app: FastifyInstance, options: ServicesPluginOptions) {
  app.decorate('config', options.config)
  app.decorate('store', options.store)
  app.decorate('services', createServices(options.store, options.config, options.whatsapp))
}, { name: 'services' })
