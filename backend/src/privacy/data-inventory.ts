import type { RetentionKey } from './retention-policies.js'

/**
 * The data inventory: every table and column Switchboard stores, declared with what it
 * is, where it comes from, why it is kept, how long, whether an export carries it and how
 * it is erased. A test compares this against the migrated schema, so a migration cannot
 * add a column that nobody has declared; the purpose guard, the retention sweeper, the
 * exporter, the erasure code and the published `/privacy` page all read it.
 */

/** What kind of data a column holds; the published policy lists each category. */
export type DataCategory =
  | 'account' // workspaces and users: who uses Switchboard, their roles and login activity
  | 'crm' // contacts, companies, deals, notes: what a workspace records about its customers
  | 'message_content' // WhatsApp bodies, logged email bodies, sheet values sent in campaigns
  | 'google_derived' // read from Gmail or Google Sheets through an add-on
  | 'microsoft_derived' // read from Outlook through the add-in
  | 'meta_derived' // given by Meta: business and number ids, templates, delivery statuses
  | 'credentials' // tokens and password hashes: only digests, or sealed with the secret box
  | 'audit' // the append-only audit log
  | 'operational' // queues, rate limits, retries, job state: what keeps the service running

export const DATA_CATEGORIES: Readonly<Record<DataCategory, { label: string, description: string }>> = {
  account: { label: 'Account data', description: 'Your workspace, its users (email address, display name, role, status) and their login activity.' },
  crm: { label: 'CRM records', description: 'Contacts, companies, pipelines, deals, tags, notes and activity history that your team records.' },
  message_content: { label: 'Message content', description: 'WhatsApp message texts, the bodies of emails you chose to log, and the sheet values a campaign fills into its template.' },
  google_derived: { label: 'Data from Google', description: 'Emails you log from Gmail with the Gmail add-on, and the rows of a Google Sheet you send a campaign to with the Sheets add-on.' },
  microsoft_derived: { label: 'Data from Microsoft', description: 'Emails you log from Outlook with the Outlook add-in.' },
  meta_derived: { label: 'Data from Meta (WhatsApp)', description: 'Your WhatsApp Business account ids, phone numbers, message templates, and delivery statuses that Meta reports.' },
  credentials: { label: 'Credentials', description: 'Password hashes, digests of API tokens, and your WhatsApp business token, encrypted at rest; never shown back in clear.' },
  audit: { label: 'Audit log', description: 'Who did what and when, from which address: sign-ins, token and role changes, exports, erasures, support access. Never message content.' },
  operational: { label: 'Operational data', description: 'Send queues, retry keys, rate limits and background job state that keep the service running.' },
}

/**
 * What data may be used for. The first five are the reasons Switchboard holds data at
 * all; the last three are forbidden uses the purpose guard always refuses (Google's
 * Limited Use rules, which Switchboard applies to Microsoft data as well).
 */
export type Purpose =
  | 'own_feature' // the user's own use of a feature they can see
  | 'security' // investigating abuse, keeping accounts safe
  | 'legal' // complying with the law
  | 'support' // a person reading records, only with the user's consent for those records
  | 'analytics' // aggregated counts for internal operations, never content
  | 'advertising'
  | 'model_training'
  | 'third_party_transfer'

export const FORBIDDEN_PURPOSES = ['advertising', 'model_training', 'third_party_transfer'] as const satisfies readonly Purpose[]

/** Where a table's rows come from. */
export type Origin = 'user' | 'google' | 'microsoft' | 'meta' | 'system'

/**
 * How long a table's rows live: one of the retention policies, or for as long as the
 * thing they belong to exists (the record, the user, the workspace).
 */
export type Retention = RetentionKey | 'while_record_exists' | 'while_user_exists' | 'while_workspace_exists' | 'transient'

/** What erasure does to a table's rows when its subject is erased. */
export type ErasureAction =
  | 'delete' // the rows go
  | 'deidentify' // personal columns are blanked or replaced, the row stays (counts, chain)
  | 'keep' // nothing personal about this subject is in it
  | 'cascade' // deleted by a foreign key when its parent goes

export interface ErasureRule {
  /** Erasing one contact (their messages, activities and campaign rows). */
  contact: ErasureAction
  /** Erasing one user (account closed at the user's or an admin's request). */
  user: ErasureAction
  /** Deleting the whole workspace: every table must end with no row of it. */
  workspace: ErasureAction
  /** Why, where the action is not obvious. */
  note?: string
}

export interface ColumnDecl {
  category: DataCategory
  /** Overrides the table's retention (a content column with a shorter life than its row). */
  retention?: RetentionKey
  /** False for secrets and internal state an export must not carry; defaults to the table's. */
  exported?: boolean
  /**
   * Google- or Microsoft-derived depending on the row's provenance (see the table's
   * `provenance`): reads of it go through the purpose guard.
   */
  derived?: true
}

/** A column given only by its category, or with overrides. */
export type ColumnSpec = DataCategory | ColumnDecl

export interface Provenance {
  /** The column naming where the row came from; on `parent` when the row inherits it. */
  column: string
  /** The row inherits its provenance from this table, joined on `via`. */
  parent?: { table: string, via: string }
}

export interface TableDecl {
  description: string
  origins: readonly Origin[]
  /** Present on every table with `derived` columns: how a row says where it came from. */
  provenance?: Provenance
  purposes: readonly Purpose[]
  retention: Retention
  /** Whether a workspace export carries the table (secrets and internal state never). */
  exported: boolean
  erasure: ErasureRule
  columns: Readonly<Record<string, ColumnSpec>>
}

/** `source` values and the party whose data the row holds. */
export const SOURCE_ORIGINS: Readonly<Record<string, Origin>> = {
  gmail: 'google',
  sheets: 'google',
  outlook: 'microsoft',
  whatsapp: 'meta',
  whatsapp_keyword: 'meta',
  whatsapp_user_preferences: 'meta',
  api: 'user',
  web: 'user',
  campaign: 'user',
  campaign_test: 'user',
}

/** The party a `source` value stands for; unknown values count as the user's own. */
export function originOfSource (source: string | null | undefined): Origin {
  return (source == null ? undefined : SOURCE_ORIGINS[source]) ?? 'user'
}

/** Sources whose rows are Google or Microsoft user data (Limited Use applies). */
export const LIMITED_USE_SOURCES = Object.keys(SOURCE_ORIGINS).filter((s) => SOURCE_ORIGINS[s] === 'google' || SOURCE_ORIGINS[s] === 'microsoft')

const ALL_USES: readonly Purpose[] = ['own_feature', 'security', 'legal', 'support', 'analytics']
const CREDENTIAL_USES: readonly Purpose[] = ['own_feature', 'security']

const WORKSPACE_CASCADE: ErasureRule = { contact: 'keep', user: 'keep', workspace: 'cascade' }
const COUNT_KEPT: ColumnDecl = { category: 'operational' }
const SECRET: ColumnDecl = { category: 'credentials', exported: false }
const INTERNAL: ColumnDecl = { category: 'operational', exported: false }

export const DATA_INVENTORY = {
  workspaces: {
    description: 'A customer organisation: its name, time zone and default country.',
    origins: ['user'],
    purposes: ALL_USES,
    retention: 'while_workspace_exists',
    exported: true,
    erasure: { contact: 'keep', user: 'keep', workspace: 'delete' },
    columns: { id: 'account', name: 'account', time_zone: 'account', default_country: 'account', created_at: 'account', allowed_domain: 'account' },
  },
  users: {
    description: 'People who use Switchboard: email, display name, role, status and login activity.',
    origins: ['user'],
    purposes: ALL_USES,
    retention: 'while_user_exists',
    exported: true,
    erasure: { contact: 'keep', user: 'deidentify', workspace: 'cascade', note: 'a closed user keeps an id so the audit chain and "logged by" links stay intact; email and name are replaced' },
    columns: {
      id: 'account', workspace_id: 'account', email: 'account', display_name: 'account', role: 'account', status: 'account',
      password_hash: SECRET,
      failed_login_count: 'account', locked_until: 'account', last_login_at: 'account', login_count: 'account',
      created_at: 'account', updated_at: 'account',
      google_sub: 'account',
    },
  },
  sessions: {
    description: 'Web sign-in sessions (only a digest of the cookie).',
    origins: ['system'],
    purposes: CREDENTIAL_USES,
    retention: 'login_activity',
    exported: false,
    erasure: { contact: 'keep', user: 'delete', workspace: 'cascade' },
    columns: { id_hash: SECRET, workspace_id: 'account', user_id: 'account', created_at: 'account', expires_at: 'account', last_seen_at: 'account' },
  },
  api_tokens: {
    description: 'Personal API tokens (the Sheets add-on, scripts): name, scopes, last use; only a digest of the token.',
    origins: ['user'],
    purposes: CREDENTIAL_USES,
    retention: 'login_activity',
    exported: true,
    erasure: { contact: 'keep', user: 'delete', workspace: 'cascade' },
    columns: {
      id: 'account', workspace_id: 'account', user_id: 'account', name: 'account', prefix: 'account',
      token_hash: SECRET, scopes: 'account', created_at: 'account', last_used_at: 'account', revoked_at: 'account',
    },
  },
  addin_auth_codes: {
    description: 'Single-use sign-in codes of the Outlook add-in (only their digests), bound to a PKCE challenge.',
    origins: ['system'],
    purposes: CREDENTIAL_USES,
    retention: 'login_activity',
    exported: false,
    erasure: { contact: 'keep', user: 'delete', workspace: 'cascade' },
    columns: {
      code_hash: SECRET, workspace_id: 'account', user_id: 'account', client_id: 'account', redirect_uri: 'account',
      code_challenge: SECRET, created_at: 'account', expires_at: 'account', used_at: 'account', family_id: 'account',
    },
  },
  addin_token_families: {
    description: 'Add-in sign-ins: one per user per client, until it expires or is revoked.',
    origins: ['system'],
    purposes: CREDENTIAL_USES,
    retention: 'login_activity',
    exported: true,
    erasure: { contact: 'keep', user: 'delete', workspace: 'cascade' },
    columns: {
      id: 'account', workspace_id: 'account', user_id: 'account', client_id: 'account', created_at: 'account',
      expires_at: 'account', revoked_at: 'account', revoked_reason: 'account', sign_in_id: 'account',
    },
  },
  addin_refresh_tokens: {
    description: 'Digests of the add-in\'s rotating refresh tokens.',
    origins: ['system'],
    purposes: CREDENTIAL_USES,
    retention: 'login_activity',
    exported: false,
    erasure: { contact: 'keep', user: 'cascade', workspace: 'cascade' },
    columns: { token_hash: SECRET, family_id: 'account', created_at: 'account', expires_at: 'account', used_at: 'account', successor_hash: SECRET },
  },
  addin_access_tokens: {
    description: 'Digests of the add-in\'s short-lived access tokens.',
    origins: ['system'],
    purposes: CREDENTIAL_USES,
    retention: 'login_activity',
    exported: false,
    erasure: { contact: 'keep', user: 'cascade', workspace: 'cascade' },
    columns: { token_hash: SECRET, family_id: 'account', created_at: 'account', expires_at: 'account' },
  },
  addin_sign_ins: {
    description: 'Add-in sign-ins on a mailbox (only the digest of the token roaming settings keep); each pane instance starts its own token family from one.',
    origins: ['system'],
    purposes: CREDENTIAL_USES,
    retention: 'login_activity',
    exported: false,
    erasure: { contact: 'keep', user: 'delete', workspace: 'cascade' },
    columns: {
      id: 'account', workspace_id: 'account', user_id: 'account', client_id: 'account', token_hash: SECRET,
      created_at: 'account', expires_at: 'account', revoked_at: 'account', revoked_reason: 'account',
    },
  },
  audit_events: {
    description: 'The append-only, hash-chained audit log: who did what, when, from which address.',
    origins: ['system'],
    purposes: ['security', 'legal', 'own_feature'],
    retention: 'audit_log',
    exported: true,
    erasure: { contact: 'keep', user: 'keep', workspace: 'delete', note: 'holds ids, never content or contact data, so erasing a person leaves the chain verifiable; it goes with the workspace' },
    columns: {
      id: 'audit', workspace_id: 'audit', seq: 'audit', actor_user_id: 'audit', actor_token_id: 'audit', action: 'audit',
      target_type: 'audit', target_id: 'audit', ip: 'audit', details: 'audit', created_at: 'audit', prev_hash: 'audit', hash: 'audit',
    },
  },
  audit_anchors: {
    description: 'Where each workspace\'s audit chain starts after old events were removed by retention.',
    origins: ['system'],
    purposes: ['security', 'legal'],
    retention: 'while_workspace_exists',
    exported: false,
    erasure: { contact: 'keep', user: 'keep', workspace: 'delete' },
    columns: { workspace_id: 'audit', seq: 'audit', hash: 'audit', updated_at: 'audit' },
  },
  companies: {
    description: 'Companies your contacts work for.',
    origins: ['user'],
    purposes: ALL_USES,
    retention: 'while_record_exists',
    exported: true,
    erasure: WORKSPACE_CASCADE,
    columns: { id: 'crm', workspace_id: 'crm', name: 'crm', search_name: INTERNAL, domain: 'crm', created_at: 'crm', updated_at: 'crm' },
  },
  contacts: {
    description: 'People your team talks to: name, WhatsApp id, tags, marketing consent, owner, where the record came from.',
    origins: ['user', 'google', 'microsoft', 'meta'],
    provenance: { column: 'source' },
    purposes: ALL_USES,
    retention: 'while_record_exists',
    exported: true,
    erasure: { contact: 'delete', user: 'keep', workspace: 'cascade' },
    columns: {
      id: 'crm', workspace_id: 'crm', name: 'crm', search_name: INTERNAL, whatsapp_id: 'crm', company_id: 'crm', owner_user_id: 'crm',
      tags: 'crm', marketing_status: 'crm', marketing_status_source: 'crm', marketing_status_at: 'crm', source: 'crm',
      created_at: 'crm', updated_at: 'crm', last_inbound_at: 'meta_derived',
    },
  },
  contact_emails: {
    description: 'A contact\'s email addresses.',
    origins: ['user', 'google', 'microsoft'],
    purposes: ALL_USES,
    retention: 'while_record_exists',
    exported: true,
    erasure: { contact: 'cascade', user: 'keep', workspace: 'cascade' },
    columns: { workspace_id: 'crm', contact_id: 'crm', email: 'crm', position: 'crm' },
  },
  contact_phones: {
    description: 'A contact\'s phone numbers (E.164).',
    origins: ['user', 'google', 'meta'],
    purposes: ALL_USES,
    retention: 'while_record_exists',
    exported: true,
    erasure: { contact: 'cascade', user: 'keep', workspace: 'cascade' },
    columns: { workspace_id: 'crm', contact_id: 'crm', phone: 'crm', position: 'crm' },
  },
  pipelines: {
    description: 'Sales pipelines.',
    origins: ['user'],
    purposes: ALL_USES,
    retention: 'while_record_exists',
    exported: true,
    erasure: WORKSPACE_CASCADE,
    columns: { id: 'crm', workspace_id: 'crm', name: 'crm', created_at: 'crm' },
  },
  pipeline_stages: {
    description: 'The stages of a pipeline.',
    origins: ['user'],
    purposes: ALL_USES,
    retention: 'while_record_exists',
    exported: true,
    erasure: WORKSPACE_CASCADE,
    columns: { id: 'crm', workspace_id: 'crm', pipeline_id: 'crm', name: 'crm', position: 'crm', outcome: 'crm' },
  },
  deals: {
    description: 'Deals: title, amount, stage, company, owner, expected close.',
    origins: ['user', 'google', 'microsoft'],
    provenance: { column: 'source' },
    purposes: ALL_USES,
    retention: 'while_record_exists',
    exported: true,
    erasure: WORKSPACE_CASCADE,
    columns: {
      id: 'crm', workspace_id: 'crm', title: 'crm', search_title: INTERNAL, amount_minor: 'crm', currency: 'crm', pipeline_id: 'crm',
      stage_id: 'crm', company_id: 'crm', owner_user_id: 'crm', expected_close: 'crm', status: 'crm', source: 'crm',
      created_at: 'crm', updated_at: 'crm',
    },
  },
  deal_contacts: {
    description: 'Which contacts take part in which deal.',
    origins: ['user'],
    purposes: ALL_USES,
    retention: 'while_record_exists',
    exported: true,
    erasure: { contact: 'cascade', user: 'keep', workspace: 'cascade' },
    columns: { workspace_id: 'crm', deal_id: 'crm', contact_id: 'crm' },
  },
  activities: {
    description: 'The timeline of a contact, company or deal: notes, logged emails (from Gmail or Outlook), WhatsApp events, stage changes.',
    origins: ['user', 'google', 'microsoft', 'meta'],
    provenance: { column: 'source' },
    purposes: ALL_USES,
    retention: 'while_record_exists',
    exported: true,
    erasure: { contact: 'cascade', user: 'keep', workspace: 'cascade', note: 'a user\'s notes belong to the workspace; the author link is cleared when the user row goes' },
    columns: {
      id: 'crm', workspace_id: 'crm', type: 'crm', occurred_at: 'crm', contact_id: 'crm', company_id: 'crm', deal_id: 'crm', author_user_id: 'crm',
      subject: { category: 'message_content', derived: true },
      body: { category: 'message_content', derived: true, retention: 'logged_email_bodies' },
      data: { category: 'message_content', derived: true },
      source: 'crm', created_at: 'crm',
    },
  },
  email_attachments: {
    description: 'Attachment files of logged emails, only when the person chose to upload them from the Outlook add-in (at most 4 MiB per email).',
    origins: ['microsoft', 'google', 'user'],
    provenance: { column: 'source', parent: { table: 'activities', via: 'activity_id' } },
    purposes: ALL_USES,
    retention: 'while_record_exists',
    exported: true,
    erasure: { contact: 'cascade', user: 'keep', workspace: 'cascade', note: 'goes with the logged email (activity) it belongs to' },
    columns: {
      workspace_id: 'crm', activity_id: 'crm', position: 'crm',
      name: { category: 'message_content', derived: true }, content_type: { category: 'message_content', derived: true }, size: 'crm',
      // The files travel in an export as the add-in uploaded them; the bodies' retention applies to them too.
      content: { category: 'message_content', derived: true, retention: 'logged_email_bodies' },
      created_at: 'crm',
    },
  },
  email_logs: {
    description: 'Which email (by Message-ID or fingerprint) was logged to which record, by whom, from Gmail or Outlook.',
    origins: ['google', 'microsoft', 'user'],
    provenance: { column: 'source' },
    purposes: ALL_USES,
    retention: 'while_record_exists',
    exported: true,
    erasure: { contact: 'delete', user: 'keep', workspace: 'cascade', note: 'goes with the activity it points at' },
    columns: {
      workspace_id: 'crm', message_key: { category: 'google_derived', derived: true }, target_type: 'crm', target_id: 'crm',
      activity_id: 'crm', logged_by: 'crm', source: 'crm', logged_at: 'crm',
    },
  },
  whatsapp_connections: {
    description: 'A workspace\'s WhatsApp Business connection: Meta business and account ids, the business token (encrypted), signup progress.',
    origins: ['meta'],
    purposes: CREDENTIAL_USES,
    retention: 'while_workspace_exists',
    exported: true,
    erasure: { contact: 'keep', user: 'keep', workspace: 'cascade', note: 'disconnecting deletes the token' },
    columns: {
      id: 'meta_derived', workspace_id: 'meta_derived', mode: 'meta_derived', business_id: 'meta_derived', waba_id: 'meta_derived',
      access_token: SECRET, status: 'meta_derived', signup_step: 'meta_derived', signup_error: 'meta_derived', created_at: 'meta_derived', updated_at: 'meta_derived',
    },
  },
  whatsapp_numbers: {
    description: 'The WhatsApp numbers of a connection: display number, verified name, quality and limits.',
    origins: ['meta'],
    purposes: ALL_USES,
    retention: 'while_workspace_exists',
    exported: true,
    erasure: WORKSPACE_CASCADE,
    columns: {
      id: 'meta_derived', workspace_id: 'meta_derived', connection_id: 'meta_derived', display_phone_number: 'meta_derived', verified_name: 'meta_derived',
      quality_rating: 'meta_derived', messaging_limit_tier: 'meta_derived', throughput_level: 'meta_derived', throughput_per_second: 'meta_derived',
      registered: 'meta_derived', status: 'meta_derived', paused_reason: 'meta_derived', paused_at: 'meta_derived', updated_at: 'meta_derived',
      coexistence: 'meta_derived',
    },
  },
  whatsapp_templates: {
    description: 'Copies of the message templates Meta approved for the workspace.',
    origins: ['meta'],
    purposes: ALL_USES,
    retention: 'while_workspace_exists',
    exported: true,
    erasure: WORKSPACE_CASCADE,
    columns: {
      workspace_id: 'meta_derived', template_id: 'meta_derived', name: 'meta_derived', language: 'meta_derived', status: 'meta_derived',
      category: 'meta_derived', parameter_format: 'meta_derived', components: 'meta_derived', updated_at: 'meta_derived',
    },
  },
  wa_messages: {
    description: 'The WhatsApp conversation with each contact: direction, type, text, template, delivery status.',
    origins: ['user', 'meta', 'google'],
    provenance: { column: 'source' },
    purposes: ALL_USES,
    retention: 'while_record_exists',
    exported: true,
    erasure: { contact: 'delete', user: 'keep', workspace: 'cascade', note: 'a contact\'s messages are deleted by contact and by their WhatsApp id' },
    columns: {
      id: 'crm', workspace_id: 'crm', contact_id: 'crm', phone_number_id: 'meta_derived', direction: 'crm', wamid: 'meta_derived', wa_id: 'crm',
      type: 'crm', body: { category: 'message_content', derived: true, retention: 'whatsapp_message_bodies' },
      template_name: 'crm', template_language: 'crm', status: 'meta_derived', status_at: 'meta_derived',
      error_code: 'meta_derived', error_title: 'meta_derived', context_wamid: 'meta_derived', author_user_id: 'crm', source: 'crm', created_at: 'crm',
    },
  },
  wa_status_events: {
    description: 'Delivery status events as Meta reported them (message id, recipient number, status, time).',
    origins: ['meta'],
    purposes: ['own_feature', 'security', 'analytics'],
    retention: 'delivery_events',
    exported: false,
    erasure: { contact: 'delete', user: 'keep', workspace: 'delete', note: 'no workspace column: removed by the recipient number, and for a workspace by the wamids of its messages' },
    columns: {
      wamid: 'meta_derived', status: 'meta_derived', phone_number_id: 'meta_derived', recipient_id: 'meta_derived', occurred_at: 'meta_derived',
      error_code: 'meta_derived', error_title: 'meta_derived', biz_opaque_callback_data: 'meta_derived', applied: INTERNAL, received_at: 'meta_derived',
    },
  },
  webhook_inbox: {
    description: 'Raw webhooks from Meta, held until processed (they contain inbound message texts).',
    origins: ['meta'],
    purposes: ['own_feature', 'security'],
    retention: 'webhook_inbox',
    exported: false,
    erasure: { contact: 'keep', user: 'keep', workspace: 'delete', note: 'names no workspace, only Meta\'s phone number id: workspace deletion removes those naming its numbers; everything is swept after the webhook_inbox period' },
    columns: { id: INTERNAL, received_at: INTERNAL, body: { category: 'message_content', exported: false }, processed_at: INTERNAL, attempts: INTERNAL, last_error: INTERNAL },
  },
  campaigns: {
    description: 'Bulk template campaigns: template, variable mapping (sheet column names), sending number, schedule, state and counts; `source` says whether it came from Google Sheets.',
    origins: ['user', 'google'],
    provenance: { column: 'source' },
    purposes: ALL_USES,
    retention: 'while_record_exists',
    exported: true,
    erasure: WORKSPACE_CASCADE,
    columns: {
      id: 'crm', workspace_id: 'crm', name: 'crm', template_name: 'crm', template_language: 'crm', template_category: 'crm',
      variable_mapping: { category: 'google_derived', derived: true }, phone_number_id: 'crm', state: 'crm', state_reason: 'crm', schedule_at: 'crm',
      source: 'crm', created_by: 'crm', change_seq: INTERNAL,
      count_total: COUNT_KEPT, count_pending: COUNT_KEPT, count_sending: COUNT_KEPT, count_sent: COUNT_KEPT, count_delivered: COUNT_KEPT,
      count_read: COUNT_KEPT, count_failed: COUNT_KEPT, count_unknown: COUNT_KEPT, count_cancelled: COUNT_KEPT, count_replied: COUNT_KEPT,
      started_at: 'crm', completed_at: 'crm', created_at: 'crm', updated_at: 'crm',
    },
  },
  campaign_recipients: {
    description: 'One row per campaign recipient: the sheet row key, phone, the row\'s template values, send and delivery status, reply.',
    origins: ['google', 'user'],
    provenance: { column: 'source', parent: { table: 'campaigns', via: 'campaign_id' } },
    purposes: ALL_USES,
    retention: 'while_record_exists',
    exported: true,
    erasure: { contact: 'deidentify', user: 'keep', workspace: 'cascade', note: 'phone, values and reply are blanked so the campaign\'s counts stay true' },
    columns: {
      id: 'crm', workspace_id: 'crm', campaign_id: 'crm', row_key: { category: 'google_derived', derived: true },
      phone: { category: 'google_derived', derived: true }, contact_id: 'crm',
      variables: { category: 'message_content', derived: true, retention: 'whatsapp_message_bodies' },
      status: 'crm', wamid: 'meta_derived', message_id: 'crm', error_code: 'meta_derived', reason: 'meta_derived',
      attempts: INTERNAL, next_attempt_at: INTERNAL, lease_owner: INTERNAL, lease_until: INTERNAL,
      sent_at: 'crm', delivered_at: 'crm', read_at: 'crm', failed_at: 'crm', replied_at: 'crm',
      reply_text: { category: 'message_content', retention: 'whatsapp_message_bodies' },
      change_seq: INTERNAL, created_at: 'crm', updated_at: 'crm',
    },
  },
  idempotency_keys: {
    description: 'Answers to requests sent with an Idempotency-Key, so a retry gets the same answer.',
    origins: ['system'],
    purposes: ['own_feature'],
    retention: 'idempotency_keys',
    exported: false,
    erasure: { contact: 'keep', user: 'keep', workspace: 'delete' },
    columns: { workspace_id: INTERNAL, key: INTERNAL, scope: INTERNAL, request_hash: INTERNAL, status_code: INTERNAL, response: INTERNAL, created_at: INTERNAL },
  },
  rate_buckets: {
    description: 'Token buckets that keep sending under each number\'s throughput.',
    origins: ['system'],
    purposes: ['own_feature'],
    retention: 'transient',
    exported: false,
    erasure: { contact: 'keep', user: 'keep', workspace: 'keep', note: 'keyed by number id, holds no personal data' },
    columns: { key: INTERNAL, tokens: INTERNAL, updated_ms: INTERNAL },
  },
  privacy_settings: {
    description: 'A workspace\'s retention periods where its admins changed the defaults.',
    origins: ['user'],
    purposes: ['own_feature'],
    retention: 'while_workspace_exists',
    exported: true,
    erasure: WORKSPACE_CASCADE,
    columns: { workspace_id: 'account', key: 'account', days: 'account', updated_at: 'account', updated_by: 'account' },
  },
  support_consents: {
    description: 'Consents a user gave for support staff to read specific records, until a time.',
    origins: ['user'],
    purposes: ['support', 'security', 'legal'],
    retention: 'support_consents',
    exported: true,
    erasure: WORKSPACE_CASCADE,
    columns: { id: 'account', workspace_id: 'account', granted_by: 'account', records: 'account', created_at: 'account', expires_at: 'account', revoked_at: 'account', revoked_by: 'account' },
  },
  support_staff: {
    description: 'Switchboard\'s own support staff (not customer data).',
    origins: ['system'],
    purposes: ['security'],
    retention: 'transient',
    exported: false,
    erasure: { contact: 'keep', user: 'keep', workspace: 'keep' },
    columns: { id: INTERNAL, name: INTERNAL, token_hash: SECRET, created_at: INTERNAL, revoked_at: INTERNAL },
  },
  privacy_exports: {
    description: 'Export jobs: who asked, progress, and a digest of the download link.',
    origins: ['system'],
    purposes: ['own_feature', 'security'],
    retention: 'export_archives',
    exported: false,
    erasure: WORKSPACE_CASCADE,
    columns: {
      id: INTERNAL, workspace_id: INTERNAL, kind: INTERNAL, subject_user_id: INTERNAL, requested_by: INTERNAL, status: INTERNAL, progress: INTERNAL,
      token_hash: SECRET, size_bytes: INTERNAL, error: INTERNAL, created_at: INTERNAL, started_at: INTERNAL, completed_at: INTERNAL, expires_at: INTERNAL,
    },
  },
  privacy_export_files: {
    description: 'The built export archives, until their link expires.',
    origins: ['system'],
    purposes: ['own_feature'],
    retention: 'export_archives',
    exported: false,
    erasure: WORKSPACE_CASCADE,
    columns: { export_id: INTERNAL, workspace_id: INTERNAL, archive: { category: 'message_content', exported: false } },
  },
  deletion_requests: {
    description: 'Receipts of deletion requests (workspace deletions, Meta data deletion callbacks): digests and counts only.',
    origins: ['system', 'meta'],
    purposes: ['legal'],
    retention: 'deletion_receipts',
    exported: false,
    erasure: { contact: 'keep', user: 'keep', workspace: 'keep', note: 'names nobody: the subject is a digest, so the receipt may outlive what it reports on' },
    columns: { id: INTERNAL, kind: INTERNAL, code_hash: SECRET, subject_digest: INTERNAL, status: INTERNAL, summary: INTERNAL, requested_at: INTERNAL, completed_at: INTERNAL },
  },
  // Outbound webhooks (events/): what each event carries, field by field, is declared with
  // the event in events/catalog.ts and resolved against these columns by event-inventory.ts.
  webhook_endpoints: {
    description: 'Webhook endpoints your admins registered: the URL your events are sent to, which events, its state; the signing secret encrypted.',
    origins: ['user'],
    purposes: ['own_feature', 'security'],
    retention: 'while_workspace_exists',
    exported: true,
    erasure: WORKSPACE_CASCADE,
    columns: {
      id: 'account', workspace_id: 'account', url: 'account', description: 'account', event_types: 'account',
      secret: SECRET, previous_secret: SECRET, previous_secret_until: 'account', status: 'account', disabled_reason: 'account',
      created_by: 'account', created_at: 'account', updated_at: 'account',
    },
  },
  webhook_events: {
    description: 'Events sent to your webhook endpoints, as sent: contact details, WhatsApp message texts and statuses, deal moves, finished campaigns (the list is on this page).',
    origins: ['user', 'meta'],
    purposes: ['own_feature', 'security'],
    retention: 'outbound_webhooks',
    exported: false,
    erasure: { contact: 'delete', user: 'keep', workspace: 'cascade', note: 'a contact\'s events are found by their ordering key (the contact, or their WhatsApp id) and deleted with their deliveries' },
    columns: {
      id: INTERNAL, workspace_id: INTERNAL, type: INTERNAL, ordering_key: INTERNAL,
      // Inbound message texts among them: also emptied after the message bodies' period.
      body: { category: 'message_content', exported: false, retention: 'whatsapp_message_bodies' },
      created_at: INTERNAL,
    },
  },
  webhook_deliveries: {
    description: 'The delivery log: each event\'s state at each endpoint, attempts, the last answer code, retries.',
    origins: ['system'],
    purposes: ['own_feature', 'security'],
    retention: 'outbound_webhooks',
    exported: false,
    erasure: { contact: 'cascade', user: 'keep', workspace: 'cascade', note: 'goes with its event' },
    columns: {
      seq: INTERNAL, id: INTERNAL, workspace_id: INTERNAL, endpoint_id: INTERNAL, event_id: INTERNAL, ordering_key: INTERNAL, status: INTERNAL,
      attempts: INTERNAL, next_attempt_at: INTERNAL, lease_owner: INTERNAL, lease_until: INTERNAL, last_status_code: INTERNAL, last_error: INTERNAL,
      redelivery_of: INTERNAL, created_at: INTERNAL, updated_at: INTERNAL, completed_at: INTERNAL,
    },
  },
  webhook_attempts: {
    description: 'Every delivery attempt: when, how long, the answer code or what failed (never what the receiver answered).',
    origins: ['system'],
    purposes: ['own_feature', 'security'],
    retention: 'outbound_webhooks',
    exported: false,
    erasure: { contact: 'cascade', user: 'keep', workspace: 'cascade', note: 'goes with its delivery' },
    columns: { id: INTERNAL, workspace_id: INTERNAL, delivery_seq: INTERNAL, attempt: INTERNAL, attempted_at: INTERNAL, duration_ms: INTERNAL, status_code: INTERNAL, error: INTERNAL },
  },
  login_attempts: {
    description: 'Failed sign-ins counted per email and source address, to lock out password guessing; kept as a digest of both, for at most a day.',
    origins: ['system'],
    purposes: ['security'],
    retention: 'transient',
    exported: false,
    erasure: { contact: 'keep', user: 'keep', workspace: 'keep', note: 'a digest of an email and an address, for any email (known or not), gone within a day' },
    columns: { attempt_key: INTERNAL, failed_count: INTERNAL, locked_until: INTERNAL, updated_at: INTERNAL },
  },
} as const satisfies Record<string, TableDecl>

export type InventoryTable = keyof typeof DATA_INVENTORY

/** The inventory with every column spelled out (category and flags resolved). */
export function resolvedColumns (table: string): Array<{ name: string, category: DataCategory, exported: boolean, derived: boolean, retention: Retention }> {
  const decl = (DATA_INVENTORY as Record<string, TableDecl>)[table]
  if (decl === undefined) return []
  return Object.entries(decl.columns).map(([name, spec]) => {
    const c: ColumnDecl = typeof spec === 'string' ? { category: spec } : spec
    return { name, category: c.category, exported: c.exported ?? decl.exported, derived: c.derived === true, retention: c.retention ?? decl.retention }
  })
}

/** Every declared table, widened for code that walks the inventory. */
export const INVENTORY_TABLES: ReadonlyArray<[string, TableDecl]> = Object.entries(DATA_INVENTORY as Record<string, TableDecl>)

/** Tables holding rows that may be Google- or Microsoft-derived: the purpose guard's domain. */
export function limitedUseTables (): string[] {
  return INVENTORY_TABLES.filter(([table]) => resolvedColumns(table).some((c) => c.derived)).map(([table]) => table)
}
