/**
 * The backend's request and response types, as every client imports them. The backend's
 * `api.ts` derives them from the TypeBox schemas that validate requests, so an API change
 * breaks the client's compile instead of its users. `import type` keeps them out of bundles.
 */
export type { ApiError, ErrorCode, Me, User } from '../../../backend/src/api.js'
export type {
  Campaign, CampaignRow, Changes, CreateCampaignRequest, Recipient, RowResult, StartCampaignRequest, Submission,
  SubmitRecipientsRequest, Template, TemplatePreview, TemplateRef, TemplateVariable, TestSendRequest, ThreadMessage,
  WhatsappConnectionStatus, WhatsappNumber,
} from '../../../backend/src/api.js'
// What the Gmail add-on shows and changes beside an email.
export type {
  Activity, ActivityPage, AddonContactView, AddonView, AddonViewRequest, Company, Contact, ContactPage, CreateActivityRequest,
  CreateContactRequest, CreateDealRequest, Deal, DealPage, EmailLog, LogEmailRequest, LogEmailResult, MoveDealRequest, OpenDealSummary,
  Pipeline, SendWhatsappRequest, Stage, WhatsappThread,
} from '../../../backend/src/api.js'

/**
 * `GET /health`. It mirrors the backend's HealthSchema in `backend/src/system/routes.ts`,
 * which `api.ts` does not re-export yet.
 */
export interface Health {
  status: 'ok' | 'unavailable'
  store: {
    engine: 'sqlite' | 'postgres'
    reachable: boolean
    pendingMigrations: string[]
  }
}
