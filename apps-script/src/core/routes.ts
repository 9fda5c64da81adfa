/**
 * Every backend path a client calls. One module for all clients (Sheets, Gmail, Outlook),
 * so a renamed route is one edit rather than a hunt through copies of an endpoint table.
 */
export const ROUTES = {
  health: '/health',
  me: '/api/v1/me',
  whatsappConnection: '/api/v1/whatsapp/connection',
  templates: '/api/v1/whatsapp/templates',
  templatePreview: '/api/v1/whatsapp/templates/preview',
  campaigns: '/api/v1/campaigns',
  campaignTestSend: '/api/v1/campaigns/test-send',
  addonView: '/api/v1/addon/view',
  emailLog: '/api/v1/emails/log',
  contacts: '/api/v1/contacts',
  deals: '/api/v1/deals',
  pipelines: '/api/v1/pipelines',
  activities: '/api/v1/activities',
} as const

/** A path under one campaign, built by CAMPAIGN_ROUTES. */
export type CampaignPath = `/api/v1/campaigns/${string}`

/** A path under contacts, deals or activities, built by CRM_ROUTES. */
export type CrmPath = `/api/v1/${'contacts' | 'deals' | 'activities'}${string}`

/** Any path a client may call. */
export type RoutePath = typeof ROUTES[keyof typeof ROUTES] | CampaignPath | CrmPath

const campaign = (id: string): CampaignPath => `/api/v1/campaigns/${encodeURIComponent(id)}`

/** Paths of one campaign's endpoints. */
export const CAMPAIGN_ROUTES = {
  campaign,
  recipients: (id: string): CampaignPath => `${campaign(id)}/recipients`,
  validate: (id: string): CampaignPath => `${campaign(id)}/recipients/validate`,
  preview: (id: string): CampaignPath => `${campaign(id)}/preview`,
  start: (id: string): CampaignPath => `${campaign(id)}/start`,
  pause: (id: string): CampaignPath => `${campaign(id)}/pause`,
  resume: (id: string): CampaignPath => `${campaign(id)}/resume`,
  cancel: (id: string): CampaignPath => `${campaign(id)}/cancel`,
  changes: (id: string, cursor: string, limit: number): CampaignPath =>
    `${campaign(id)}/changes?cursor=${encodeURIComponent(cursor)}&limit=${limit}`,
} as const

/** `?q=…&limit=…` with the text encoded; undefined values are left out. */
function query (values: Record<string, string | number | undefined>): string {
  const parts = Object.entries(values).flatMap(([key, value]) => value === undefined ? [] : [`${key}=${encodeURIComponent(String(value))}`])
  return parts.length === 0 ? '' : `?${parts.join('&')}`
}

/** Paths of the CRM endpoints the Gmail add-on (and the Outlook add-in) call with ids or queries. */
export const CRM_ROUTES = {
  searchContacts: (q: string, limit: number): CrmPath => `/api/v1/contacts${query({ q, limit })}`,
  searchDeals: (q: string, limit: number): CrmPath => `/api/v1/deals${query({ q, limit })}`,
  dealStage: (id: string): CrmPath => `/api/v1/deals/${encodeURIComponent(id)}/stage`,
  recentActivities: (limit: number): CrmPath => `/api/v1/activities${query({ limit })}`,
  whatsappThread: (contactId: string, limit: number): CrmPath => `/api/v1/contacts/${encodeURIComponent(contactId)}/whatsapp${query({ limit })}`,
  whatsappSend: (contactId: string): CrmPath => `/api/v1/contacts/${encodeURIComponent(contactId)}/whatsapp`,
} as const

/** Joins the configured backend URL (with or without a trailing slash) and a route path. */
export function routeUrl (baseUrl: string, path: RoutePath): string {
  return baseUrl.replace(/\/+$/, '') + path
}
