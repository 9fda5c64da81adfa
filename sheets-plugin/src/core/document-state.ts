import type { StatePort } from './ports.js'
import type { CampaignSummary, SendSetup, SubmissionCounts } from './sidebar-protocol.js'

/** The sheet's campaign and where its change feed was last read. */
export interface CampaignBinding extends CampaignSummary {
  /** Change-feed cursor after the last rows written. */
  cursor: string
  /** ISO instant a sync last found a change: a finished campaign is followed a while for late replies. */
  lastChangeAt: string | null
}

/** What the add-on remembers per sheet. */
export interface SheetState {
  setup: SendSetup | null
  campaign: CampaignBinding | null
}

/**
 * An unfinished submission. Rows are not stored (a 50,000-row sheet would not fit in
 * properties): the sheet itself is re-read, and `done` marks finished thousand-row segments.
 */
export interface SubmissionJob {
  jobId: string
  campaignId: string
  setup: SendSetup
  resendFailed: boolean
  scheduleAt: string | null
  /** One character per segment: '1' finished, '0' not yet. */
  done: string
  /** Each segment's first row id (chunks.ts), fixed when the first slice reads the sheet; absent before. */
  boundaries?: string[]
  started: boolean
  counts: SubmissionCounts
  createdAt: number
}

const VERSION = 'sb1'
const sheetKey = (sheetId: number): string => `${VERSION}.sheet.${sheetId}`
const jobKey = (sheetId: number): string => `${VERSION}.job.${sheetId}`
const LAST_SHEET = `${VERSION}.lastSheet`

function parse<T> (text: string | null): T | null {
  if (text === null) return null
  try {
    return JSON.parse(text) as T
  } catch {
    // A value from an older or broken version is dropped rather than crashing every call.
    return null
  }
}

/** Typed access to the add-on's document state. */
export function documentState (state: StatePort) {
  return {
    sheet: (sheetId: number): SheetState => parse<SheetState>(state.get(sheetKey(sheetId))) ?? { setup: null, campaign: null },
    saveSheet: (sheetId: number, value: SheetState): void => { state.set(sheetKey(sheetId), JSON.stringify(value)) },
    job: (sheetId: number): SubmissionJob | null => parse<SubmissionJob>(state.get(jobKey(sheetId))),
    saveJob: (sheetId: number, job: SubmissionJob): void => { state.set(jobKey(sheetId), JSON.stringify(job)) },
    deleteJob: (sheetId: number): void => { state.delete(jobKey(sheetId)) },
    lastSheet: (): number | null => {
      const value = state.get(LAST_SHEET)
      return value === null || !/^\d+$/.test(value) ? null : Number(value)
    },
    setLastSheet: (sheetId: number): void => { state.set(LAST_SHEET, String(sheetId)) },
    /** Sheets with a campaign or a job, for the hourly trigger. */
    sheetIds: (): number[] => {
      const ids = new Set<number>()
      for (const key of state.keys()) {
        const match = /^sb1\.(?:sheet|job)\.(\d+)$/.exec(key)
        if (match !== null) ids.add(Number(match[1]))
      }
      return [...ids].sort((a, b) => a - b)
    },
  }
}

/** Typed document state. */
export type DocumentState = ReturnType<typeof documentState>
