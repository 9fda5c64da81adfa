import fp from 'fastify-plugin'
import fastifySwagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import { hoistNamedSchemas, routeTransform, webhooksSection } from '../../openapi/document.js'

/**
 * The OpenAPI 3.1 document, generated from the same TypeBox schemas that validate
 * requests, at GET /openapi.json, and a browsable copy at /docs. Its server is
 * PUBLIC_URL; backend/src/openapi/ adds operation ids, 429s, and the outbound webhooks.
 */
export default fp(async function swagger (app) {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Switchboard API',
        version: '1',
        description: 'WhatsApp Business CRM: CRM records, add-on views, identity, WhatsApp, campaigns, privacy, and events sent to your webhook endpoints. Errors follow docs/errors.md.',
        license: { name: 'Proprietary: all rights reserved', identifier: 'LicenseRef-Switchboard-Proprietary' },
      },
      servers: [{ url: app.config.publicUrl, description: 'This Switchboard (PUBLIC_URL)' }],
      components: {
        securitySchemes: {
          apiToken: { type: 'http', scheme: 'bearer', description: 'Personal API token (sbt_…)' },
          session: { type: 'apiKey', in: 'cookie', name: 'sb_session' },
        },
      },
      security: [{ apiToken: [] }, { session: [] }],
      // The catalog's schemas are JSON Schema; @fastify/swagger types them as 3.0/3.1/3.2 path items.
      webhooks: webhooksSection() as Extract<NonNullable<FastifyDynamicSwaggerOptions['openapi']>, { webhooks?: unknown }>['webhooks'],
    },
    transform: routeTransform,
    transformObject: (document) => hoistNamedSchemas('openapiObject' in document ? document.openapiObject : document.swaggerObject),
  })
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}, { name: 'swagger' })
