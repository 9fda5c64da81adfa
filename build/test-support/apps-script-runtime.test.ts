import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGmailHost, formattedText, loadAppsScript, type AppsScriptRuntimeOptions } from './apps-script-runtime.js'
import { unusedLocalUrl } from './fake-backend.js'

// The runtime must fail where Apps Script fails; each test runs a small Code.js against it.

const SERVER = `
const http = require('node:http')
const { parentPort } = require('node:worker_threads')
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x')
  let body = ''
  req.on('data', (c) => { body += c })
  req.on('end', () => {
    const reply = () => {
      res.writeHead(Number(url.searchParams.get('status') ?? 200), { 'content-type': 'application/json' })
      res.end(JSON.stringify({ method: req.method, path: url.pathname, contentType: req.headers['content-type'] ?? null, body }))
    }
    const ms = Number(url.searchParams.get('ms') ?? 0)
    if (ms > 0) setTimeout(reply, ms); else reply()
  })
})
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port))
parentPort.on('message', () => server.close(() => process.exit(0)))
`

let server: Worker
let base: string
let dir: string

beforeAll(async () => {
  server = new Worker(SERVER, { eval: true })
  const [port] = await once(server, 'message') as [number]
  base = `http://127.0.0.1:${port}`
  dir = await mkdtemp(path.join(tmpdir(), 'sb-runtime-'))
})

afterAll(async () => {
  server.postMessage('close')
  await once(server, 'exit')
  await rm(dir, { recursive: true, force: true })
})

let count = 0
/** A runtime over `code` (plain Apps Script JavaScript) and a manifest. */
async function script (code: string, manifest: object = {}, options: AppsScriptRuntimeOptions = {}): Promise<ReturnType<typeof loadAppsScript>> {
  const folder = path.join(dir, String(count++))
  await import('node:fs/promises').then((fs) => fs.mkdir(folder, { recursive: true }))
  await writeFile(path.join(folder, 'Code.js'), code)
  await writeFile(path.join(folder, 'appsscript.json'), JSON.stringify({ timeZone: 'Europe/Madrid', ...manifest }))
  return loadAppsScript(folder, options)
}

describe('executions and the clock', () => {
  it('kills an execution past six minutes, even one that catches the error', async () => {
    const rt = await script(`function longJob () { for (let i = 0; i < 5; i++) { try { Utilities.sleep(100000) } catch (e) {} } return 'finished' }`)
    expect(() => rt.run('longJob')).toThrow('Exceeded maximum execution time')
    expect(rt.lastExecution().error).toBe('Exceeded maximum execution time')
    expect(rt.lastExecution().elapsedMs).toBeGreaterThan(360_000)
  })

  it('gives simple triggers 30 seconds', async () => {
    const rt = await script(`function onOpen () { Utilities.sleep(31000) }`)
    expect(() => rt.run('onOpen')).toThrow('Exceeded maximum execution time')
  })

  it('shows the code a clock that moves with simulated service time, and counts per execution', async () => {
    const rt = await script(`function timed () { const a = Date.now(); UrlFetchApp.fetch('${base}/x'); return [a, Date.now(), new Date().getTime() >= a] }`, {}, { latency: { urlFetchMs: 1500 } })
    const [a, b, ok] = rt.run('timed') as [number, number, boolean]
    expect(b - a).toBeGreaterThanOrEqual(1500)
    expect(ok).toBe(true)
    expect(rt.lastExecution().counters.urlFetchRequests).toBe(1)
    rt.clock.advance(3_600_000)
    expect(rt.clock.now() - b).toBeGreaterThanOrEqual(3_600_000)
  })
})

describe('UrlFetchApp', () => {
  it('runs fetchAll side by side, counts every request, and keeps order', async () => {
    const rt = await script(`function all () { return UrlFetchApp.fetchAll([1, 2, 3].map((i) => ({ url: '${base}/slow' + i + '?ms=400', method: 'post', contentType: 'application/json', payload: JSON.stringify({ i }) }))).map((r) => JSON.parse(r.getContentText())) }`)
    const started = performance.now()
    const answers = rt.run('all') as Array<{ path: string, body: string, contentType: string }>
    expect(performance.now() - started).toBeLessThan(1100)
    expect(answers.map((a) => a.path)).toEqual(['/slow1', '/slow2', '/slow3'])
    expect(answers[0]).toMatchObject({ body: '{"i":1}', contentType: 'application/json' })
    expect(rt.lastExecution().counters).toMatchObject({ urlFetchRequests: 3, fetchAllCalls: 1, fetchCalls: 0 })
  })

  it('fails the whole fetchAll when one request gets no answer, losing the answers that came', async () => {
    const down = await unusedLocalUrl()
    const rt = await script(`function all () { return UrlFetchApp.fetchAll([{ url: '${base}/ok', muteHttpExceptions: true }, { url: '${down}/x', muteHttpExceptions: true }]) }`)
    expect(() => rt.run('all')).toThrow(/Address unavailable/)
  })

  it('throws on 4xx unless muteHttpExceptions, and sends a string payload as a form by default', async () => {
    const rt = await script(`
      function loud () { return UrlFetchApp.fetch('${base}/x?status=404') }
      function quiet () { const r = UrlFetchApp.fetch('${base}/x?status=404', { muteHttpExceptions: true, method: 'post', payload: 'a=1' }); return [r.getResponseCode(), JSON.parse(r.getContentText()).contentType] }`)
    expect(() => rt.run('loud')).toThrow(/returned code 404/)
    expect(rt.run('quiet')).toEqual([404, 'application/x-www-form-urlencoded'])
  })

  it.each([
    { description: 'a URL outside urlFetchWhitelist', call: `UrlFetchApp.fetch('https://elsewhere.example/x')`, error: /urlFetchWhitelist/ },
    { description: 'a URL over 2 KB', call: `UrlFetchApp.fetch(BASE + '/' + 'a'.repeat(2100))`, error: /URL Length/ },
    { description: 'a payload over 50 MB', call: `UrlFetchApp.fetch(BASE + '/x', { method: 'post', payload: 'a'.repeat(50 * 1024 * 1024 + 1) })`, error: /POST Size/ },
    { description: 'more than 100 headers', call: `const h = {}; for (let i = 0; i < 101; i++) h['x-' + i] = '1'; UrlFetchApp.fetch(BASE + '/x', { headers: h })`, error: /header count/ },
  ])('refuses $description before sending anything', async ({ call, error }) => {
    const rt = await script(`const BASE = '${base}'; function go () { ${call} }`, { urlFetchWhitelist: [`${base}/`] })
    expect(() => rt.run('go')).toThrow(error)
    expect(rt.lastExecution().counters.urlFetchRequests).toBe(0)
  })
})

describe('auth modes and scopes', () => {
  it('allows only menus in AuthMode.NONE, and no UrlFetch or triggers in LIMITED', async () => {
    const rt = await script(`
      function menu () { SpreadsheetApp.getUi().createAddonMenu().addItem('Open', 'open').addToUi() }
      function doc () { return SpreadsheetApp.getActiveSpreadsheet().getName() }
      function fetchIt () { UrlFetchApp.fetch('${base}/x') }
      function trigger () { ScriptApp.newTrigger('menu').timeBased().everyHours(1).create() }`)
    rt.run('menu', [], 'NONE')
    expect(rt.menus).toHaveLength(1)
    expect(() => rt.run('doc', [], 'NONE')).toThrow(/permission.*AuthMode.NONE/)
    expect(rt.run('doc', [], 'LIMITED')).toBe('Untitled spreadsheet')
    expect(() => rt.run('fetchIt', [], 'LIMITED')).toThrow(/permission/)
    expect(() => rt.run('trigger', [], 'LIMITED')).toThrow(/permission/)
  })

  it('refuses a service whose scope the manifest does not list', async () => {
    const rt = await script(`function fetchIt () { UrlFetchApp.fetch('${base}/x') } function token () { return ScriptApp.getIdentityToken() }`, { oauthScopes: ['https://www.googleapis.com/auth/spreadsheets'] })
    expect(() => rt.run('fetchIt')).toThrow(/Required permissions: https:\/\/www.googleapis.com\/auth\/script.external_request/)
    expect(rt.run('token')).toBeNull()
  })
})

describe('PropertiesService and CacheService', () => {
  it('caps a property value at 9 KB and a store at 500 KB, and stores strings', async () => {
    const rt = await script(`
      function big () { PropertiesService.getDocumentProperties().setProperty('k', 'x'.repeat(9 * 1024 + 1)) }
      function many () { const p = PropertiesService.getDocumentProperties(); for (let i = 0; i < 60; i++) p.setProperty('k' + i, 'x'.repeat(9000)) }
      function number () { PropertiesService.getUserProperties().setProperty('n', 42); return PropertiesService.getUserProperties().getProperty('n') }`)
    expect(() => rt.run('big')).toThrow(/Argument too large/)
    expect(() => rt.run('many')).toThrow(/property storage quota/)
    expect(rt.documentProperties.size).toBeLessThan(60)
    expect(rt.run('number')).toBe('42')
  })

  it('caps cache keys and values, and expires entries on the runtime clock', async () => {
    const rt = await script(`
      function put () { CacheService.getUserCache().put('k', 'v', 60) }
      function get () { return CacheService.getUserCache().get('k') }
      function longKey () { CacheService.getUserCache().put('k'.repeat(251), 'v') }
      function bigValue () { CacheService.getUserCache().put('k', 'v'.repeat(100 * 1024 + 1)) }`)
    rt.run('put')
    expect(rt.run('get')).toBe('v')
    rt.clock.advance(61_000)
    expect(rt.run('get')).toBeNull()
    expect(() => rt.run('longKey')).toThrow(/too large: key/)
    expect(() => rt.run('bigValue')).toThrow(/too large: value/)
  })
})

describe('LockService', () => {
  it('times out when another execution holds the lock, and the wait counts as execution time', async () => {
    const rt = await script(`
      function wait () { LockService.getDocumentLock().waitLock(20000) }
      function attempt () { return LockService.getDocumentLock().tryLock(1000) }`)
    expect(rt.run('attempt')).toBe(true)
    rt.locks.heldElsewhere.add('document')
    expect(rt.run('attempt')).toBe(false)
    expect(() => rt.run('wait')).toThrow(/Lock timeout/)
    expect(rt.lastExecution().elapsedMs).toBeGreaterThanOrEqual(20_000)
  })
})

describe('ScriptApp triggers', () => {
  it('keeps editor add-ons to one hourly time-driven trigger per document, and fires it on the clock without an active document or its properties', async () => {
    const rt = await script(`
      function every5 () { ScriptApp.newTrigger('tick').timeBased().everyMinutes(5).create() }
      function hourly () { return ScriptApp.newTrigger('tick').timeBased().everyHours(1).create().getUniqueId() }
      function tick (e) {
        const id = PropertiesService.getUserProperties().getProperty('id')
        PropertiesService.getUserProperties().setProperty('ticked', String(SpreadsheetApp.getActiveSpreadsheet() === null) + ':' + String(PropertiesService.getDocumentProperties() === null) + ':' + e.authMode + ':' + SpreadsheetApp.openById(id).getName())
      }
      function remember () { PropertiesService.getUserProperties().setProperty('id', SpreadsheetApp.getActiveSpreadsheet().getId()) }`)
    expect(() => rt.run('every5')).toThrow(/more frequently than once per hour/)
    rt.run('remember')
    const uid = rt.run('hourly') as string
    expect(() => rt.run('hourly')).toThrow(/too many time-based triggers in this document/)
    expect(rt.runDueTriggers()).toBe(0)
    rt.clock.advance(3_600_001)
    expect(rt.runDueTriggers()).toBe(1)
    // No open document in a time-driven trigger: no active spreadsheet, and getDocumentProperties() is null.
    expect(rt.userProperties.get('ticked')).toBe('true:true:FULL:Untitled spreadsheet')
    expect(rt.lastExecution()).toMatchObject({ functionName: 'tick', kind: 'trigger' })
    expect(rt.triggers.map((t) => t.uid)).toEqual([uid])
  })
})

describe('SpreadsheetApp', () => {
  it('reads A1 ranges and counts reads and writes', async () => {
    const rt = await script(`
      function go () {
        const sheet = SpreadsheetApp.getActiveSpreadsheet().getSheetByName('Sheet1')
        sheet.getRange('A1:C2').setValues([['a', 'b', 'c'], ['d', 'e', 'f']])
        return [sheet.getRange('B1:C').getValues().slice(0, 2), sheet.getDataRange().getA1Notation(), sheet.getRange(2, 1).getValue()]
      }`)
    expect(rt.run('go')).toEqual([[['b', 'c'], ['e', 'f']], 'A1:C2', 'd'])
    expect(rt.lastExecution().counters).toMatchObject({ setValues: 1, getValues: 1, rangeReads: 2, rangeWrites: 1, cellsWritten: 6 })
  })

  it.each([
    { description: 'a range of another shape', code: `s.getRange(1, 1, 2, 2).setValues([['a']])`, error: /number of rows in the data does not match/ },
    { description: 'a range outside the grid', code: `s.getRange(1, 27)`, error: /outside the dimensions of the sheet/ },
    { description: 'more than 50,000 characters in a cell', code: `s.getRange(1, 1).setValue('x'.repeat(50001))`, error: /50000 characters/ },
  ])('refuses $description', async ({ code, error }) => {
    const rt = await script(`function go () { const s = SpreadsheetApp.getActiveSheet(); ${code} }`)
    expect(() => rt.run('go')).toThrow(error)
  })

  it('turns written strings into numbers, booleans, percentages and dates as Sheets does, except in plain-text cells', async () => {
    const rt = await script(`
      function go () {
        const s = SpreadsheetApp.getActiveSheet()
        s.getRange('B1:B100').setNumberFormat('@')
        s.getRange('A1:A7').setValues([['0612345678'], ['+12125550100'], ['TRUE'], ['10%'], ['2026-01-05'], ["'0612"], ['Zoë 🙂']])
        s.getRange('B1:B2').setValues([['0612345678'], ['+12125550100']])
        return [s.getRange('A1:A7').getValues().map((r) => Object.prototype.toString.call(r[0]) === '[object Date]' ? 'date' : r[0]), s.getRange('A1:B7').getDisplayValues(), s.getRange('A5').getValue() instanceof Date]
      }`)
    const [values, display, realmDate] = rt.run('go') as [unknown[], string[][], boolean]
    expect(values).toEqual([612345678, 12125550100, true, 0.1, 'date', '0612', 'Zoë 🙂'])
    expect(display.map((r) => r[0])).toEqual(['612345678', '12125550100', 'TRUE', '10%', '2026-01-05', '0612', 'Zoë 🙂'])
    expect(display.slice(0, 2).map((r) => r[1])).toEqual(['0612345678', '+12125550100'])
    expect(realmDate).toBe(true)
  })

  it('sorts, inserts and deletes rows, hides columns, and grows the grid', async () => {
    const rt = await script(`function noop () {}`)
    const sheet = rt.spreadsheet.getSheets()[0]!
    sheet.getRange(1, 1, 4, 2).setValues([['Name', 'Id'], ['Cy', 'c'], ['Al', 'a'], ['Bo', 'b']])
    sheet.setFrozenRows(1)
    sheet.sort(1)
    expect(sheet.getRange('A2:B4').getDisplayValues()).toEqual([['Al', 'a'], ['Bo', 'b'], ['Cy', 'c']])
    sheet.insertRowsBefore(3, 2)
    expect(sheet.getRange('B2:B6').getDisplayValues().flat()).toEqual(['a', '', '', 'b', 'c'])
    sheet.deleteRow(3)
    expect(sheet.getLastRow()).toBe(5)
    sheet.hideColumns(2)
    expect(sheet.isColumnHiddenByUser(2)).toBe(true)
    sheet.insertColumnsAfter(26, 2)
    expect(sheet.getMaxColumns()).toBe(28)
    expect(rt.executions).toEqual([])
  })
})

describe('google.script.run and Utilities', () => {
  it('refuses private functions and results it cannot pass', async () => {
    const rt = await script(`function when () { return { at: new Date() } } function secret_ () { return 1 }`)
    expect(() => rt.runForClient('secret_')).toThrow(/private/)
    expect(() => rt.runForClient('when')).toThrow(/cannot pass/)
  })

  it('digests as signed bytes, formats dates in a zone, and makes UUIDs', async () => {
    const rt = await script(`function go () { return [Utilities.computeDigest(Utilities.DigestAlgorithm.SHA_256, 'Zoë', Utilities.Charset.UTF_8), Utilities.formatDate(new Date('2026-07-01T10:05:00Z'), 'Europe/Madrid', "yyyy-MM-dd'T'HH:mm"), Utilities.getUuid()] }`)
    const [digest, formatted, uuid] = rt.run('go') as [number[], string, string]
    expect(Buffer.from(digest.map((b) => b & 0xff)).toString('hex')).toBe(createHash('sha256').update('Zoë').digest('hex'))
    expect(digest.some((b) => b < 0)).toBe(true)
    expect(formatted).toBe('2026-07-01T12:05')
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/)
  })
})

describe('Gmail add-ons: GmailApp, CardService and the Gmail host', () => {
  const ADDON = {
    oauthScopes: ['https://www.googleapis.com/auth/gmail.addons.current.message.metadata', 'https://www.googleapis.com/auth/gmail.addons.current.message.action'],
    addOns: { common: { name: 'T' }, gmail: { contextualTriggers: [{ unconditional: {}, onTriggerFunction: 'onMessage' }] } },
  }
  const CODE = `
function open (e) {
  GmailApp.setCurrentMessageAccessToken(e.gmail.accessToken)
  return GmailApp.getMessageById(e.gmail.messageId)
}
function onMessage (e) {
  const section = CardService.newCardSection()
    .addWidget(CardService.newTextInput().setFieldName('q').setTitle('Q').setValue('prefilled'))
    .addWidget(CardService.newTextButton().setText('Read').setOnClickAction(CardService.newAction().setFunctionName('onRead').setParameters({ x: '1' })))
  return [CardService.newCardBuilder().setHeader(CardService.newCardHeader().setTitle(open(e).getFrom())).addSection(section).build()]
}
function onRead (e) {
  const text = open(e).getPlainBody() + '|' + e.commonEventObject.formInputs.q.stringInputs.value[0] + '|' + e.commonEventObject.parameters.x
  return CardService.newActionResponseBuilder().setNotification(CardService.newNotification().setText(text)).build()
}
function peek (e) { return open(e).getPlainBody() }
function emptyCard () { return CardService.newCardBuilder().build() }
`
  const MESSAGES = { m1: { accessToken: 'tok-1', from: 'Ada <ada@example.com>', subject: 'Hi', plainBody: 'Body' } }

  it('gives the body only to the token of a click, and the host sends the card\'s inputs and the button\'s parameters', async () => {
    const runtime = await script(CODE, ADDON, { gmailMessages: MESSAGES })
    const host = createGmailHost(runtime)
    expect(host.openMessage('m1').header?.title).toBe('Ada <ada@example.com>')
    host.click('Read')
    host.click('Read', { q: 'typed' })
    expect(host.notifications).toEqual(['Body|prefilled|1', 'Body|typed|1'])
    expect(runtime.gmail.reads.map((r) => `${r.method}:${r.kind}`)).toEqual(['getFrom:metadata', 'getPlainBody:content', 'getPlainBody:content'])
    // The contextual trigger's own token reads headers, never the body.
    expect(() => runtime.run('peek', [{ gmail: { messageId: 'm1', accessToken: 'tok-1' } }])).toThrow(/user interaction/)
    expect(() => runtime.run('peek', [{ gmail: { messageId: 'm1', accessToken: 'stale' } }])).toThrow(/Access denied/)
  })

  it('refuses a card Google would refuse', async () => {
    const runtime = await script(CODE, ADDON, { gmailMessages: MESSAGES })
    expect(() => runtime.run('emptyCard')).toThrow(/at least one section/)
  })

  it('draws Gmail\'s HTML subset and shows any other markup as text', () => {
    expect(formattedText('<b>x</b> <script>y</script> &lt;i&gt; <font color="#123456">z</font> <a href="j">k</a>'))
      .toBe('<b>x</b> &lt;script&gt;y&lt;/script&gt; &lt;i&gt; <font color="#123456">z</font> &lt;a href=&quot;j&quot;&gt;k&lt;/a&gt;')
  })
})
