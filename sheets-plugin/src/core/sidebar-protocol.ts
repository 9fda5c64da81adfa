/**
 * The contract between the sidebar (browser) and the server functions it calls through
 * `google.script.run`. Both sides compile against it: the sidebar can only name these
 * functions, and `entry.ts` fails to compile if it stops exporting one of them.
 * Values cross the boundary as JSON-like data only (Apps Script drops Dates and functions).
 */

export interface ConnectedUser {
  email: string
  displayName: string
  role: string
}

/** The WhatsApp number campaigns go out from. */
export interface SendingNumber {
  displayPhoneNumber: string
  verifiedName: string | null
  status: 'active' | 'paused'
}

/** What the sidebar shows about the connection. */
export interface Connection {
  workspaceName: string
  user: ConnectedUser
  /** IANA zone a scheduled time is read in. */
  timeZone: string
  /** `null` when the workspace has connected no WhatsApp number yet. */
  sendingNumber: SendingNumber | null
}

/** An error as the sidebar shows it: the code to branch on and a sentence for people. */
export interface SidebarError {
  code: string
  message: string
  field?: string
}

/** The answer of getConnection, connect and disconnect. */
export type ConnectionResult =
  | { ok: true, connection: Connection | null }
  | { ok: false, error: SidebarError }

/** Every other server function answers with a value or an error carrying its code. */
export type Result<T> = { ok: true, value: T } | { ok: false, error: SidebarError }

/** A column by position, with the header it had when chosen (to notice a moved column). */
export interface ColumnRef {
  column: number
  header: string
}

/** Where a template variable's value comes from: a column of the row, or the same text for everyone. */
export type VariableSource =
  | { kind: 'column', column: number, header: string }
  | { kind: 'text', text: string }

/** A template by name and language. */
export interface TemplateChoice {
  name: string
  language: string
}

/** Everything a send needs from the sidebar; kept per sheet so the sidebar opens as it was left. */
export interface SendSetup {
  sheetId: number
  /** 1-based; data starts on the next row. */
  headerRow: number
  template: TemplateChoice
  phone: ColumnRef
  /** Template variable key (`body.1`, `header.media`) → its source. */
  variables: Record<string, VariableSource>
  campaignName: string
  /**
   * "Numbers in this column are international": a phone Sheets stored as a Number (it lost its
   * `+`) is read as `+` and its digits. Off, such a phone is a `phone_ambiguous` row issue.
   */
  phoneInternational?: boolean
}

/** One variable of a template, as the backend lists it. */
export interface TemplateVariableOption {
  key: string
  name: string
  component: 'header' | 'body' | 'button'
  /** Header and button kinds beyond text and media (location, coupon code, payload, filename) come from the backend's variable list (issue 20). */
  kind: 'text' | 'image' | 'video' | 'document' | 'filename' | 'latitude' | 'longitude' | 'location_name' | 'location_address' | 'coupon_code' | 'payload'
  example: string | null
}

/** An approved template the sidebar offers. */
export interface TemplateOption {
  name: string
  language: string
  category: string
  /** The message with its placeholders. */
  text: string
  variables: TemplateVariableOption[]
}

/** One cell of the header row. */
export interface HeaderCell {
  column: number
  /** Column letters, e.g. `C`. */
  letter: string
  name: string
}

/** A sheet of the spreadsheet. */
export interface SheetSummary {
  id: number
  name: string
}

/** A campaign's state, as the backend names it. */
export type CampaignState = 'draft' | 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled'

/** Recipients by status, and how many replied. */
export interface CampaignCounts {
  total: number
  pending: number
  sent: number
  delivered: number
  read: number
  failed: number
  unknown: number
  cancelled: number
  replied: number
}

/** The campaign this sheet sends through, as last seen. */
export interface CampaignSummary {
  id: string
  name: string
  state: CampaignState
  template: TemplateChoice
  counts: CampaignCounts
  /** ISO instant, when scheduled. */
  scheduleAt: string | null
  /** ISO instant of the last status sync, or null before the first. */
  lastSyncAt: string | null
}

/** Which sheet and header row getSheetSetup reads. */
export interface SetupRequest {
  /** Default: the sheet last used, else the active sheet. */
  sheetId?: number
  /** Default: the header row last used for the sheet, else 1. */
  headerRow?: number
}

/** Everything the sidebar's form needs. */
export interface SheetSetup {
  spreadsheetName: string
  sheets: SheetSummary[]
  sheetId: number
  sheetName: string
  headerRow: number
  headers: HeaderCell[]
  /** Rows below the header, blank ones included. */
  dataRows: number
  templates: TemplateOption[]
  /** The saved setup, or one guessed from the headers; null when no template is approved. */
  setup: SendSetup | null
  campaign: CampaignSummary | null
  /** An unfinished submission, to resume. */
  job: SendProgress | null
}

/** Why the backend refuses a row. */
/**
 * Why a row is not sent. `cell_error` (a formula error or a pending import in a used cell) is
 * found by the add-on itself; the others are the backend's answer.
 */
export type RowProblem = 'phone_missing' | 'phone_invalid' | 'phone_ambiguous' | 'duplicate_in_request' | 'duplicate_in_campaign' | 'opted_out' | 'variable_missing' | 'variable_invalid' | 'cell_error'

/** One refused row in the validation summary. */
export interface RowIssue {
  /** Sheet row number, as people see it. */
  row: number
  problem: RowProblem
  message: string
}

/** The check before sending. */
export interface ValidationSummary {
  campaign: CampaignSummary
  /** Rows sent to the check (not yet in the campaign). */
  checkedRows: number
  /** Would be added. */
  readyRows: number
  /** Already in the campaign: never sent twice. */
  existingRows: number
  /** Skipped without asking: they already have a status from this campaign. */
  skippedRows: number
  problems: Record<RowProblem, number>
  /** The first issues, in sheet order. */
  issues: RowIssue[]
  /** More issues than listed. */
  truncated: boolean
  /** Rows that were not checked in the time available. */
  uncheckedRows: number
}

/** When to send, and whether failed rows go again. */
export interface SendOptions {
  /** Local 'YYYY-MM-DDTHH:mm' in the workspace's zone; null sends now. */
  scheduleAt: string | null
  /** Queue rows whose message failed again (an explicit choice; sent rows never are). */
  resendFailed: boolean
}

/** Rows by the backend's answer, summed over a submission. */
export interface SubmissionCounts {
  accepted: number
  existing: number
  requeued: number
  rejected: number
}

/** Where a submission stands after a slice. */
export interface SendProgress {
  jobId: string
  sheetId: number
  /** Data rows in the sheet when the job last looked. */
  totalRows: number
  /** Rows in finished thousand-row segments. */
  doneRows: number
  segmentsDone: number
  segmentsTotal: number
  counts: SubmissionCounts
  /** Every segment submitted. */
  submitted: boolean
  /** The campaign was started (or scheduled). */
  started: boolean
  /** Nothing is left to do. */
  done: boolean
  campaign: CampaignSummary | null
  /** Why this slice stopped early; the job stays resumable. */
  error: SidebarError | null
}

/** What a status sync did. */
export interface SyncSummary {
  campaign: CampaignSummary
  /** Rows whose status cells changed. */
  changedRows: number
  /** Changed recipients whose row is gone from the sheet. */
  missingRows: number
  /** Whether more changes are waiting (the time ran out). */
  more: boolean
}

/** One row's final message. */
export interface PreviewResult {
  row: number
  text: string
  /** Variable keys without a value in this row. */
  missing: string[]
}

/** A test message's first status. */
export interface TestSendResult {
  to: string
  status: string
}

/** What the status panel can do to a campaign. */
export type CampaignAction = 'pause' | 'resume' | 'cancel'

/** Every server function and its signature. */
export interface ServerFunctions {
  /** The stored connection, checked against the backend; `connection: null` when none is stored. */
  getConnection: () => ConnectionResult
  /** Checks a pasted API token against the backend and stores it only if it works. */
  connect: (token: string) => ConnectionResult
  /** Forgets the stored API token. */
  disconnect: () => ConnectionResult
  /** Sheets, the header row's columns, approved templates, the saved or guessed mapping, and the sheet's campaign. */
  getSheetSetup: (request: SetupRequest) => Result<SheetSetup>
  /** The final message one row would receive. */
  previewRow: (setup: SendSetup, row: number) => Result<PreviewResult>
  /** Checks every row not yet in the campaign, storing nothing but row ids: the summary before sending. */
  validateRows: (setup: SendSetup) => Result<ValidationSummary>
  /** Sends the template, filled from one row, to one number. */
  sendTest: (setup: SendSetup, row: number, phone: string) => Result<TestSendResult>
  /** Starts submitting the sheet; the sidebar calls continueSend until `done`. */
  startSend: (setup: SendSetup, options: SendOptions) => Result<SendProgress>
  /** The next slice of an unfinished submission. */
  continueSend: (sheetId: number) => Result<SendProgress>
  /** Pulls the campaign's change feed and writes the rows that changed. */
  syncNow: (sheetId: number) => Result<SyncSummary>
  /** Pauses, resumes or cancels the sheet's campaign. */
  controlCampaign: (sheetId: number, action: CampaignAction) => Result<CampaignSummary>
  /** Detaches the sheet from its campaign and clears its status cells (row ids stay), so the next send starts a new one. */
  forgetCampaign: (sheetId: number) => Result<{ clearedRows: number }>
}

/** A server function's name. */
export type ServerFunctionName = keyof ServerFunctions

/** Every server function the sidebar may call; the build test checks each is a global function in Code.js. */
export const SERVER_FUNCTION_NAMES = [
  'getConnection', 'connect', 'disconnect', 'getSheetSetup', 'previewRow', 'validateRows', 'sendTest',
  'startSend', 'continueSend', 'syncNow', 'controlCampaign', 'forgetCampaign',
] as const satisfies readonly ServerFunctionName[]

type Assert<T extends true> = T
// Fails to compile when ServerFunctions gains a function that the list above lacks.
export type ServerFunctionNamesComplete = Assert<[Exclude<ServerFunctionName, typeof SERVER_FUNCTION_NAMES[number]>] extends [never] ? true : false>
