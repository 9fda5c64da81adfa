import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { loadAppsScript, type AppsScriptRuntime } from './test-support/apps-script-runtime.js'
import { startBackend, type BackendProcess } from './test-support/backend-process.js'
import { googleScriptRunShim } from './test-support/script-run-shim.js'
import { buildSheetsAddon } from './test-support/sheets-fixtures.js'

/**
 * `npm run preview:sheets -- contacts.csv`: the built Sheets add-on in the local Apps Script
 * runtime, with the CSV as its sheet, served to your browser: the sheet on the left (it
 * shows what the add-on writes), the sidebar on the right, its google.script.run calls going
 * to the runtime. Without --backend-url it starts a backend in sandbox mode (and the
 * campaign sender) with a throwaway workspace, so messages go to the local Cloud API sandbox.
 */

const USAGE = `Usage: npm run preview:sheets -- <file.csv> [--port 8790] [--backend-url <url> --token <sbt_…>]

  <file.csv>           the sheet: first line is the header row; cells are kept as text
  --port <n>           where to serve the preview (default 8790)
  --backend-url <url>  use a running backend instead of starting one in sandbox mode
  --token <token>      an API token for --backend-url (else paste one into the sidebar)`

/** Splits CSV text (RFC 4180: quotes, doubled quotes, newlines inside quotes) into rows. */
export function parseCsv (text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  const source = text.replace(/^\uFEFF/, '')
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!
    if (quoted) {
      if (c === '"' && source[i + 1] === '"') { cell += '"'; i++ } else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(cell); cell = '' } else if (c === '\n' || c === '\r') {
      if (c === '\r' && source[i + 1] === '\n') i++
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
    } else cell += c
  }
  if (cell !== '' || row.length > 0) { row.push(cell); rows.push(row) }
  return rows.filter((r) => r.some((v) => v.trim() !== ''))
}

const PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard for Sheets — local preview</title>
<style>
  body { margin: 0; display: flex; height: 100vh; font: 13px Roboto, Arial, sans-serif; }
  #sheet { flex: 1; overflow: auto; border-right: 1px solid #dadce0; }
  #bar { position: sticky; top: 0; background: #f8f9fa; padding: 6px 8px; border-bottom: 1px solid #dadce0; display: flex; gap: 8px; align-items: center; }
  table { border-collapse: collapse; }
  td, th { border: 1px solid #e0e0e0; padding: 2px 6px; white-space: nowrap; max-width: 240px; overflow: hidden; text-overflow: ellipsis; }
  th { background: #f1f3f4; position: sticky; top: 37px; }
  td.hidden, th.hidden { background: #fafafa; color: #9aa0a6; font-style: italic; }
  iframe { width: 320px; border: 0; }
</style></head>
<body>
  <div id="sheet"><div id="bar"><strong id="title"></strong><button id="tick">Run the hourly sync now</button><span id="note"></span></div><table id="grid"></table></div>
  <iframe src="/sidebar" title="Switchboard sidebar"></iframe>
<script>
  async function refresh () {
    const sheet = await (await fetch('/__sheet')).json()
    document.getElementById('title').textContent = sheet.name + ' (' + (sheet.values.length - 1) + ' rows; greyed columns are hidden in Sheets)'
    const grid = document.getElementById('grid')
    grid.replaceChildren(...sheet.values.slice(0, 501).map((row, r) => {
      const tr = document.createElement('tr')
      row.forEach((value, c) => {
        const cell = document.createElement(r === 0 ? 'th' : 'td')
        cell.textContent = value
        if (sheet.hidden.includes(c + 1)) cell.className = 'hidden'
        tr.append(cell)
      })
      return tr
    }))
  }
  document.getElementById('tick').addEventListener('click', async () => {
    const answer = await (await fetch('/__tick', { method: 'POST' })).json()
    document.getElementById('note').textContent = answer.ran + ' trigger run(s)' + (answer.error ? ': ' + answer.error : '')
    await refresh()
  })
  window.addEventListener('message', (e) => { if (e.data === 'ran') void refresh() })
  void refresh()
</script></body></html>`

function send (response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
  response.end(body)
}

async function bodyOf (request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function serve (runtime: AppsScriptRuntime, sidebar: string, port: number): Promise<void> {
  const sheet = runtime.spreadsheet.getSheets()[0]!
  // The shim, then a note to the parent page after each call so the sheet view refreshes.
  // tsx compiles with esbuild's keepNames, whose __name helper the function's source refers to.
  const shim = `<script>var __name = (f) => f; (${googleScriptRunShim.toString()})('http');
    const notify = () => window.parent.postMessage('ran', '*'); const fetchOriginal = window.fetch;
    window.fetch = (...args) => fetchOriginal(...args).finally(() => { if (String(args[0]) === '/__run') setTimeout(notify, 0) })</script>`
  const page = sidebar.replace('<head>', `<head>${shim}`)
  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://localhost')
      if (request.method === 'GET' && url.pathname === '/') return send(response, 200, 'text/html; charset=utf-8', PAGE)
      if (request.method === 'GET' && url.pathname === '/sidebar') return send(response, 200, 'text/html; charset=utf-8', page)
      if (request.method === 'GET' && url.pathname === '/__sheet') {
        const values = sheet.getDataRange().getDisplayValues()
        const hidden = values[0]?.map((_, i) => i + 1).filter((c) => sheet.isColumnHiddenByUser(c)) ?? []
        return send(response, 200, 'application/json', JSON.stringify({ name: sheet.getName(), values, hidden }))
      }
      if (request.method === 'POST' && url.pathname === '/__run') {
        const { name, args } = JSON.parse(await bodyOf(request)) as { name: string, args: unknown[] }
        try {
          const value = runtime.runForClient(name, args)
          const last = runtime.lastExecution()
          console.log(`${name}: ${Math.round(last.elapsedMs)} ms on Google's clock, ${last.counters.urlFetchRequests} UrlFetch, ${last.counters.rangeReads} reads, ${last.counters.rangeWrites} writes`)
          return send(response, 200, 'application/json', JSON.stringify({ value }))
        } catch (error) {
          return send(response, 200, 'application/json', JSON.stringify({ error: error instanceof Error ? error.message : String(error) }))
        }
      }
      if (request.method === 'POST' && url.pathname === '/__tick') {
        // An hour passes: the add-on's hourly trigger fires, as Apps Script would.
        runtime.clock.advance(3_600_000)
        try {
          return send(response, 200, 'application/json', JSON.stringify({ ran: runtime.runDueTriggers() }))
        } catch (error) {
          return send(response, 200, 'application/json', JSON.stringify({ ran: 1, error: error instanceof Error ? error.message : String(error) }))
        }
      }
      return send(response, 404, 'text/plain', 'not found')
    })().catch((error: unknown) => { send(response, 500, 'text/plain', String(error)) })
  })
  return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve))
}

async function main (): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { port: { type: 'string' }, 'backend-url': { type: 'string' }, token: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  })
  const csv = positionals[0]
  if (values.help === true || csv === undefined) {
    console.log(USAGE)
    if (csv === undefined && values.help !== true) process.exitCode = 2
    return
  }
  const rows = parseCsv(await readFile(csv, 'utf8'))
  if (rows.length < 2) throw new Error(`${csv} needs a header row and at least one row`)
  let backend: BackendProcess | undefined
  let backendUrl = values['backend-url']
  let token = values.token
  if (backendUrl === undefined) {
    console.log('Starting a backend in sandbox mode…')
    backend = await startBackend({ workspaceName: 'Preview workspace' })
    backend.setMessagingTier('TIER_10K')
    await backend.startWorker().catch((error: unknown) => { console.warn(`No campaign sender: ${error instanceof Error ? error.message : String(error)}`) })
    backendUrl = backend.url
    token = backend.token
  }
  const close = async (): Promise<void> => {
    await backend?.close()
    process.exit(0)
  }
  process.on('SIGINT', () => { void close() })
  process.on('SIGTERM', () => { void close() })

  const distDir = await buildSheetsAddon(backendUrl)
  const runtime = loadAppsScript(distDir, { spreadsheet: { name: path.basename(csv, path.extname(csv)) } })
  const sheet = runtime.spreadsheet.getSheets()[0]!
  const width = Math.max(...rows.map((r) => r.length))
  if (rows.length > sheet.getMaxRows()) sheet.insertRowsAfter(sheet.getMaxRows(), rows.length - sheet.getMaxRows())
  if (width > sheet.getMaxColumns()) sheet.insertColumnsAfter(sheet.getMaxColumns(), width - sheet.getMaxColumns())
  // As File → Import with "Convert text to numbers" off: a phone keeps its + and its leading zero.
  sheet.getRange(1, 1, sheet.getMaxRows(), width).setNumberFormat('@')
  sheet.getRange(1, 1, rows.length, width).setValues(rows.map((r) => [...r, ...new Array<string>(width - r.length).fill('')]))
  if (token !== undefined) runtime.userProperties.set('switchboard.apiToken', token)

  const port = Number(values.port ?? 8790)
  await serve(runtime, await readFile(path.join(distDir, 'Sidebar.html'), 'utf8'), port)
  console.log(`\nSwitchboard for Sheets: http://127.0.0.1:${port}/  (${rows.length - 1} rows from ${csv}; Ctrl+C to stop)`)
  if (backend !== undefined) {
    console.log(`  backend ${backend.url} (sandbox; messages go to ${backend.sandboxUrl}, see ${backend.sandboxUrl}/_sandbox/inspect)`)
    console.log(`  API token (already connected): ${backend.token}`)
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  })
}
