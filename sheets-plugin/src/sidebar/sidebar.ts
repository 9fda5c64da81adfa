import { BACKEND_URL } from '../../../apps-script/src/build-constants.js'
import { guessMapping, isStatusHeader } from '../core/sheet-layout.js'
import type {
  CampaignSummary, ConnectionResult, HeaderCell, Result, SendProgress, SendSetup, SheetSetup, SidebarError, TemplateOption, VariableSource,
} from '../core/sidebar-protocol.js'
import { campaignView, progressView, sidebarView, unexpectedError, unexpectedFailureView, validationView, type SidebarView } from '../core/sidebar-view.js'
import { callServer } from './script-run.js'
import { variableLabel } from '../../../apps-script/src/core/variable-labels.js'

function element<T extends HTMLElement> (id: string, type: new () => T): T {
  const found = document.getElementById(id)
  if (!(found instanceof type)) throw new Error(`Sidebar markup lacks #${id}`)
  return found
}

const status = element('status', HTMLParagraphElement)
const connectedPanel = element('connected', HTMLElement)
const workspaceName = element('workspace-name', HTMLElement)
const userLine = element('user-line', HTMLElement)
const numberLine = element('number-line', HTMLElement)
const disconnectButton = element('disconnect', HTMLButtonElement)
const form = element('connect-form', HTMLFormElement)
const tokenInput = element('token', HTMLInputElement)
const errorBox = element('error', HTMLParagraphElement)
const tokenLink = element('token-link', HTMLAnchorElement)

const campaignPanel = element('campaign-panel', HTMLElement)
const campaignStatus = element('campaign-status', HTMLDivElement)
const campaignTitle = element('campaign-title', HTMLHeadingElement)
const campaignState = element('campaign-state', HTMLParagraphElement)
const campaignCounts = element('campaign-counts', HTMLElement)
const lastSync = element('last-sync', HTMLParagraphElement)
const syncButton = element('sync', HTMLButtonElement)
const pauseButton = element('pause', HTMLButtonElement)
const resumeButton = element('resume', HTMLButtonElement)
const cancelButton = element('cancel', HTMLButtonElement)
const newCampaignButton = element('new-campaign', HTMLButtonElement)

const sheetSelect = element('sheet', HTMLSelectElement)
const headerRowInput = element('header-row', HTMLInputElement)
const rowsLine = element('rows-line', HTMLParagraphElement)
const phoneSelect = element('phone-column', HTMLSelectElement)
const phoneInternational = element('phone-international', HTMLInputElement)
const templateSelect = element('template', HTMLSelectElement)
const templateText = element('template-text', HTMLParagraphElement)
const variablesBox = element('variables', HTMLFieldSetElement)
const noVariables = element('no-variables', HTMLParagraphElement)
const campaignNameInput = element('campaign-name', HTMLInputElement)

const previewRowInput = element('preview-row', HTMLInputElement)
const previewButton = element('preview', HTMLButtonElement)
const previewText = element('preview-text', HTMLParagraphElement)
const previewMissing = element('preview-missing', HTMLParagraphElement)
const testPhone = element('test-phone', HTMLInputElement)
const testButton = element('test-send', HTMLButtonElement)
const testResult = element('test-result', HTMLParagraphElement)

const validateButton = element('validate', HTMLButtonElement)
const validationBox = element('validation', HTMLDivElement)
const validationHeadline = element('validation-headline', HTMLParagraphElement)
const validationLines = element('validation-lines', HTMLUListElement)
const validationIssues = element('validation-issues', HTMLOListElement)
const validationChoice = element('validation-choice', HTMLDivElement)
const fixButton = element('fix', HTMLButtonElement)
const skipButton = element('skip', HTMLButtonElement)

const sendOptions = element('send-options', HTMLFieldSetElement)
const whenLater = element('when-later', HTMLInputElement)
const whenNow = element('when-now', HTMLInputElement)
const scheduleAt = element('schedule-at', HTMLInputElement)
const timeZoneLine = element('time-zone', HTMLParagraphElement)
const resendFailed = element('resend-failed', HTMLInputElement)
const sendButton = element('send', HTMLButtonElement)
const progressBox = element('progress-box', HTMLDivElement)
const progressBar = element('progress', HTMLProgressElement)
const progressText = element('progress-text', HTMLParagraphElement)
const continueButton = element('continue', HTMLButtonElement)

tokenLink.href = `${BACKEND_URL}/`

let timeZone = 'UTC'
let current: SheetSetup | null = null

// Text only ever goes in through textContent: workspace, user, header and row values are user data.
function showError (error: SidebarError | null): void {
  errorBox.hidden = error === null
  errorBox.textContent = error?.message ?? ''
  if (error === null) delete errorBox.dataset.code
  else errorBox.dataset.code = error.code
}

function renderConnection (view: SidebarView): void {
  status.hidden = true
  connectedPanel.hidden = view.mode !== 'connected'
  form.hidden = view.mode === 'connected'
  campaignPanel.hidden = view.mode !== 'connected'
  if (view.mode === 'connected') {
    workspaceName.textContent = view.workspaceName
    userLine.textContent = view.userLine
    numberLine.textContent = view.numberLine
    timeZone = view.timeZone
    timeZoneLine.textContent = `Times are in your workspace's zone, ${view.timeZone}.`
    showError(null)
    return
  }
  showError(view.error === null ? null : { code: view.errorCode ?? '', message: view.error })
  tokenInput.setAttribute('aria-invalid', String(view.errorCode !== null))
}

const allButtons = (): HTMLButtonElement[] => [...document.querySelectorAll('button')]

function setBusy (busy: boolean, label: string): void {
  for (const button of allButtons()) button.disabled = busy
  tokenInput.disabled = busy
  status.hidden = !busy
  status.textContent = busy ? label : ''
}

/** Runs a server call with the sidebar busy; failures of google.script.run itself become the generic error. */
async function run<T> (label: string, call: () => Promise<Result<T>>): Promise<T | null> {
  setBusy(true, label)
  try {
    const result = await call()
    if (!result.ok) {
      showError(result.error)
      return null
    }
    showError(null)
    return result.value
  } catch {
    showError(unexpectedError())
    return null
  } finally {
    setBusy(false, '')
    refreshControls()
  }
}

async function runConnection (label: string, call: () => Promise<ConnectionResult>): Promise<void> {
  setBusy(true, label)
  let view: SidebarView
  try {
    view = sidebarView(await call())
  } catch {
    view = unexpectedFailureView()
  }
  setBusy(false, '')
  renderConnection(view)
  if (view.mode === 'connected') await loadSetup({})
}

function option (value: string, text: string, selected = false): HTMLOptionElement {
  const o = document.createElement('option')
  o.value = value
  o.textContent = text
  o.selected = selected
  return o
}

const templateKey = (t: { name: string, language: string }): string => `${t.name}|${t.language}`
const selectedTemplate = (): TemplateOption | undefined => current?.templates.find((t) => templateKey(t) === templateSelect.value)
const dataHeaders = (): HeaderCell[] => (current?.headers ?? []).filter((h) => h.name.trim() !== '' && !isStatusHeader(h.name))
const columnLabel = (h: HeaderCell): string => `${h.letter} · ${h.name}`

function renderVariables (template: TemplateOption | undefined, sources: Record<string, VariableSource>): void {
  for (const old of [...variablesBox.querySelectorAll('.variable')]) old.remove()
  const variables = template?.variables ?? []
  noVariables.hidden = variables.length > 0
  variables.forEach((variable, i) => {
    const row = document.createElement('div')
    row.className = 'variable'
    const label = document.createElement('label')
    label.htmlFor = `var-${i}`
    label.textContent = variable.kind === 'text' ? `{{${variable.name}}} in the ${variable.component}` : variableLabel(variable)
    const select = document.createElement('select')
    select.id = `var-${i}`
    select.dataset.key = variable.key
    const source = sources[variable.key]
    select.append(option('', '— choose a column —', source === undefined))
    for (const h of dataHeaders()) select.append(option(String(h.column), columnLabel(h), source?.kind === 'column' && source.column === h.column))
    select.append(option('text', 'The same text for everyone…', source?.kind === 'text'))
    const text = document.createElement('input')
    text.type = 'text'
    text.id = `var-${i}-text`
    text.placeholder = variable.example ?? ''
    text.value = source?.kind === 'text' ? source.text : ''
    text.hidden = source?.kind !== 'text'
    text.setAttribute('aria-label', `Text for ${variable.name}`)
    select.addEventListener('change', () => {
      text.hidden = select.value !== 'text'
      formChanged()
    })
    text.addEventListener('input', formChanged)
    row.append(label, select, text)
    if (variable.example !== null) {
      const example = document.createElement('span')
      example.className = 'example'
      example.textContent = `Example: ${variable.example}`
      row.append(example)
    }
    variablesBox.append(row)
  })
}

function renderTemplateText (): void {
  const template = selectedTemplate()
  templateText.textContent = template?.text ?? 'No approved template: create one in WhatsApp Manager, then sync templates in Switchboard.'
}

function renderCampaign (campaign: CampaignSummary | null): void {
  campaignStatus.hidden = campaign === null
  if (campaign === null) return
  const view = campaignView(campaign, timeZone)
  campaignTitle.textContent = view.title
  campaignState.textContent = view.state
  campaignCounts.replaceChildren(...view.counts.flatMap(([label, value]) => {
    const dt = document.createElement('dt')
    dt.textContent = label
    const dd = document.createElement('dd')
    dd.textContent = value
    return [dt, dd]
  }))
  lastSync.textContent = view.lastSync
  pauseButton.hidden = campaign.state !== 'running' && campaign.state !== 'scheduled'
  resumeButton.hidden = campaign.state !== 'paused'
  cancelButton.hidden = campaign.state === 'completed' || campaign.state === 'cancelled' || campaign.state === 'draft'
  // A campaign with recipients keeps its template and name; "New campaign" frees them.
  templateSelect.disabled = campaign.counts.total > 0 || campaign.state !== 'draft'
  campaignNameInput.disabled = true
  if (current !== null) current.campaign = campaign
}

function renderProgress (progress: SendProgress | null): void {
  progressBox.hidden = progress === null
  if (progress === null) return
  const view = progressView(progress)
  progressBar.value = view.percent
  progressText.textContent = view.text
  continueButton.hidden = progress.done
  if (progress.campaign !== null) renderCampaign(progress.campaign)
}

function renderSetup (setup: SheetSetup): void {
  current = setup
  sheetSelect.replaceChildren(...setup.sheets.map((s) => option(String(s.id), s.name, s.id === setup.sheetId)))
  headerRowInput.value = String(setup.headerRow)
  rowsLine.textContent = `${setup.dataRows.toLocaleString('en-US')} ${setup.dataRows === 1 ? 'row' : 'rows'} below the header.`
  const chosen = setup.setup
  phoneSelect.replaceChildren(option('', '— choose the phone column —', chosen?.phone.header === ''), ...dataHeaders().map((h) => option(String(h.column), columnLabel(h), chosen?.phone.column === h.column)))
  phoneInternational.checked = chosen?.phoneInternational === true
  templateSelect.replaceChildren(...setup.templates.map((t) => option(templateKey(t), `${t.name} · ${t.language} (${t.category.toLowerCase()})`, chosen !== null && templateKey(t) === templateKey(chosen.template))))
  templateSelect.disabled = false
  renderTemplateText()
  renderVariables(selectedTemplate(), chosen?.variables ?? {})
  campaignNameInput.value = setup.campaign?.name ?? chosen?.campaignName ?? ''
  campaignNameInput.disabled = false
  previewRowInput.min = String(setup.headerRow + 1)
  if (Number(previewRowInput.value) <= setup.headerRow) previewRowInput.value = String(setup.headerRow + 1)
  renderCampaign(setup.campaign)
  renderProgress(setup.job)
  formChanged()
}

function readSetup (): SendSetup | null {
  if (current === null) return null
  const template = selectedTemplate()
  if (template === undefined) return null
  const headerOf = (column: number): string => current?.headers.find((h) => h.column === column)?.name ?? ''
  const phoneColumn = Number(phoneSelect.value)
  const variables: Record<string, VariableSource> = {}
  for (const select of variablesBox.querySelectorAll('select')) {
    const key = select.dataset.key
    if (key === undefined || select.value === '') continue
    if (select.value === 'text') {
      const text = document.getElementById(`${select.id}-text`)
      if (text instanceof HTMLInputElement) variables[key] = { kind: 'text', text: text.value }
    } else {
      variables[key] = { kind: 'column', column: Number(select.value), header: headerOf(Number(select.value)) }
    }
  }
  return {
    sheetId: current.sheetId,
    headerRow: current.headerRow,
    template: { name: template.name, language: template.language },
    phone: { column: phoneColumn, header: phoneColumn > 0 ? headerOf(phoneColumn) : '' },
    variables,
    campaignName: campaignNameInput.value,
    phoneInternational: phoneInternational.checked,
  }
}

let checked = false

/** Any change to the form asks for a new check before sending. */
function formChanged (): void {
  checked = false
  validationBox.hidden = true
  refreshControls()
}

function refreshControls (): void {
  const ready = current !== null && readSetup() !== null && phoneSelect.value !== ''
  phoneSelect.setAttribute('aria-invalid', String(current !== null && phoneSelect.value === ''))
  validateButton.disabled = !ready || status.hidden === false
  previewButton.disabled = !ready || status.hidden === false
  testButton.disabled = !ready || status.hidden === false
  sendOptions.disabled = !checked
  scheduleAt.disabled = !whenLater.checked
}

async function loadSetup (request: { sheetId?: number, headerRow?: number }): Promise<void> {
  const setup = await run('Reading the sheet…', () => callServer('getSheetSetup', request))
  if (setup !== null) renderSetup(setup)
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Drives a submission slice by slice until it is done, moving the progress bar; waits when the sheet is busy. */
async function drive (first: () => Promise<Result<SendProgress>>): Promise<void> {
  let call = first
  for (let busyRetries = 0; ;) {
    const progress = await run('Submitting rows…', call)
    if (progress === null) {
      continueButton.hidden = false
      return
    }
    renderProgress(progress)
    if (progress.error !== null) {
      showError(progress.error)
      if (progress.error.code === 'SB_CLIENT_BUSY' && busyRetries++ < 10) {
        await pause(5000)
        call = () => callServer('continueSend', progress.sheetId)
        continue
      }
      if (progress.done) break
      return
    }
    if (progress.done) break
    call = () => callServer('continueSend', progress.sheetId)
  }
  await sync()
}

async function sync (): Promise<void> {
  if (current === null) return
  const sheetId = current.sheetId
  const summary = await run('Syncing statuses…', () => callServer('syncNow', sheetId))
  if (summary === null) return
  renderCampaign(summary.campaign)
  lastSync.textContent = `${lastSync.textContent ?? ''} ${summary.changedRows.toLocaleString('en-US')} ${summary.changedRows === 1 ? 'row' : 'rows'} updated${summary.more ? '; more to come' : ''}.`
}

form.addEventListener('submit', (event) => {
  event.preventDefault()
  void runConnection('Checking the token…', () => callServer('connect', tokenInput.value)).then(() => {
    // The token lives in user properties now; never leave it in the page.
    if (!connectedPanel.hidden) tokenInput.value = ''
  })
})

disconnectButton.addEventListener('click', () => {
  current = null
  void runConnection('Disconnecting…', () => callServer('disconnect'))
})

sheetSelect.addEventListener('change', () => { void loadSetup({ sheetId: Number(sheetSelect.value) }) })
headerRowInput.addEventListener('change', () => {
  const headerRow = Number(headerRowInput.value)
  if (current !== null && Number.isInteger(headerRow) && headerRow >= 1) void loadSetup({ sheetId: current.sheetId, headerRow })
})
phoneSelect.addEventListener('change', formChanged)
phoneInternational.addEventListener('change', formChanged)
campaignNameInput.addEventListener('input', formChanged)
templateSelect.addEventListener('change', () => {
  renderTemplateText()
  renderVariables(selectedTemplate(), guessMapping(current?.headers ?? [], selectedTemplate()).variables)
  formChanged()
})
whenNow.addEventListener('change', refreshControls)
whenLater.addEventListener('change', refreshControls)

previewButton.addEventListener('click', () => {
  const setup = readSetup()
  if (setup === null) return
  void run('Filling in the template…', () => callServer('previewRow', setup, Number(previewRowInput.value))).then((preview) => {
    previewText.hidden = preview === null
    previewMissing.hidden = preview === null || preview.missing.length === 0
    if (preview === null) return
    previewText.textContent = preview.text
    previewMissing.textContent = `Row ${preview.row} has no value for ${preview.missing.join(', ')}: it would not be sent.`
  })
})

testButton.addEventListener('click', () => {
  const setup = readSetup()
  if (setup === null) return
  void run('Sending a test…', () => callServer('sendTest', setup, Number(previewRowInput.value), testPhone.value)).then((sent) => {
    testResult.hidden = sent === null
    if (sent !== null) testResult.textContent = `Test sent to ${sent.to} (${sent.status}).`
  })
})

validateButton.addEventListener('click', () => {
  const setup = readSetup()
  if (setup === null) return
  void run('Checking every row…', () => callServer('validateRows', setup)).then((summary) => {
    if (summary === null) return
    const view = validationView(summary)
    validationBox.hidden = false
    validationHeadline.textContent = view.headline
    validationLines.replaceChildren(...view.lines.map((line) => { const li = document.createElement('li'); li.textContent = line; return li }))
    validationIssues.replaceChildren(...view.issues.map((line) => { const li = document.createElement('li'); li.textContent = line; return li }))
    validationChoice.hidden = !view.hasIssues
    renderCampaign(summary.campaign)
    checked = !view.hasIssues
    refreshControls()
  })
})

fixButton.addEventListener('click', () => {
  validationChoice.hidden = true
  validationHeadline.textContent = 'Fix the rows listed in the sheet, then check the rows again.'
})

skipButton.addEventListener('click', () => {
  validationChoice.hidden = true
  checked = true
  refreshControls()
})

sendButton.addEventListener('click', () => {
  const setup = readSetup()
  if (setup === null) return
  const options = { scheduleAt: whenLater.checked ? scheduleAt.value : null, resendFailed: resendFailed.checked }
  renderProgress({ jobId: '', sheetId: setup.sheetId, totalRows: current?.dataRows ?? 0, doneRows: 0, segmentsDone: 0, segmentsTotal: 0, counts: { accepted: 0, existing: 0, requeued: 0, rejected: 0 }, submitted: false, started: false, done: false, campaign: current?.campaign ?? null, error: null })
  void drive(() => callServer('startSend', setup, options))
})

continueButton.addEventListener('click', () => {
  if (current !== null) {
    const sheetId = current.sheetId
    void drive(() => callServer('continueSend', sheetId))
  }
})

syncButton.addEventListener('click', () => { void sync() })

for (const [button, action] of [[pauseButton, 'pause'], [resumeButton, 'resume'], [cancelButton, 'cancel']] as const) {
  button.addEventListener('click', () => {
    if (current === null) return
    if (action === 'cancel' && !window.confirm('Cancel the campaign? Rows not sent yet will never be sent.')) return
    const sheetId = current.sheetId
    void run('Updating the campaign…', () => callServer('controlCampaign', sheetId, action)).then((campaign) => {
      if (campaign !== null) renderCampaign(campaign)
    })
  })
}

newCampaignButton.addEventListener('click', () => {
  if (current === null) return
  if (!window.confirm('Start a new campaign from this sheet? Its status cells are cleared, and the next send goes to every row. The current campaign keeps running.')) return
  const sheetId = current.sheetId
  void run('Detaching the campaign…', () => callServer('forgetCampaign', sheetId)).then((done) => {
    if (done !== null) void loadSetup({ sheetId })
  })
})

void runConnection('Checking the connection…', () => callServer('getConnection'))
