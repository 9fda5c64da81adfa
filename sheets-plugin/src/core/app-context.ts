import type { CampaignClient } from './campaign-client.js'
import { CHUNK_ROWS } from './chunks.js'
import { documentState, type DocumentState } from './document-state.js'
import type { HostPort, SheetPort, StatePort } from './ports.js'

/** The add-on's pacing, chosen for Apps Script's limits. */
export const PACING = {
  /** Rows one sidebar call submits: small enough for the progress bar to move, large enough to need few reads. */
  sliceRows: 5 * CHUNK_ROWS,
  /** Chunks sent side by side in one fetchAll. */
  parallel: 5,
  /** A chunk answered 429 or 5xx is sent again at most this many times in one slice. */
  retries: 4,
  /** The first wait before such a retry, doubling each time; Retry-After wins when longer. */
  retryBaseMs: 2_000,
  /** Validation chunks per fetchAll. */
  validateParallel: 10,
  /** A slice starts no new batch after this: the 6-minute limit leaves time for the write-back. */
  sliceBudgetMs: 4.5 * 60_000,
  /** Change-feed pages are read until this, then the rows are written. */
  syncBudgetMs: 4 * 60_000,
  /** The hourly trigger stops taking on sheets after this. */
  triggerBudgetMs: 4.5 * 60_000,
  /** Rows per change-feed page (the backend's maximum). */
  changesPage: 5000,
  /** Issues listed in the validation summary. */
  issuesShown: 200,
  /** A finished campaign is still followed (replies come late) for this long after its last change. */
  followAfterDoneMs: 3 * 24 * 3_600_000,
  /** Templates are cached per user for this long. */
  templatesCacheSeconds: 300,
} as const

/** The ports the add-on's logic runs on. */
export interface SheetsAppDependencies {
  sheet: SheetPort
  state: StatePort
  host: HostPort
  /** The campaign client with the stored token; throws SB_UNAUTHENTICATED without one. */
  client: () => CampaignClient
  /** A small per-user cache (CacheService), for the template list. */
  cache?: { get: (key: string) => string | null, put: (key: string, value: string, seconds: number) => void }
  /**
   * Which credential the cache belongs to (a digest of the stored API token): templates are
   * a workspace's, and after switching tokens the other workspace's must never show.
   */
  cacheScope?: () => string
}

/** What every part of the add-on's logic works on: the ports and the typed document state. */
export interface AppContext {
  deps: SheetsAppDependencies
  sheet: SheetPort
  host: HostPort
  docs: DocumentState
}

/** The context of one set of ports. */
export function appContext (deps: SheetsAppDependencies): AppContext {
  return { deps, sheet: deps.sheet, host: deps.host, docs: documentState(deps.state) }
}
