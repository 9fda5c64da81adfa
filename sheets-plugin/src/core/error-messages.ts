import { describeError as describeShared, type DescribableError } from '../../../apps-script/src/core/error-messages.js'
import type { SheetsErrorCode } from './sheets-errors.js'

/** Words for the failures only the Sheets add-on detects (the shared ones cover the server's codes). */
const SHEETS_MESSAGES: Record<SheetsErrorCode, string> = {
  SB_CLIENT_COLUMN_MISSING: 'A column you chose is no longer in the header row. Choose the columns again.',
  SB_CLIENT_BUSY: 'Switchboard is already updating this sheet (the hourly sync or another sidebar). Try again in a minute.',
  SB_CLIENT_NO_CAMPAIGN: 'This sheet has no campaign yet. Check the rows or send first.',
  SB_CLIENT_TEMPLATE_LOCKED: 'This sheet\'s campaign already has recipients with another template. Start a new campaign to use this one.',
  SB_CLIENT_SCHEDULE_FORMAT: 'Choose a date and a time for the schedule.',
  SB_CLIENT_SHEET_MISSING: 'That sheet is gone. Choose another sheet.',
  SB_CLIENT_NO_JOB: 'There is nothing left to submit.',
  SB_CLIENT_ROW_OUTSIDE: 'Choose a row number below the header row.',
}

/** The sentence the sidebar shows for an error. */
export function describeError (error: DescribableError): string {
  return describeShared(error, SHEETS_MESSAGES)
}
