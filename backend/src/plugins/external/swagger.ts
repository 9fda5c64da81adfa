import fp from 'fastify-plugin'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'

/**
 * The OpenAPI 3 document, generated from the same TypeBox schemas that validate
 * requests, at GET /openapi.json, and a browsable copy at /docs.
 */
export default fp(async function swagger (app) {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Switchboard API', version: '1', description: 'WhatsApp Business CRM: CRM records, add-on views, identity. Errors follow docs/errors.md.' },
      servers: [{ url: app.config.publicUrl }],
      components: {
        securitySchemes: {
          apiToken: { type: 'http', scheme: 'bearer', description: 'Personal API token (sbt_…)' },
          session: { type: 'apiKey', in: 'cookie', name: 'sb_session' },
        },
      },
      security: [{ apiToken: [] }, { session: [] }],
    },
  })
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}, { name: 'swagger' })
