/**
 * The operationId of every API operation, by `METHOD route` as Fastify registers it.
 * Client generators name their methods after these (openapi-typescript, openapi-fetch's
 * users, OpenAPI Generator), so they are chosen, stable names: renaming a route's path
 * does not rename a method in anyone's generated client. A route missing here fails the
 * OpenAPI lint test (openapi.test.ts), which names it.
 */
export const OPERATION_IDS: Readonly<Record<string, string>> = {
  // System
  'GET /health': 'getHealth',
  'GET /ready': 'getReadiness',
  // Identity
  'POST /auth/login': 'login',
  'POST /auth/logout': 'logout',
  'GET /api/v1/me': 'getMe',
  'GET /api/v1/users': 'listUsers',
  'POST /api/v1/users': 'createUser',
  'PATCH /api/v1/users/:id': 'updateUser',
  'GET /api/v1/tokens': 'listApiTokens',
  'POST /api/v1/tokens': 'createApiToken',
  'DELETE /api/v1/tokens/:id': 'revokeApiToken',
  'GET /api/v1/audit': 'listAuditEvents',
  // Outlook add-in sign-in
  'POST /oauth/addin/token': 'exchangeAddinToken',
  'POST /oauth/addin/revoke': 'revokeAddinSignIn',
  // CRM
  'GET /api/v1/pipelines': 'listPipelines',
  'POST /api/v1/pipelines': 'createPipeline',
  'GET /api/v1/pipelines/:id': 'getPipeline',
  'PATCH /api/v1/pipelines/:id': 'updatePipeline',
  'DELETE /api/v1/pipelines/:id': 'deletePipeline',
  'GET /api/v1/companies': 'listCompanies',
  'POST /api/v1/companies': 'createCompany',
  'GET /api/v1/companies/:id': 'getCompany',
  'PATCH /api/v1/companies/:id': 'updateCompany',
  'DELETE /api/v1/companies/:id': 'deleteCompany',
  'GET /api/v1/contacts': 'listContacts',
  'POST /api/v1/contacts': 'createContact',
  'GET /api/v1/contacts/lookup': 'lookupContact',
  'GET /api/v1/contacts/:id': 'getContact',
  'PATCH /api/v1/contacts/:id': 'updateContact',
  'DELETE /api/v1/contacts/:id': 'deleteContact',
  'GET /api/v1/deals': 'listDeals',
  'POST /api/v1/deals': 'createDeal',
  'GET /api/v1/deals/:id': 'getDeal',
  'PATCH /api/v1/deals/:id': 'updateDeal',
  'DELETE /api/v1/deals/:id': 'deleteDeal',
  'POST /api/v1/deals/:id/stage': 'moveDealStage',
  'GET /api/v1/activities': 'listActivities',
  'POST /api/v1/activities': 'createActivity',
  'GET /api/v1/activities/:id': 'getActivity',
  'PATCH /api/v1/activities/:id': 'updateActivity',
  'DELETE /api/v1/activities/:id': 'deleteActivity',
  'POST /api/v1/addon/view': 'getAddonView',
  'POST /api/v1/emails/log': 'logEmail',
  'POST /api/v1/emails/status': 'getEmailLogStatus',
  'GET /api/v1/activities/:id/attachments/:position': 'downloadEmailAttachment',
  // WhatsApp
  'GET /api/v1/whatsapp/connection': 'getWhatsappConnection',
  'DELETE /api/v1/whatsapp/connection': 'disconnectWhatsapp',
  'POST /api/v1/whatsapp/connection/sandbox': 'connectWhatsappSandbox',
  'POST /api/v1/whatsapp/connection/signup': 'completeWhatsappSignup',
  'POST /api/v1/whatsapp/numbers/refresh': 'refreshWhatsappNumbers',
  'GET /api/v1/whatsapp/templates': 'listWhatsappTemplates',
  'POST /api/v1/whatsapp/templates/sync': 'syncWhatsappTemplates',
  'POST /api/v1/whatsapp/templates/preview': 'previewWhatsappTemplate',
  'GET /api/v1/contacts/:id/whatsapp': 'getWhatsappThread',
  'POST /api/v1/contacts/:id/whatsapp': 'sendWhatsappMessage',
  'GET /webhooks/whatsapp': 'verifyWhatsappWebhook',
  'POST /webhooks/whatsapp': 'receiveWhatsappWebhook',
  // Campaigns
  'POST /api/v1/campaigns': 'createCampaign',
  'GET /api/v1/campaigns': 'listCampaigns',
  'GET /api/v1/campaigns/:id': 'getCampaign',
  'POST /api/v1/campaigns/:id/recipients': 'submitCampaignRecipients',
  'GET /api/v1/campaigns/:id/recipients': 'listCampaignRecipients',
  'POST /api/v1/campaigns/:id/recipients/validate': 'validateCampaignRecipients',
  'GET /api/v1/campaigns/:id/changes': 'listCampaignChanges',
  'POST /api/v1/campaigns/:id/preview': 'previewCampaignMessage',
  'POST /api/v1/campaigns/test-send': 'testSendCampaignTemplate',
  'POST /api/v1/campaigns/:id/start': 'startCampaign',
  'POST /api/v1/campaigns/:id/pause': 'pauseCampaign',
  'POST /api/v1/campaigns/:id/resume': 'resumeCampaign',
  'POST /api/v1/campaigns/:id/cancel': 'cancelCampaign',
  // Privacy
  'GET /api/v1/privacy/retention': 'getRetentionPeriods',
  'PATCH /api/v1/privacy/retention/:key': 'updateRetentionPeriod',
  'GET /api/v1/privacy/support-consents': 'listSupportConsents',
  'POST /api/v1/privacy/support-consents': 'grantSupportConsent',
  'POST /api/v1/privacy/support-consents/:id/revoke': 'revokeSupportConsent',
  'POST /api/v1/privacy/exports': 'requestExport',
  'GET /api/v1/privacy/exports/:id': 'getExport',
  'GET /api/v1/privacy/exports/:id/download': 'downloadExport',
  'POST /api/v1/privacy/erasure/contacts/:id': 'eraseContact',
  'POST /api/v1/privacy/erasure/users/:id': 'eraseUser',
  'POST /api/v1/privacy/erasure/workspace': 'eraseWorkspace',
  'GET /privacy': 'getPrivacyPolicy',
  'GET /scopes': 'getAddonScopes',
  'GET /data-deletion': 'getDataDeletionPage',
  'POST /meta/data-deletion': 'receiveMetaDataDeletion',
  'POST /support/v1/records': 'readSupportRecords',
  'GET /data-deletion/status/:code': 'getDataDeletionStatus',
  // Outbound webhooks
  'GET /api/v1/webhook-event-types': 'listWebhookEventTypes',
  'GET /api/v1/webhook-endpoints': 'listWebhookEndpoints',
  'POST /api/v1/webhook-endpoints': 'createWebhookEndpoint',
  'GET /api/v1/webhook-endpoints/:id': 'getWebhookEndpoint',
  'PATCH /api/v1/webhook-endpoints/:id': 'updateWebhookEndpoint',
  'DELETE /api/v1/webhook-endpoints/:id': 'deleteWebhookEndpoint',
  'POST /api/v1/webhook-endpoints/:id/rotate-secret': 'rotateWebhookSecret',
  'GET /api/v1/webhook-deliveries': 'listWebhookDeliveries',
  'GET /api/v1/webhook-deliveries/:id': 'getWebhookDelivery',
  'POST /api/v1/webhook-deliveries/:id/redeliver': 'redeliverWebhookDelivery',
  'PATCH /api/v1/workspace/google-domain': 'setGoogleDomain',
}

/**
 * Routes that are not API operations, left out of the document: the Outlook sign-in
 * dialog's page and form are for a browser (as the /app pages are), and wildcard routes
 * serve static files.
 */
export const NOT_OPERATIONS: ReadonlySet<string> = new Set(['GET /oauth/addin/authorize', 'POST /oauth/addin/authorize'])
