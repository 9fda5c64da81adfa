import { execFile } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir, cp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DISPATCHER_FUNCTION } from '../gmail-addon/src/core/card-actions.js'
import { SERVER_FUNCTION_NAMES } from '../sheets-plugin/src/core/sidebar-protocol.js'
import { buildAll, OUTLOOK_ICON_SIZES, REPO_ROOT, type BuildResult } from './build.js'
import { writeClaspProject } from './clasp-project.js'
import { loadAppsScript } from './test-support/apps-script-runtime.js'

const run = promisify(execFile)

const BACKEND = 'https://crm.example.test/sb'

const GMAIL_SCOPES = [
  'https://www.googleapis.com/auth/gmail.addons.execute',
  'https://www.googleapis.com/auth/gmail.addons.current.message.metadata',
  'https://www.googleapis.com/auth/gmail.addons.current.message.action',
  'https://www.googleapis.com/auth/gmail.addons.current.action.compose',
  'https://www.googleapis.com/auth/script.external_request',
  'https://www.googleapis.com/auth/script.locale',
  'openid',
  'https://www.googleapis.com/auth/userinfo.email',
]

const SHEETS_SCOPES = [
  'https://www.googleapis.com/auth/script.container.ui',
  'https://www.googleapis.com/auth/script.external_request',
  'https://www.googleapis.com/auth/spreadsheets',
  'https://www.googleapis.com/auth/script.scriptapp',
]

interface GmailManifest {
  oauthScopes: string[]
  urlFetchWhitelist: string[]
  runtimeVersion: string
  addOns: {
    common: {
      logoUrl: string
      homepageTrigger: { runFunction: string }
      universalActions: Array<{ label: string, runFunction?: string, openLink?: string }>
      openLinkUrlPrefixes: string[]
    }
    gmail: {
      contextualTriggers: Array<{ unconditional: object, onTriggerFunction: string }>
      composeTrigger: { selectActions: Array<{ text: string, runFunction: string }>, draftAccess: string }
    }
  }
}

let dir: string
let result: BuildResult
const warnings: string[] = []

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sb-build-'))
  result = await buildAll({ backendUrl: BACKEND, outDir: path.join(dir, 'dist'), onWarning: (w) => warnings.push(w) })
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const read = (relative: string): Promise<string> => readFile(path.join(dir, 'dist', relative), 'utf8')

describe('buildAll', () => {
  it('writes exactly the files each host loads', () => {
    expect([...result.files].sort()).toEqual([
      'gmail-addon/Code.js',
      'gmail-addon/appsscript.json',
      ...OUTLOOK_ICON_SIZES.map((size) => `outlook-addin/assets/icon-${size}.png`),
      'outlook-addin/manifest.xml',
      'outlook-addin/signed-in.html',
      'outlook-addin/signed-in.js',
      'outlook-addin/support.html',
      'outlook-addin/taskpane.css',
      'outlook-addin/taskpane.html',
      'outlook-addin/taskpane.js',
      'sheets-plugin/Code.js',
      'sheets-plugin/Sidebar.html',
      'sheets-plugin/appsscript.json',
    ].sort())
    expect(warnings).toEqual([])
  })

  it('leaves no template placeholder in any text output', async () => {
    for (const file of result.files.filter((f) => !f.endsWith('.png'))) {
      expect(await read(file), file).not.toMatch(/\{\{[A-Z_]+\}\}/)
    }
  })
})

describe('Gmail add-on bundle', () => {
  it('declares every function the manifest names as a top-level function', async () => {
    const manifest = JSON.parse(await read('gmail-addon/appsscript.json')) as GmailManifest
    const common = manifest.addOns.common
    const named = [
      common.homepageTrigger.runFunction,
      ...manifest.addOns.gmail.contextualTriggers.map((t) => t.onTriggerFunction),
      ...manifest.addOns.gmail.composeTrigger.selectActions.map((a) => a.runFunction),
      ...common.universalActions.flatMap((a) => a.runFunction === undefined ? [] : [a.runFunction]),
    ]
    expect(named).toEqual(['onHomepage', 'onGmailMessage', 'onCompose', 'onSettings'])

    const code = await read('gmail-addon/Code.js')
    const runtime = loadAppsScript(path.join(dir, 'dist', 'gmail-addon'))
    // Card buttons call the dispatcher by name, so it must be global too.
    for (const name of [...named, DISPATCHER_FUNCTION]) {
      expect(runtime.isGlobalFunction(name), name).toBe(true)
      expect(code, name).toMatch(new RegExp(`^function ${name}\\(`, 'm'))
    }
  })

  it('loads without touching any Apps Script service', () => {
    const runtime = loadAppsScript(path.join(dir, 'dist', 'gmail-addon'))
    expect([...runtime.touchedAtLoad]).toEqual([])
  })

  it('has exactly the eight Gmail scopes, V8, and the backend in whitelist and link prefixes', async () => {
    const manifest = JSON.parse(await read('gmail-addon/appsscript.json')) as GmailManifest
    expect([...manifest.oauthScopes].sort()).toEqual([...GMAIL_SCOPES].sort())
    expect(new Set(manifest.oauthScopes).size).toBe(manifest.oauthScopes.length)
    expect(manifest.runtimeVersion).toBe('V8')
    expect(manifest.urlFetchWhitelist).toEqual([`${BACKEND}/`])
    expect(manifest.addOns.common.openLinkUrlPrefixes).toEqual([`${BACKEND}/`, 'https://wa.me/'])
    expect(manifest.addOns.common.logoUrl.startsWith(`${BACKEND}/`)).toBe(true)
    expect(manifest.addOns.common.universalActions).toContainEqual({ label: 'Settings', runFunction: 'onSettings' })
    expect(manifest.addOns.common.universalActions.filter((a) => a.openLink !== undefined).every((a) => a.openLink?.startsWith(`${BACKEND}/`))).toBe(true)
    expect(manifest.addOns.gmail.contextualTriggers).toEqual([{ unconditional: {}, onTriggerFunction: 'onGmailMessage' }])
    expect(manifest.addOns.gmail.composeTrigger.draftAccess).toBe('METADATA')
  })

  it('allow-lists every URL the cards open (issue 15, item 10): each link in the card code matches an openLinkUrlPrefixes entry', async () => {
    const manifest = JSON.parse(await read('gmail-addon/appsscript.json')) as GmailManifest
    const prefixes = manifest.addOns.common.openLinkUrlPrefixes
    const sources: string[] = []
    for (const folder of ['gmail-addon/src/core', 'gmail-addon/src/host']) {
      for (const file of await readdir(path.join(REPO_ROOT, folder))) {
        if (file.endsWith('.ts') && !file.includes('.test')) sources.push(await readFile(path.join(REPO_ROOT, folder, file), 'utf8'))
      }
    }
    // Every absolute URL written in the card code, and every link built on the backend URL.
    const links = sources.flatMap((text) => [...text.replace(/^\s*(\/\/|\*).*$/gm, '').matchAll(/['`](https?:\/\/[^'`$]*)/g)].map((m) => m[1]!))
    if (sources.some((text) => /url: `\$\{backendUrl\}\//.test(text))) links.push(`${BACKEND}/`)
    expect(links).toContain('https://wa.me/')
    for (const link of links) expect(prefixes.some((p) => link.startsWith(p)), link).toBe(true)
  })

  it('calls the backend it was built for', async () => {
    const code = await read('gmail-addon/Code.js')
    expect(code).toContain(JSON.stringify(BACKEND))
  })
})

describe('Sheets add-on bundle', () => {
  it('declares the simple triggers, every menu target and every google.script.run target as top-level functions', async () => {
    const code = await read('sheets-plugin/Code.js')
    const runtime = loadAppsScript(path.join(dir, 'dist', 'sheets-plugin'))
    runtime.run('onOpen', [{ authMode: 'NONE' }], 'NONE')
    const menuTargets = runtime.menus.flatMap((menu) => menu.items.map((item) => item.functionName))
    expect(menuTargets).toEqual(['showSidebar'])
    for (const name of ['onOpen', 'onInstall', ...menuTargets, ...SERVER_FUNCTION_NAMES]) {
      expect(runtime.isGlobalFunction(name), name).toBe(true)
      expect(code, name).toMatch(new RegExp(`^function ${name}\\(`, 'm'))
    }
    expect([...runtime.touchedAtLoad]).toEqual([])
  })

  it('inlines the sidebar script and styles: no external script or stylesheet', async () => {
    const html = await read('sheets-plugin/Sidebar.html')
    expect(html).not.toMatch(/<script[^>]*\ssrc\s*=/i)
    expect(html).not.toMatch(/<link[^>]*\shref\s*=/i)
    expect(html).toMatch(/<style>[\s\S]*#error[\s\S]*<\/style>/)
    // The bundled client: its google.script.run wrapper and the backend it links to.
    expect(html).toMatch(/<script>[\s\S]*withSuccessHandler[\s\S]*<\/script>/)
    expect(html).toContain(JSON.stringify(BACKEND))
    expect(html.match(/<\/script>/g)).toHaveLength(1)
  })

  it('has exactly the four documented scopes, V8, and the backend whitelisted', async () => {
    const manifest = JSON.parse(await read('sheets-plugin/appsscript.json')) as { oauthScopes: string[], urlFetchWhitelist: string[], runtimeVersion: string }
    expect([...manifest.oauthScopes].sort()).toEqual([...SHEETS_SCOPES].sort())
    expect(manifest.oauthScopes).toHaveLength(4)
    expect(manifest.runtimeVersion).toBe('V8')
    expect(manifest.urlFetchWhitelist).toEqual([`${BACKEND}/`])
  })
})

describe('Outlook add-in output', () => {
  it('fills the backend URL into the manifest', async () => {
    const xml = await read('outlook-addin/manifest.xml')
    expect(xml).toContain(`<SourceLocation DefaultValue="${BACKEND}/outlook/taskpane.html"/>`)
    expect(xml).toContain('<AppDomain>https://crm.example.test</AppDomain>')
  })

  it('loads office.js from Microsoft\'s CDN and its own script and styles beside the page', async () => {
    const html = await read('outlook-addin/taskpane.html')
    expect(html).toContain('<script src="https://appsforoffice.microsoft.com/lib/1/hosted/office.js"></script>')
    expect(html).toContain('<script src="taskpane.js" defer></script>')
    expect(html).toContain('href="taskpane.css"')
  })

  it.each(OUTLOOK_ICON_SIZES.map((size) => ({ size })))('writes a valid $size×$size PNG icon', async ({ size }) => {
    const png = await readFile(path.join(dir, 'dist', 'outlook-addin', 'assets', `icon-${size}.png`))
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR')
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([size, size])
    expect(png.subarray(-8, -4).toString('ascii')).toBe('IEND')
  })
})

describe('backend URL choice', () => {
  it('warns, but still builds, when the URL is not https', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'sb-build-http-'))
    try {
      const seen: string[] = []
      const local = await buildAll({ backendUrl: 'http://localhost:8787/', outDir: out, onWarning: (w) => seen.push(w) })
      expect(seen).toHaveLength(1)
      expect(seen[0]).toMatch(/not https/)
      expect(local.warnings).toEqual(seen)
      const manifest = JSON.parse(await readFile(path.join(out, 'sheets-plugin', 'appsscript.json'), 'utf8')) as { urlFetchWhitelist: string[] }
      expect(manifest.urlFetchWhitelist).toEqual(['http://localhost:8787/'])
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  })

  it('takes PUBLIC_URL when no flag is given, and the flag over PUBLIC_URL', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'sb-build-env-'))
    try {
      const fromEnv = await buildAll({ outDir: out, env: { PUBLIC_URL: 'https://env.example.test' }, onWarning: () => {} })
      expect(fromEnv.backend.url).toBe('https://env.example.test')
      const fromFlag = await buildAll({ outDir: out, backendUrl: 'https://flag.example.test', env: { PUBLIC_URL: 'https://env.example.test' }, onWarning: () => {} })
      expect(fromFlag.backend.url).toBe('https://flag.example.test')
      const fallback = await buildAll({ outDir: out, env: {}, onWarning: () => {} })
      expect(fallback.backend.url).toBe('http://localhost:8787')
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  })

  it('runs from the command line with --backend-url and --out', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'sb-build-cli-'))
    try {
      const { stdout, stderr } = await run(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['build/build.ts', '--backend-url', 'http://127.0.0.1:9999', '--out', out], { cwd: REPO_ROOT })
      // The count it reports is the files it wrote (two add-ons' bundles and manifests, the Outlook pages and icons).
      const written = (await readdir(out, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length
      expect(stdout).toMatch(new RegExp(`Built ${written} files`))
      expect(written).toBeGreaterThanOrEqual(17)
      expect(stderr).toMatch(/warning: Backend URL http:\/\/127\.0\.0\.1:9999 is not https/)
      const xml = await readFile(path.join(out, 'outlook-addin', 'manifest.xml'), 'utf8')
      expect(xml).toContain('http://127.0.0.1:9999/outlook/taskpane.html')
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  })
})

describe('clasp templates', () => {
  it.each([{ target: 'gmail-addon' as const }, { target: 'sheets-plugin' as const }])('$target: the template points clasp at exactly the built files', async ({ target }) => {
    const example = JSON.parse(await readFile(path.join(REPO_ROOT, 'build', 'clasp', `${target}.clasp.json.example`), 'utf8')) as { scriptId: string, rootDir: string }
    expect(example).toEqual({ scriptId: '<your script id>', rootDir: `dist/${target}` })

    // A stand-in repository: the filled-in config, the built add-on, then what the deploy script runs.
    const repo = await mkdtemp(path.join(tmpdir(), 'sb-clasp-'))
    try {
      await mkdir(path.join(repo, 'build', 'clasp'), { recursive: true })
      await writeFile(path.join(repo, 'build', 'clasp', `${target}.clasp.json`), JSON.stringify({ ...example, scriptId: '1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789' }))
      await expect(writeClaspProject(target, { repoRoot: repo })).rejects.toThrow(/npm run build/)
      await cp(path.join(dir, 'dist', target), path.join(repo, 'dist', target), { recursive: true })
      const written = await writeClaspProject(target, { repoRoot: repo })
      expect(written).toBe(path.join(repo, '.clasp.json'))

      const { stdout } = await run(path.join(REPO_ROOT, 'node_modules', '.bin', 'clasp'), ['show-file-status', '--json', '-P', '.clasp.json'], { cwd: repo })
      const status = JSON.parse(stdout) as { filesToPush: string[] }
      const expected = target === 'gmail-addon' ? ['Code.js', 'appsscript.json'] : ['Code.js', 'Sidebar.html', 'appsscript.json']
      expect([...status.filesToPush].sort()).toEqual(expected.map((f) => `dist/${target}/${f}`).sort())
    } finally {
      await rm(repo, { recursive: true, force: true })
    }
  })

  it('refuses a placeholder script id and an http build', async () => {
    const repo = await mkdtemp(path.join(tmpdir(), 'sb-clasp-'))
    try {
      await mkdir(path.join(repo, 'build', 'clasp'), { recursive: true })
      const config = path.join(repo, 'build', 'clasp', 'sheets-plugin.clasp.json')
      await expect(writeClaspProject('sheets-plugin', { repoRoot: repo })).rejects.toThrow(/copy .*\.example/)
      await writeFile(config, JSON.stringify({ scriptId: '<your script id>', rootDir: 'dist/sheets-plugin' }))
      await expect(writeClaspProject('sheets-plugin', { repoRoot: repo })).rejects.toThrow(/scriptId/)
      await writeFile(config, JSON.stringify({ scriptId: '1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', rootDir: 'dist/sheets-plugin' }))
      await buildAll({ backendUrl: 'http://localhost:8787', outDir: path.join(repo, 'dist'), onWarning: () => {} })
      await expect(writeClaspProject('sheets-plugin', { repoRoot: repo })).rejects.toThrow(/https/)
      await expect(writeClaspProject('sheets-plugin', { repoRoot: repo, allowHttp: true })).resolves.toBe(path.join(repo, '.clasp.json'))
    } finally {
      await rm(repo, { recursive: true, force: true })
    }
  })
})
