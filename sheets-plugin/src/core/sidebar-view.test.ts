import { describe, expect, it } from 'vitest'
import type { CampaignSummary, SendProgress, ValidationSummary } from './sidebar-protocol.js'
import { campaignView, formatInstant, progressView, sidebarView, unexpectedFailureView, validationView } from './sidebar-view.js'

describe('sidebarView', () => {
  it.each([
    { description: 'name and email', user: { displayName: 'Ada', email: 'ada@example.com', role: 'admin' }, line: 'Ada (ada@example.com) · admin' },
    { description: 'name equal to email', user: { displayName: 'ada@example.com', email: 'ada@example.com', role: 'agent' }, line: 'ada@example.com · agent' },
    { description: 'blank name', user: { displayName: '  ', email: 'ada@example.com', role: 'owner' }, line: 'ada@example.com · owner' },
  ])('shows the connected user ($description)', ({ user, line }) => {
    expect(sidebarView({ ok: true, connection: { workspaceName: 'Acme', user, timeZone: 'Europe/Madrid', sendingNumber: null } }))
      .toEqual({ mode: 'connected', workspaceName: 'Acme', userLine: line, numberLine: 'No WhatsApp number is connected to this workspace yet.', timeZone: 'Europe/Madrid' })
  })

  it.each([
    { description: 'active, with a verified name', number: { displayPhoneNumber: '+1 555-010-0240', verifiedName: 'Acme', status: 'active' as const }, line: 'Sending from +1 555-010-0240 (Acme)' },
    { description: 'paused by WhatsApp', number: { displayPhoneNumber: '+1 555-010-0240', verifiedName: null, status: 'paused' as const }, line: 'Sending from +1 555-010-0240 · paused by WhatsApp' },
  ])('shows the sending number ($description)', ({ number, line }) => {
    const view = sidebarView({ ok: true, connection: { workspaceName: 'Acme', user: { displayName: 'Ada', email: 'a@x', role: 'admin' }, timeZone: 'UTC', sendingNumber: number } })
    expect(view.mode === 'connected' && view.numberLine).toBe(line)
  })

  it('shows the connect form without an error when nothing is stored', () => {
    expect(sidebarView({ ok: true, connection: null })).toEqual({ mode: 'disconnected', error: null, errorCode: null })
  })

  it('shows the connect form with the error sentence and its code', () => {
    expect(sidebarView({ ok: false, error: { code: 'SB_UNAUTHENTICATED', message: 'Token revoked' } }))
      .toEqual({ mode: 'disconnected', error: 'Token revoked', errorCode: 'SB_UNAUTHENTICATED' })
  })

  it('has a view for failures of google.script.run itself', () => {
    expect(unexpectedFailureView()).toMatchObject({ mode: 'disconnected', errorCode: 'SB_CLIENT_UNEXPECTED' })
  })
})

const CAMPAIGN: CampaignSummary = {
  id: 'cmp_1', name: 'November', state: 'running', template: { name: 'welcome_offer', language: 'en_US' },
  counts: { total: 2000, pending: 10, sent: 500, delivered: 900, read: 580, failed: 10, unknown: 0, cancelled: 0, replied: 3 },
  scheduleAt: null, lastSyncAt: null,
}

function progress (over: Partial<SendProgress>): SendProgress {
  return {
    jobId: 'j', sheetId: 0, totalRows: 10_000, doneRows: 0, segmentsDone: 0, segmentsTotal: 10, counts: { accepted: 0, existing: 0, requeued: 0, rejected: 0 },
    submitted: false, started: false, done: false, campaign: null, error: null, ...over,
  }
}

describe('progressView', () => {
  it.each([
    { description: 'half way', p: progress({ doneRows: 5000 }), percent: 50, text: 'Submitted 5,000 of 10,000 rows…' },
    { description: 'all in, not started', p: progress({ doneRows: 10_000, submitted: true }), percent: 99, text: 'All rows are in. Starting the campaign…' },
    {
      description: 'done',
      p: progress({ doneRows: 10_000, submitted: true, started: true, done: true, counts: { accepted: 9990, existing: 2, requeued: 1, rejected: 7 } }),
      percent: 100,
      text: 'Done: 9,991 rows queued, 2 already in the campaign, 7 not sent (see the Reason column).',
    },
    {
      description: 'scheduled',
      p: progress({ doneRows: 1, totalRows: 1, submitted: true, started: true, done: true, counts: { accepted: 1, existing: 0, requeued: 0, rejected: 0 }, campaign: { ...CAMPAIGN, state: 'scheduled', scheduleAt: '2027-01-01T09:00:00.000Z' } }),
      percent: 100,
      text: 'Done: 1 row queued for the scheduled time.',
    },
  ])('shows the bar and a sentence ($description)', ({ p, percent, text }) => {
    expect(progressView(p)).toEqual({ percent, text })
  })
})

describe('campaignView', () => {
  it('adds read to delivered and both to sent, as people count them', () => {
    const view = campaignView(CAMPAIGN, 'UTC')
    expect(view.counts).toEqual([['Recipients', '2,000'], ['Queued', '10'], ['Sent', '1,980'], ['Delivered', '1,480'], ['Read', '580'], ['Replied', '3'], ['Failed', '10']])
    expect(view.state).toBe('Sending')
    expect(view.lastSync).toBe('Statuses not synced yet.')
  })

  it('shows a scheduled time in the workspace\'s zone', () => {
    const view = campaignView({ ...CAMPAIGN, state: 'scheduled', scheduleAt: '2027-03-01T08:30:00.000Z' }, 'America/Sao_Paulo')
    expect(view.state).toBe(`Scheduled for ${formatInstant('2027-03-01T08:30:00.000Z', 'America/Sao_Paulo')}`)
    expect(view.state).toContain('05:30')
  })
})

describe('validationView', () => {
  const summary: ValidationSummary = {
    campaign: CAMPAIGN, checkedRows: 2000, readyRows: 1990, existingRows: 0, skippedRows: 0,
    problems: { phone_missing: 1, phone_invalid: 2, duplicate_in_request: 3, duplicate_in_campaign: 0, opted_out: 1, variable_missing: 1, phone_ambiguous: 0, cell_error: 0, variable_invalid: 0 },
    issues: [{ row: 7, problem: 'phone_invalid', message: 'Not a valid phone number' }], truncated: true, uncheckedRows: 0,
  }

  it('counts the problems and lists the rows', () => {
    const view = validationView(summary)
    expect(view.headline).toBe('1,990 rows are ready to send, 8 cannot be sent.')
    expect(view.lines).toEqual([
      '1 row without a phone number', '2 rows with an invalid phone number', '3 rows repeating a number of another row',
      '1 row opted out of marketing messages', '1 row missing a template value',
    ])
    expect(view.issues).toEqual(['Row 7: Not a valid phone number', '…and more: see the Reason column after sending.'])
    expect(view.hasIssues).toBe(true)
  })

  it('has nothing to choose when every row is fine', () => {
    const clean = validationView({ ...summary, readyRows: 1, problems: { phone_missing: 0, phone_invalid: 0, duplicate_in_request: 0, duplicate_in_campaign: 0, opted_out: 0, variable_missing: 0, phone_ambiguous: 0, cell_error: 0, variable_invalid: 0 }, issues: [], truncated: false, skippedRows: 5 })
    expect(clean).toEqual({ headline: '1 row is ready to send.', lines: ['5 skipped: they already have a status'], issues: [], hasIssues: false })
  })
})
