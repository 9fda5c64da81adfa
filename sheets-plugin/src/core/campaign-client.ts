import type {
  Campaign, Changes, CreateCampaignRequest, Submission, SubmitRecipientsRequest, Template, TemplatePreview, TemplateRef,
  TestSendRequest, ThreadMessage, WhatsappConnectionStatus,
} from '../../../apps-script/src/core/api-types.js'
import {
  BackendError, createRequester, interpretResponse, unreachable, type BackendClientOptions, type HttpBatchTransport, type HttpResponse,
} from '../../../apps-script/src/core/backend-client.js'
import { CAMPAIGN_ROUTES, ROUTES } from '../../../apps-script/src/core/routes.js'

/** One chunk of at most 1,000 rows and the Idempotency-Key that makes a retry of it safe. */
export interface KeyedChunk {
  key: string
  body: SubmitRecipientsRequest
}

/** Each chunk's answer, or the error that chunk got; the order is the chunks' order. */
export type ChunkOutcome = Submission | BackendError

/** The campaign and template endpoints, synchronous like UrlFetchApp. */
export interface CampaignClient {
  connection: () => WhatsappConnectionStatus
  /** Approved templates with their variables. */
  templates: () => Template[]
  previewTemplate: (ref: TemplateRef) => TemplatePreview
  create: (request: CreateCampaignRequest) => Campaign
  get: (id: string) => Campaign
  /**
   * Submits chunks side by side (one fetchAll). Throws SB_CLIENT_UNREACHABLE when any request
   * got no answer: then nobody knows which chunks arrived, and a retry with the same keys
   * replays the ones that did.
   */
  submit: (campaignId: string, chunks: readonly KeyedChunk[]) => ChunkOutcome[]
  /** The same check as submit, storing nothing, side by side. */
  validate: (campaignId: string, chunks: readonly SubmitRecipientsRequest[]) => ChunkOutcome[]
  start: (id: string, scheduleAt: string | null) => Campaign
  control: (id: string, action: 'pause' | 'resume' | 'cancel') => Campaign
  changes: (id: string, cursor: string, limit: number) => Changes
  testSend: (request: TestSendRequest) => ThreadMessage
}

/** The backend, the token, and both transports. */
export interface CampaignClientOptions extends BackendClientOptions {
  batchTransport: HttpBatchTransport
}

/** The campaign endpoints the Sheets add-on drives; pure, with the transports injected. */
export function createCampaignClient (options: CampaignClientOptions): CampaignClient {
  const { prepare, send } = createRequester(options)

  const sideBySide = (requests: ReturnType<typeof prepare>[]): ChunkOutcome[] => {
    let responses: HttpResponse[]
    try {
      responses = options.batchTransport(requests)
    } catch (cause) {
      throw unreachable(cause)
    }
    return responses.map((response) => {
      try {
        return interpretResponse<Submission>(response)
      } catch (error) {
        if (error instanceof BackendError) return error
        throw error
      }
    })
  }

  return {
    connection: () => send<WhatsappConnectionStatus>('get', ROUTES.whatsappConnection, { authenticated: true }),
    templates: () => send<{ items: Template[] }>('get', ROUTES.templates, { authenticated: true }).items,
    previewTemplate: (ref) => send<TemplatePreview>('post', ROUTES.templatePreview, { authenticated: true, body: ref }),
    create: (request) => send<Campaign>('post', ROUTES.campaigns, { authenticated: true, body: request }),
    get: (id) => send<Campaign>('get', CAMPAIGN_ROUTES.campaign(id), { authenticated: true }),
    submit: (campaignId, chunks) => sideBySide(chunks.map((chunk) =>
      prepare('post', CAMPAIGN_ROUTES.recipients(campaignId), { authenticated: true, body: chunk.body, headers: { 'Idempotency-Key': chunk.key } }))),
    validate: (campaignId, chunks) => sideBySide(chunks.map((body) =>
      prepare('post', CAMPAIGN_ROUTES.validate(campaignId), { authenticated: true, body }))),
    start: (id, scheduleAt) => send<Campaign>('post', CAMPAIGN_ROUTES.start(id), { authenticated: true, body: scheduleAt === null ? {} : { scheduleAt } }),
    control: (id, action) => send<Campaign>('post', CAMPAIGN_ROUTES[action](id), { authenticated: true }),
    changes: (id, cursor, limit) => send<Changes>('get', CAMPAIGN_ROUTES.changes(id, cursor, limit), { authenticated: true }),
    testSend: (request) => send<ThreadMessage>('post', ROUTES.campaignTestSend, { authenticated: true, body: request }),
  }
}
