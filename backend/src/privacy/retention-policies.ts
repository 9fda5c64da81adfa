/**
 * How long each kind of stored data lives, with its default. The inventory names one of
 * these for every table it sweeps; the sweeper implements each; the published policy
 * prints them. Per-workspace keys can be changed by a workspace's admins within the
 * bounds; the others hold operational data shared by every workspace.
 */
export interface RetentionPolicy {
  /** What people read on /privacy and in the settings API. */
  label: string
  /** What happens when the period is over. */
  action: string
  defaultDays: number
  minDays: number
  maxDays: number
  scope: 'workspace' | 'global'
}

export const RETENTION_POLICIES = {
  whatsapp_message_bodies: {
    label: 'WhatsApp message content: message bodies, campaign row values from your sheet, reply texts',
    action: 'the text is replaced by "[deleted after N days]" (message bodies) or emptied; who, when and the delivery status stay',
    // WoSocial's promise: messages sent through the Cloud API are deleted after 30 days.
    defaultDays: 30,
    minDays: 1,
    maxDays: 3650,
    scope: 'workspace',
  },
  logged_email_bodies: {
    label: 'Bodies of emails logged from Gmail or Outlook',
    action: 'the body is deleted; subject, sender, recipients and the link to the record stay',
    defaultDays: 365,
    minDays: 1,
    maxDays: 3650,
    scope: 'workspace',
  },
  login_activity: {
    label: 'Login activity: expired web sessions and revoked API tokens',
    action: 'deleted',
    defaultDays: 90,
    minDays: 0,
    maxDays: 3650,
    scope: 'workspace',
  },
  audit_log: {
    label: 'Audit log (who did what, when and from which address)',
    action: 'older events are deleted; the hash chain stays verifiable from its anchor',
    defaultDays: 365,
    // Kept at least 90 days whatever an admin chooses: it is how abuse is investigated.
    minDays: 90,
    maxDays: 3650,
    scope: 'workspace',
  },
  export_archives: {
    label: 'Data export archives and their download links',
    action: 'the archive is deleted and the link stops working',
    defaultDays: 2,
    minDays: 1,
    maxDays: 30,
    scope: 'workspace',
  },
  support_consents: {
    label: 'Support access consents, after they expire',
    action: 'deleted (the audit log keeps the grant and every access)',
    defaultDays: 365,
    minDays: 30,
    maxDays: 3650,
    scope: 'workspace',
  },
  outbound_webhooks: {
    label: 'Events sent to your webhook endpoints and their delivery log (contact details and message texts in them)',
    action: 'deleted, once delivered or given up; message texts go earlier if WhatsApp message content has a shorter period',
    defaultDays: 30,
    // A delivery is retried for 24 hours: the log must outlive it.
    minDays: 2,
    maxDays: 365,
    scope: 'workspace',
  },
  webhook_inbox: {
    label: 'Raw WhatsApp webhooks as Meta sent them (they hold message content)',
    action: 'deleted once processed and this old',
    defaultDays: 7,
    minDays: 1,
    maxDays: 30,
    scope: 'global',
  },
  delivery_events: {
    label: 'WhatsApp delivery status events (recipient number, time, status)',
    action: 'deleted',
    defaultDays: 30,
    minDays: 1,
    maxDays: 365,
    scope: 'global',
  },
  idempotency_keys: {
    label: 'Stored answers to retried requests (Idempotency-Key)',
    action: 'deleted',
    defaultDays: 7,
    minDays: 1,
    maxDays: 90,
    scope: 'global',
  },
  deletion_receipts: {
    label: 'Receipts of deletion requests (status pages)',
    action: 'deleted',
    defaultDays: 365,
    minDays: 30,
    maxDays: 3650,
    scope: 'global',
  },
} as const satisfies Record<string, RetentionPolicy>

export type RetentionKey = keyof typeof RETENTION_POLICIES

export const RETENTION_KEYS = Object.keys(RETENTION_POLICIES) as RetentionKey[]

/** Keys a workspace's admins may change. */
export const WORKSPACE_RETENTION_KEYS = RETENTION_KEYS.filter((k) => RETENTION_POLICIES[k].scope === 'workspace')
