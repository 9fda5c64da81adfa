/** Codes for failures the Sheets add-on detects itself; the server never sends them. */
export const SHEETS_ERROR_CODES = {
  /** A chosen column is no longer in the header row. */
  columnMissing: 'SB_CLIENT_COLUMN_MISSING',
  /** Another execution (the hourly sync, another sidebar) holds the sheet's lock. */
  busy: 'SB_CLIENT_BUSY',
  /** The sheet has no campaign yet. */
  noCampaign: 'SB_CLIENT_NO_CAMPAIGN',
  /** The sheet's campaign has recipients and another template was chosen. */
  templateLocked: 'SB_CLIENT_TEMPLATE_LOCKED',
  /** The schedule is not a local date and time. */
  scheduleFormat: 'SB_CLIENT_SCHEDULE_FORMAT',
  /** The chosen sheet was deleted or renamed away. */
  sheetMissing: 'SB_CLIENT_SHEET_MISSING',
  /** No submission to continue. */
  noJob: 'SB_CLIENT_NO_JOB',
  /** A row number outside the data. */
  rowOutside: 'SB_CLIENT_ROW_OUTSIDE',
} as const

/** A code from SHEETS_ERROR_CODES. */
export type SheetsErrorCode = typeof SHEETS_ERROR_CODES[keyof typeof SHEETS_ERROR_CODES]
