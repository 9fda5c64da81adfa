import type { Config } from './config.js'
import type { Store } from './store/database.js'
import { createAuditLog } from './privacy/audit-log.js'
import { createWorkspacesRepository } from './identity/workspaces-repository.js'
import { createUsersRepository } from './identity/users-repository.js'
import { createApiTokensRepository } from './identity/api-tokens-repository.js'
import { createSessionsRepository } from './identity/sessions-repository.js'
import { createIdentityService } from './identity/identity-service.js'
import { createLoginAttemptsRepository } from './identity/login-attempts-repository.js'
import { createCrmRepositories } from './crm/crm-repositories.js'
import { createOnboarding } from './identity/onboarding.js'
import { createConnectionsRepository } from './whatsapp/connections-repository.js'
import { createMessagesRepository } from './whatsapp/messages-repository.js'
import { createConnectionService } from './whatsapp/connection-service.js'
import { createTemplatesService } from './whatsapp/templates-service.js'
import { createMessagingService } from './whatsapp/messaging-service.js'
import { metaRuntime, type WhatsappRuntime } from './whatsapp/runtime.js'
import { createSecretBox, loadSecretKeys } from './privacy/secret-box.js'
import { createWebhookInbox } from './whatsapp/webhooks/webhook-inbox.js'
import { createCampaignsRepository } from './campaigns/campaigns-repository.js'
import { createCampaignService } from './campaigns/campaign-service.js'
import { createIdempotency } from './idempotency.js'
import { createPurposeGuard, createSupportAccess } from './privacy/purpose-guard.js'
import { createRetention } from './privacy/retention.js'
import { createDeletionRequests } from './privacy/deletion-requests.js'
import { createErasure } from './privacy/erasure.js'
import { createExports } from './privacy/exports.js'
import { attachCampaignTracking } from './campaigns/sender/tracking.js'
import { createEvents } from './events/events.js'
import { attachWhatsappEvents } from './events/whatsapp-events.js'

/**
 * Every repository and service, built once over one store. The HTTP app, the CLI and
 * the workers all start from here, so they share one set of rules.
 */
export function createServices (store: Store, config: Config, runtime: WhatsappRuntime = metaRuntime(config.whatsapp)) {
  const { db } = store
  const audit = createAuditLog(db, store.dialect)
  const workspaces = createWorkspacesRepository(db)
  const users = createUsersRepository(db)
  const apiTokens = createApiTokensRepository(db)
  const sessions = createSessionsRepository(db)
  const identity = createIdentityService({ db, users, apiTokens, sessions, loginAttempts: createLoginAttemptsRepository(db), workspaces, audit, sessionTtlHours: config.sessionTtlHours })
  const secretBox = createSecretBox(loadSecretKeys(config.secretKey, config.dataDir))
  // Outbound webhooks: producers below emit into events.outbox inside their transactions.
  const events = createEvents({ store, audit, secretBox, allowPrivate: config.webhooksAllowPrivate })
  const crm = createCrmRepositories(store, events.outbox)
  const onboarding = createOnboarding({ db, workspaces, users, audit, identity, pipelines: crm.pipelines })
  const connections = createConnectionsRepository(db)
  const messages = createMessagesRepository(db)
  const connection = createConnectionService({ db, connections, audit, secretBox, runtime })
  const templates = createTemplatesService({ db, connection })
  const messaging = createMessagingService({ crm, messages, connections, connection, templates, audit })
  const webhooks = createWebhookInbox({ db, dialect: store.dialect, contacts: crm.contacts, messages, connections, optOutKeywords: runtime.optOutKeywords })
  const whatsapp = { runtime, connections, messages, connection, templates, messaging, webhooks }
  const campaignsRepository = createCampaignsRepository(db)
  const campaigns = createCampaignService({ db, campaigns: campaignsRepository, workspaces, connections, connection, templates, messages, events: events.outbox })
  // Whichever process processes webhooks keeps campaign recipients in step with them.
  attachCampaignTracking(webhooks, { campaigns: campaignsRepository, messages })
  // …and announces new messages and statuses (after the campaign listeners above).
  attachWhatsappEvents(webhooks, events.outbox)
  const idempotency = createIdempotency(db)
  // Limited Use: the one read path for Google- and Microsoft-derived data outside the user's own features.
  const purposeGuard = createPurposeGuard({ db, audit })
  const supportAccess = createSupportAccess({ db, audit })
  const retention = createRetention({ db, audit })
  const deletions = createDeletionRequests(db)
  const erasure = createErasure({ db, audit, deletions })
  const exports = createExports({ db, audit, retention })
  return { audit, workspaces, users, apiTokens, sessions, identity, crm, onboarding, whatsapp, campaignsRepository, campaigns, idempotency, purposeGuard, supportAccess, retention, deletions, erasure, exports, events }
}

export type Services = ReturnType<typeof createServices>
