import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import activityRoutes from './activity-routes.js'
import addonRoutes from './addon-routes.js'
import companyRoutes from './company-routes.js'
import contactRoutes from './contact-routes.js'
import dealRoutes from './deal-routes.js'
import emailLogRoutes from './email-log-routes.js'
import pipelineRoutes from './pipeline-routes.js'

/** The CRM under /api/v1: one plugin per record type, and the add-on view across them. */
const crmRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(pipelineRoutes)
  await app.register(companyRoutes)
  await app.register(contactRoutes)
  await app.register(dealRoutes)
  await app.register(activityRoutes)
  await app.register(addonRoutes)
  await app.register(emailLogRoutes)
}

export default crmRoutes
