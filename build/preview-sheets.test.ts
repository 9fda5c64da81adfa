import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from './build.js'
import { parseCsv } from './preview-sheets.js'
import { freePort } from './test-support/backend-process.js'
import { FAKE_ME, FAKE_TOKENS, startFakeBackend, type FakeBackend } from './test-support/fake-backend.js'

describe('parseCsv', () => {
  it('reads quotes, doubled quotes, commas and newlines inside quotes, CRLF and a byte-order mark', () => {
    expect(parseCsv('\uFEFFName,Phone\r\n"Zoë, ""the first""",+44 20 7946 0958\r\n"Two\nlines",0612\n\n')).toEqual([
      ['Name', 'Phone'],
      ['Zoë, "the first"', '+44 20 7946 0958'],
      ['Two\nlines', '0612'],
    ])
  })
})

describe('npm run preview:sheets', () => {
  let backend: FakeBackend
  let dir: string

  beforeAll(async () => {
    backend = await startFakeBackend()
    dir = await mkdtemp(path.join(tmpdir(), 'sb-preview-'))
  })

  afterAll(async () => {
    await backend?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('serves the sheet from a CSV and the sidebar, with google.script.run reaching the local runtime', async () => {
    const csv = path.join(dir, 'leads.csv')
    await writeFile(csv, 'First name,Phone,Discount\n"Zoë, the first",+44 20 7946 0958,10%\nJosé,0612345678,5%\n')
    const port = await freePort()
    const child = spawn(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['build/preview-sheets.ts', csv, '--port', String(port), '--backend-url', backend.url, '--token', FAKE_TOKENS.valid], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      await new Promise<void>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (chunk: Buffer) => { out += String(chunk); if (out.includes('Switchboard for Sheets:')) resolve() })
        child.on('exit', (code) => { reject(new Error(`preview exited with ${code}: ${out}`)) })
      })
      const base = `http://127.0.0.1:${port}`
      expect(await (await fetch(`${base}/`)).text()).toContain('<iframe src="/sidebar"')
      const sidebar = await (await fetch(`${base}/sidebar`)).text()
      expect(sidebar).toContain('googleScriptRunShim')
      expect(sidebar).toContain('<form id="connect-form"')
      const run = async (name: string, args: unknown[] = []): Promise<unknown> =>
        (await (await fetch(`${base}/__run`, { method: 'POST', body: JSON.stringify({ name, args }) })).json() as { value: unknown }).value
      expect(await run('getConnection')).toMatchObject({ ok: true, connection: { workspaceName: FAKE_ME.workspace.name } })
      expect(await run('getSheetSetup', [{}])).toMatchObject({ ok: true, value: { spreadsheetName: 'leads', dataRows: 2, headers: [{ name: 'First name' }, { name: 'Phone' }, { name: 'Discount' }] } })
      const sheet = await (await fetch(`${base}/__sheet`)).json() as { values: string[][] }
      // Imported as text: the + and the leading zero stay.
      expect(sheet.values).toEqual([['First name', 'Phone', 'Discount'], ['Zoë, the first', '+44 20 7946 0958', '10%'], ['José', '0612345678', '5%']])
    } finally {
      child.kill('SIGTERM')
    }
  }, 60_000)
})
