import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import activityRoutes from './activity-routes.js'
import companyRoutes from './company-routes.js'
import contactRoutes from './contact-routes.js'
import dealRoutes from './deal-routes.js'
import emailLogRoutes from './email-log-routes.js'
import pipelineRoutes from './pipeline-routes.js'

/** The CRM under /api/v1: one plugin per record type (the add-on view that composes them with WhatsApp is in addon/). */
const crmRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(pipelineRoutes)
  await app.register(companyRoutes)
  await app.register(contactRoutes)
  await app.register(dealRoutes)
  await app.register(activityRoutes)
  await app.register(emailLogRoutes)
}

export default crmRoutes
