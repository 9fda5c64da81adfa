import type { Campaign } from '../../../apps-script/src/core/api-types.js'
import { BackendError } from '../../../apps-script/src/core/backend-client.js'
import type { AppContext } from './app-context.js'
import type { CampaignClient } from './campaign-client.js'
import type { CampaignBinding, SheetState } from './document-state.js'
import { describeError } from './error-messages.js'
import { SHEETS_ERROR_CODES } from './sheets-errors.js'
import type { CampaignSummary, SendSetup, SidebarError } from './sidebar-protocol.js'

/** A campaign as the sidebar shows it. */
export function summaryOf (campaign: Campaign, lastSyncAt: string | null): CampaignSummary {
  const { total, pending, sent, delivered, read, failed, unknown, cancelled, replied } = campaign.counts
  return {
    id: campaign.id,
    name: campaign.name,
    state: campaign.state,
    template: { name: campaign.templateName, language: campaign.templateLanguage },
    counts: { total, pending, sent, delivered, read, failed, unknown, cancelled, replied },
    scheduleAt: campaign.scheduleAt,
    lastSyncAt,
  }
}

/** Turns a failure into what the sidebar shows. */
export function sidebarError (error: BackendError): SidebarError {
  const shown: SidebarError = { code: error.code, message: describeError({ code: error.code, message: error.message }) }
  if (error.field !== undefined) shown.field = error.field
  return shown
}

/** What the sidebar may see of a binding (no cursor). */
export function publicSummary (binding: CampaignBinding | null): CampaignSummary | null {
  if (binding === null) return null
  const { id, name, state, template, counts, scheduleAt, lastSyncAt } = binding
  return { id, name, state, template, counts, scheduleAt, lastSyncAt }
}

/** The sheet's campaign binding and remembered setup, in document state. */
export function createBindings ({ docs }: AppContext) {
  function saveBinding (sheetId: number, campaign: Campaign, previous: CampaignBinding | null): CampaignBinding {
    const st = docs.sheet(sheetId)
    const same = previous?.id === campaign.id
    const binding: CampaignBinding = {
      ...summaryOf(campaign, same ? previous.lastSyncAt : null),
      cursor: same ? previous.cursor : '',
      lastChangeAt: same ? previous.lastChangeAt : null,
    }
    docs.saveSheet(sheetId, { ...st, campaign: binding })
    return binding
  }

  /** The sheet's campaign for this setup: the bound one, or a new draft. */
  function ensureCampaign (client: CampaignClient, setup: SendSetup): CampaignBinding {
    const st = docs.sheet(setup.sheetId)
    const bound = st.campaign
    if (bound !== null) {
      if (bound.template.name === setup.template.name && bound.template.language === setup.template.language) return bound
      if (bound.counts.total > 0 || bound.state !== 'draft') throw new BackendError(SHEETS_ERROR_CODES.templateLocked, 'The campaign uses another template', 0, { field: 'template' })
    }
    const variableMapping = Object.fromEntries(Object.entries(setup.variables).map(([key, source]) =>
      [key, (source.kind === 'column' ? source.header : `text: ${source.text}`).slice(0, 200)]))
    variableMapping['phone'] = setup.phone.header.slice(0, 200)
    const campaign = client.create({ name: setup.campaignName.trim() || 'Campaign from Google Sheets', template: setup.template, variableMapping, source: 'sheets' })
    return saveBinding(setup.sheetId, campaign, null)
  }

  function rememberSetup (setup: SendSetup): SheetState {
    const st = docs.sheet(setup.sheetId)
    const next = { ...st, setup }
    docs.saveSheet(setup.sheetId, next)
    docs.setLastSheet(setup.sheetId)
    return next
  }

  function requireBinding (sheetId: number): CampaignBinding {
    const binding = docs.sheet(sheetId).campaign
    if (binding === null) throw new BackendError(SHEETS_ERROR_CODES.noCampaign, 'No campaign', 0)
    return binding
  }

  return { saveBinding, ensureCampaign, rememberSetup, requireBinding }
}

/** The binding operations of one context. */
export type Bindings = ReturnType<typeof createBindings>
