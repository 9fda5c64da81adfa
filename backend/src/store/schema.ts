import type { Generated } from 'kysely'
import type { WebhookAttemptsTable, WebhookDeliveriesTable, WebhookEndpointsTable, WebhookEventsTable } from './schema-webhooks.js'

/**
 * Table types shared by SQLite and PostgreSQL. To keep one repository code path,
 * timestamps are ISO-8601 UTC strings, booleans are 0/1 integers and JSON is text
 * on both engines; repositories convert to API shapes.
 */
export interface Database {
  workspaces: WorkspacesTable
  users: UsersTable
  sessions: SessionsTable
  api_tokens: ApiTokensTable
  audit_events: AuditEventsTable
  companies: CompaniesTable
  contacts: ContactsTable
  contact_emails: ContactEmailsTable
  contact_phones: ContactPhonesTable
  pipelines: PipelinesTable
  pipeline_stages: PipelineStagesTable
  deals: DealsTable
  deal_contacts: DealContactsTable
  activities: ActivitiesTable
  whatsapp_connections: WhatsappConnectionsTable
  whatsapp_numbers: WhatsappNumbersTable
  whatsapp_templates: WhatsappTemplatesTable
  wa_messages: WaMessagesTable
  wa_status_events: WaStatusEventsTable
  webhook_inbox: WebhookInboxTable
  campaigns: CampaignsTable
  campaign_recipients: CampaignRecipientsTable
  idempotency_keys: IdempotencyKeysTable
  rate_buckets: RateBucketsTable
  email_logs: EmailLogsTable
  addin_auth_codes: AddinAuthCodesTable
  addin_token_families: AddinTokenFamiliesTable
  addin_refresh_tokens: AddinRefreshTokensTable
  addin_access_tokens: AddinAccessTokensTable
  addin_sign_ins: AddinSignInsTable
  email_attachments: EmailAttachmentsTable
  privacy_settings: PrivacySettingsTable
  support_consents: SupportConsentsTable
  support_staff: SupportStaffTable
  privacy_exports: PrivacyExportsTable
  privacy_export_files: PrivacyExportFilesTable
  deletion_requests: DeletionRequestsTable
  audit_anchors: AuditAnchorsTable
  // Outbound webhooks (schema-webhooks.ts).
  webhook_endpoints: WebhookEndpointsTable
  webhook_events: WebhookEventsTable
  webhook_deliveries: WebhookDeliveriesTable
  webhook_attempts: WebhookAttemptsTable
  login_attempts: LoginAttemptsTable
}

export interface WorkspacesTable {
  id: string
  name: string
  time_zone: string
  /** ISO 3166 alpha-2 region used to read phone numbers written without a country code. */
  default_country: string | null
  created_at: string
  /** Google sign-in only for accounts of this Workspace domain (the ID token's `hd`), when set (0008). */
  allowed_domain: string | null
}

export interface UsersTable {
  id: string
  workspace_id: string
  /** Lower-cased; the login name. Unique across Switchboard so sign-in needs no workspace picker. */
  email: string
  display_name: string
  role: 'owner' | 'admin' | 'agent'
  status: 'active' | 'deactivated'
  password_hash: string | null
  failed_login_count: number
  locked_until: string | null
  last_login_at: string | null
  login_count: number
  created_at: string
  updated_at: string
  /** The Google account (`sub`) bound at the first Google sign-in (0008). */
  google_sub: string | null
}

export interface SessionsTable {
  /** SHA-256 of the cookie value; the cookie itself is never stored. */
  id_hash: string
  workspace_id: string
  user_id: string
  created_at: string
  expires_at: string
  last_seen_at: string
}

export interface ApiTokensTable {
  id: string
  workspace_id: string
  user_id: string
  name: string
  /** The visible start of the token, shown in lists so people can tell tokens apart. */
  prefix: string
  /** SHA-256 of the whole token; tokens carry 190 bits of randomness, so a fast hash is enough. */
  token_hash: string
  /** JSON array of scope names. */
  scopes: string
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
}

export interface AuditEventsTable {
  id: string
  workspace_id: string
  /** Position in the workspace's hash chain, from 1. */
  seq: number
  actor_user_id: string | null
  actor_token_id: string | null
  action: string
  target_type: string | null
  target_id: string | null
  ip: string | null
  /** JSON object of non-personal details (never message content). */
  details: string
  created_at: string
  prev_hash: string
  hash: string
}

export interface CompaniesTable {
  id: string
  workspace_id: string
  name: string
  search_name: string
  /** Lower-cased host name without `www.`, unique per workspace when present. */
  domain: string | null
  created_at: string
  updated_at: string
}

export interface ContactsTable {
  id: string
  workspace_id: string
  name: string
  /** Lower-cased, accent-folded name for case-insensitive search on both engines. */
  search_name: string
  whatsapp_id: string | null
  company_id: string | null
  owner_user_id: string | null
  /** JSON array of tag strings. */
  tags: string
  marketing_status: 'unknown' | 'opted_in' | 'opted_out'
  marketing_status_source: string | null
  marketing_status_at: string | null
  /** Where the record came from: api, web, gmail, outlook, sheets, whatsapp (provenance for Limited Use). */
  source: string
  created_at: string
  updated_at: string
  /** When the contact last wrote to us on WhatsApp: the 24-hour service window runs from here. */
  last_inbound_at: string | null
}

export interface ContactEmailsTable {
  workspace_id: string
  contact_id: string
  email: string
  position: number
}

export interface ContactPhonesTable {
  workspace_id: string
  contact_id: string
  /** E.164, for example +14155550123. */
  phone: string
  position: number
}

export interface PipelinesTable {
  id: string
  workspace_id: string
  name: string
  created_at: string
}

export interface PipelineStagesTable {
  id: string
  workspace_id: string
  pipeline_id: string
  name: string
  position: number
  /** Moving a deal into a stage with an outcome closes it as won or lost; other stages keep it open. */
  outcome: 'won' | 'lost' | null
}

export interface DealsTable {
  id: string
  workspace_id: string
  title: string
  /** Lower-cased, accent-folded title for case-insensitive search on both engines. */
  search_title: string
  /** Minor units (cents) so sums are exact. */
  amount_minor: number | null
  currency: string | null
  pipeline_id: string
  stage_id: string
  company_id: string | null
  owner_user_id: string | null
  expected_close: string | null
  status: 'open' | 'won' | 'lost'
  source: string
  created_at: string
  updated_at: string
}

export interface DealContactsTable {
  workspace_id: string
  deal_id: string
  contact_id: string
}

export interface ActivitiesTable {
  id: string
  workspace_id: string
  type: 'note' | 'email' | 'whatsapp' | 'stage_change'
  occurred_at: string
  contact_id: string | null
  company_id: string | null
  deal_id: string | null
  author_user_id: string | null
  subject: string | null
  body: string | null
  /** JSON object with type-specific fields (email headers, stage ids, message ids). */
  data: string
  source: string
  created_at: string
}

export interface WhatsappConnectionsTable {
  id: string
  workspace_id: string
  mode: 'sandbox' | 'meta'
  business_id: string | null
  waba_id: string | null
  /** The business token sealed by the secret box (`v1:…`); never plaintext. */
  access_token: string | null
  status: 'pending' | 'connected' | 'failed'
  /** The Embedded Signup step that failed or comes next: exchange, subscribe, register, done. */
  signup_step: string | null
  /** Meta's message for the failed step, shown to the admin so they can fix and resume. */
  signup_error: string | null
  created_at: string
  updated_at: string
}

export interface WhatsappNumbersTable {
  /** Meta's phone number id. */
  id: string
  workspace_id: string
  connection_id: string
  display_phone_number: string
  verified_name: string | null
  quality_rating: string | null
  messaging_limit_tier: string | null
  throughput_level: string | null
  throughput_per_second: number
  registered: number
  /** 1: also on the WhatsApp Business app (coexistence): never registered by us, fixed at 20 messages/s. */
  coexistence: number
  status: 'active' | 'paused'
  paused_reason: string | null
  paused_at: string | null
  updated_at: string
}

export interface WhatsappTemplatesTable {
  workspace_id: string
  template_id: string
  name: string
  language: string
  status: string
  category: string
  parameter_format: string
  /** JSON: Meta's component definitions. */
  components: string
  updated_at: string
}

export type MessageStatus = 'sending' | 'accepted' | 'sent' | 'delivered' | 'read' | 'failed' | 'unknown' | 'received'

export interface WaMessagesTable {
  id: string
  workspace_id: string
  contact_id: string | null
  phone_number_id: string
  direction: 'in' | 'out'
  wamid: string | null
  /** The user's WhatsApp id (digits). */
  wa_id: string
  type: string
  /** Message content: the text, or the template as rendered. */
  body: string | null
  template_name: string | null
  template_language: string | null
  status: MessageStatus
  status_at: string
  error_code: number | null
  error_title: string | null
  context_wamid: string | null
  author_user_id: string | null
  /** Which feature sent it: api, web, gmail, outlook, campaign; inbound: whatsapp. */
  source: string
  created_at: string
}

export interface WaStatusEventsTable {
  wamid: string
  status: string
  phone_number_id: string
  recipient_id: string
  occurred_at: string
  error_code: number | null
  error_title: string | null
  biz_opaque_callback_data: string | null
  applied: number
  received_at: string
}

export interface WebhookInboxTable {
  id: Generated<number>
  received_at: string
  body: string
  processed_at: string | null
  attempts: Generated<number>
  last_error: string | null
}

export type CampaignState = 'draft' | 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled'
export type RecipientStatus = 'pending' | 'sending' | 'sent' | 'delivered' | 'read' | 'failed' | 'unknown' | 'cancelled'

export interface CampaignsTable {
  id: string
  workspace_id: string
  name: string
  template_name: string
  template_language: string
  /** MARKETING, UTILITY or AUTHENTICATION, copied at creation: opt-outs block marketing only. */
  template_category: string
  /** JSON: template variable key → the caller's column name, kept to show and reuse the mapping. */
  variable_mapping: string
  phone_number_id: string
  state: CampaignState
  /** Why it is paused (a stop code from Meta, a limit, a person). */
  state_reason: string | null
  /** UTC time to start; null starts when asked. */
  schedule_at: string | null
  source: string
  created_by: string | null
  change_seq: Generated<number>
  count_total: Generated<number>
  count_pending: Generated<number>
  count_sending: Generated<number>
  count_sent: Generated<number>
  count_delivered: Generated<number>
  count_read: Generated<number>
  count_failed: Generated<number>
  count_unknown: Generated<number>
  count_cancelled: Generated<number>
  count_replied: Generated<number>
  started_at: string | null
  completed_at: string | null
  created_at: string
  updated_at: string
}

export interface CampaignRecipientsTable {
  id: string
  workspace_id: string
  campaign_id: string
  /** The caller's key for the row (the sheet's hidden row id): what the change feed reports back. */
  row_key: string
  /** E.164. */
  phone: string
  contact_id: string | null
  /** JSON: template variable values for this row. */
  variables: string
  status: RecipientStatus
  wamid: string | null
  message_id: string | null
  error_code: number | null
  /** Meta's (or our) reason for a failure, shown to the user. */
  reason: string | null
  attempts: Generated<number>
  next_attempt_at: string
  lease_owner: string | null
  lease_until: string | null
  sent_at: string | null
  delivered_at: string | null
  read_at: string | null
  failed_at: string | null
  replied_at: string | null
  reply_text: string | null
  change_seq: number
  created_at: string
  updated_at: string
}

export interface IdempotencyKeysTable {
  workspace_id: string
  key: string
  /** Method and route the key was used on: a key is never reused across endpoints. */
  scope: string
  /** SHA-256 of the request body: the same key with another body is refused. */
  request_hash: string
  /** Null while the first request is still running. */
  status_code: number | null
  response: string | null
  created_at: string
}

export interface RateBucketsTable {
  key: string
  tokens: number
  updated_ms: number
}

export interface EmailLogsTable {
  workspace_id: string
  /** `mid:` + the normalised Message-ID, or `fp:` + a fingerprint (sender, recipients, subject, minute). */
  message_key: string
  target_type: 'contact' | 'deal'
  target_id: string
  activity_id: string
  logged_by: string | null
  /** gmail, outlook or api: provenance of the logged content (Google- or Microsoft-derived). */
  source: string
  logged_at: string
}

/** An uploaded attachment file of a logged email (migration 0007). */
export interface EmailAttachmentsTable {
  workspace_id: string
  activity_id: string
  /** Index into the activity's data.attachments. */
  position: number
  name: string
  content_type: string | null
  size: number
  content: Buffer
  created_at: string
}

/** A single-use authorization code for an add-in sign-in (migration 0005); expires within a minute. */
export interface AddinAuthCodesTable {
  /** SHA-256 of the code: the code itself is only ever in the redirect. */
  code_hash: string
  workspace_id: string
  user_id: string
  client_id: string
  redirect_uri: string
  /** The PKCE S256 challenge: base64url(SHA-256(verifier)). */
  code_challenge: string
  created_at: string
  expires_at: string
  used_at: string | null
  /** What the code bought, revoked if it is presented again: a sign-in (`asi_…`, since migration 0010) or, before, a family. */
  family_id: string | null
}

/** One add-in sign-in on one client; revoking it ends its access and refresh tokens. */
export interface AddinTokenFamiliesTable {
  id: string
  workspace_id: string
  user_id: string
  client_id: string
  created_at: string
  expires_at: string
  revoked_at: string | null
  /** signed_out, refresh_reuse, code_reuse */
  revoked_reason: string | null
  /** The sign-in this pane instance's family was started from; null for families older than migration 0010. */
  sign_in_id: string | null
}

/** One sign-in of the add-in on a mailbox; each pane instance starts its own family from it. */
export interface AddinSignInsTable {
  id: string
  workspace_id: string
  user_id: string
  client_id: string
  /** SHA-256 of the sign-in token kept in roaming settings. */
  token_hash: string
  created_at: string
  expires_at: string
  revoked_at: string | null
  /** signed_out, refresh_reuse, code_reuse */
  revoked_reason: string | null
}

export interface AddinRefreshTokensTable {
  /** SHA-256 of the refresh token. */
  token_hash: string
  family_id: string
  created_at: string
  expires_at: string
  /** When it was rotated; presenting it after the grace window revokes the sign-in. */
  used_at: string | null
  /** SHA-256 of the token it was rotated to: a retry within the grace window answers with that one. */
  successor_hash: string | null
}

export interface AddinAccessTokensTable {
  /** SHA-256 of the access token. */
  token_hash: string
  family_id: string
  created_at: string
  expires_at: string
}

export interface PrivacySettingsTable {
  workspace_id: string
  /** A retention key of privacy/retention.ts, such as whatsapp_message_bodies. */
  key: string
  days: number
  updated_at: string
  updated_by: string | null
}

export interface SupportConsentsTable {
  id: string
  workspace_id: string
  granted_by: string | null
  /** JSON array of `{ type, id }`: the only records staff may read under this consent. */
  records: string
  created_at: string
  expires_at: string
  revoked_at: string | null
  revoked_by: string | null
}

export interface SupportStaffTable {
  id: string
  name: string
  /** SHA-256 of the staff token; the token is shown once by the CLI. */
  token_hash: string
  created_at: string
  revoked_at: string | null
}

export interface PrivacyExportsTable {
  id: string
  workspace_id: string
  kind: 'user' | 'workspace'
  /** For a user's own export: whose data. */
  subject_user_id: string | null
  requested_by: string | null
  status: 'queued' | 'building' | 'ready' | 'failed' | 'expired'
  /** 0–100. */
  progress: number
  /** SHA-256 of the download token. */
  token_hash: string
  size_bytes: number | null
  error: string | null
  created_at: string
  started_at: string | null
  completed_at: string | null
  /** When the download link stops working and the archive is deleted. */
  expires_at: string | null
}

export interface PrivacyExportFilesTable {
  export_id: string
  workspace_id: string
  /** The zip archive. */
  archive: Buffer
}

export interface DeletionRequestsTable {
  id: string
  kind: 'workspace' | 'meta_user'
  /** SHA-256 of the confirmation code, which is the status page's address. */
  code_hash: string
  /** SHA-256 of what was deleted (a workspace id, Meta's app-scoped user id): never the id itself. */
  subject_digest: string
  status: 'received' | 'completed' | 'failed'
  /** JSON: non-personal counts of what was removed. */
  summary: string
  requested_at: string
  completed_at: string | null
}

export interface AuditAnchorsTable {
  workspace_id: string
  /** The last pruned link: verification starts after it, from its hash. */
  seq: number
  hash: string
  updated_at: string
}

/** Failed sign-ins per (email, source address) digest: locks without revealing accounts (0008). */
export interface LoginAttemptsTable {
  attempt_key: string
  failed_count: number
  locked_until: string | null
  updated_at: string
}
