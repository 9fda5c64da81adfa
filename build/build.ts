import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import * as esbuild from 'esbuild'
import { bundleAppsScript } from './apps-script-bundle.js'
import { backendUrlWarnings, chooseBackendUrl, parseBackendUrl, type BackendUrl } from './backend-url.js'
import { switchboardIcon } from './png.js'
import { fillJsonTemplate, fillXmlTemplate } from './templates.js'

/** The repository root: source paths are fixed relative to it, wherever the build is run from. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url))

/** The identifier the bundles read the backend URL from; see apps-script/src/build-constants.ts. */
export const BACKEND_URL_CONSTANT = 'SWITCHBOARD_BACKEND_URL'

export const TARGETS = ['gmail-addon', 'sheets-plugin', 'outlook-addin'] as const
export type Target = typeof TARGETS[number]

/** Icon sizes the Outlook manifest references (16/32/80 ribbon, 25/32/48 mobile, 64 and 128 add-in icon). */
export const OUTLOOK_ICON_SIZES = [16, 25, 32, 48, 64, 80, 128] as const

export interface BuildOptions {
  /** Overrides PUBLIC_URL; defaults to http://localhost:8787. */
  backendUrl?: string
  /** Where the three target folders go; defaults to `<repo>/dist`. */
  outDir?: string
  /** Receives each warning; defaults to printing it on stderr. */
  onWarning?: (message: string) => void
  /** Environment to read PUBLIC_URL from; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>
  /**
   * Where the Outlook pane loads office.js from: Microsoft's CDN (default, and what
   * Microsoft supports), or `local`, a copy from the @microsoft/office-js package served
   * beside the pane, for networks that cannot reach the CDN.
   */
  officeJs?: 'cdn' | 'local'
}

export interface BuildResult {
  outDir: string
  backend: BackendUrl
  warnings: string[]
  /** Every file written, relative to `outDir`, with `/` separators. */
  files: string[]
}

/** Builds the Gmail add-on, the Sheets add-on and the Outlook add-in into `outDir`. */
export async function buildAll (options: BuildOptions = {}): Promise<BuildResult> {
  const backend = parseBackendUrl(chooseBackendUrl(options.backendUrl, (options.env ?? process.env).PUBLIC_URL))
  const outDir = path.resolve(options.outDir ?? path.join(REPO_ROOT, 'dist'))
  const warnings = backendUrlWarnings(backend)
  const onWarning = options.onWarning ?? ((message: string) => { console.warn(`warning: ${message}`) })
  for (const warning of warnings) onWarning(warning)

  const files: string[] = []
  const write = async (target: Target, name: string, content: string | Buffer): Promise<void> => {
    const file = path.join(outDir, target, name)
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, content)
    files.push(`${target}/${name}`)
  }
  // A file left over from an earlier build would be pushed by clasp or served to Outlook.
  await Promise.all(TARGETS.map((target) => rm(path.join(outDir, target), { recursive: true, force: true })))

  const define = { [BACKEND_URL_CONSTANT]: JSON.stringify(backend.url) }
  const manifestValues = { BACKEND_URL: backend.url, BACKEND_ORIGIN: backend.origin }

  const gmail = await bundleAppsScript({ entry: source('gmail-addon/src/entry.ts'), globalName: 'Switchboard', define })
  const gmailManifest = fillJsonTemplate(await readSource('manifests/gmail-addon.appsscript.json'), manifestValues)
  assertExported('gmail-addon', manifestFunctionNames(JSON.parse(gmailManifest)), gmail.exports)
  await write('gmail-addon', 'Code.js', gmail.code)
  await write('gmail-addon', 'appsscript.json', gmailManifest)

  const sheets = await bundleAppsScript({ entry: source('sheets-plugin/src/entry.ts'), globalName: 'Switchboard', define })
  // Editor add-ons have no trigger list in the manifest: Apps Script calls these simple triggers by name.
  assertExported('sheets-plugin', ['onOpen', 'onInstall'], sheets.exports)
  await write('sheets-plugin', 'Code.js', sheets.code)
  await write('sheets-plugin', 'Sidebar.html', await buildSidebar(define))
  await write('sheets-plugin', 'appsscript.json', fillJsonTemplate(await readSource('manifests/sheets-plugin.appsscript.json'), manifestValues))

  const officeJs = options.officeJs ?? 'cdn'
  const paneHtml = async (name: string): Promise<string> => {
    const html = await readSource(`outlook-addin/src/${name}`)
    return officeJs === 'cdn' ? html : replaceOnce(html, OFFICE_JS_CDN, LOCAL_OFFICE_JS)
  }
  await write('outlook-addin', 'taskpane.html', await paneHtml('taskpane.html'))
  await write('outlook-addin', 'taskpane.js', await bundleBrowser(source('outlook-addin/src/taskpane.ts'), define))
  // The sign-in dialog's landing page: it hands the code to the pane with messageParent.
  await write('outlook-addin', 'signed-in.html', await paneHtml('signed-in.html'))
  await write('outlook-addin', 'signed-in.js', await bundleBrowser(source('outlook-addin/src/signed-in.ts'), define))
  if (officeJs === 'local') {
    for (const file of await copyOfficeJs(path.join(outDir, 'outlook-addin', LOCAL_OFFICE_JS_DIR))) files.push(`outlook-addin/${LOCAL_OFFICE_JS_DIR}/${file}`)
  }
  await write('outlook-addin', 'taskpane.css', await readSource('outlook-addin/src/taskpane.css'))
  // The manifest's SupportUrl: AppSource requires one that answers.
  await write('outlook-addin', 'support.html', await readSource('outlook-addin/src/support.html'))
  await write('outlook-addin', 'manifest.xml', fillXmlTemplate(await readSource('manifests/outlook-addin.manifest.xml'), manifestValues))
  for (const size of OUTLOOK_ICON_SIZES) await write('outlook-addin', `assets/icon-${size}.png`, switchboardIcon(size))

  return { outDir, backend, warnings, files }
}

/**
 * Every function name an Apps Script manifest refers to (triggers and universal actions),
 * wherever it sits in the `addOns` tree.
 */
export function manifestFunctionNames (manifest: unknown): string[] {
  const names = new Set<string>()
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit)
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if ((key === 'runFunction' || key === 'onTriggerFunction') && typeof item === 'string') names.add(item)
        else visit(item)
      }
    }
  }
  visit(manifest)
  return [...names]
}

function assertExported (target: Target, required: readonly string[], exports: readonly string[]): void {
  const missing = required.filter((name) => !exports.includes(name))
  if (missing.length > 0) throw new Error(`${target}: src/entry.ts must export ${missing.join(', ')} (Apps Script calls them by name)`)
}

export const OFFICE_JS_CDN = 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js'
const LOCAL_OFFICE_JS_DIR = 'office-js'
const LOCAL_OFFICE_JS = `${LOCAL_OFFICE_JS_DIR}/office.js`

/**
 * Copies what Outlook needs from @microsoft/office-js: office.js loads its host scripts
 * (outlook-*.js) and per-locale strings from beside itself. The other hosts' files (about
 * 80 MB of the package) are left out. Returns the copied paths, relative to `target`.
 */
async function copyOfficeJs (target: string): Promise<string[]> {
  const dist = path.join(REPO_ROOT, 'node_modules', '@microsoft', 'office-js', 'dist')
  const entries = await readdir(dist, { withFileTypes: true }).catch(() => {
    throw new Error('--office-js local needs the @microsoft/office-js package: run npm install')
  })
  const copied: string[] = []
  const keep = (name: string): boolean => !name.includes('.debug.') && (/^(office|o15apptofilemappingtable|es6-promise)\.js$/.test(name) || /^outlook.*\.js$/.test(name))
  for (const entry of entries) {
    if (entry.isFile() && keep(entry.name)) {
      await mkdir(target, { recursive: true })
      await cp(path.join(dist, entry.name), path.join(target, entry.name))
      copied.push(entry.name)
    } else if (entry.isDirectory() && /^[a-z]{2,3}(-[a-z]{2,4})+$/.test(entry.name)) {
      // Locale folders: only the strings office.js and Outlook read.
      for (const name of ['office_strings.js', 'outlook_strings.js']) {
        const from = path.join(dist, entry.name, name)
        if (!(await readFile(from).then(() => true, () => false))) continue
        await mkdir(path.join(target, entry.name), { recursive: true })
        await cp(from, path.join(target, entry.name, name))
        copied.push(`${entry.name}/${name}`)
      }
    }
  }
  if (!copied.includes('office.js')) throw new Error('@microsoft/office-js has no dist/office.js')
  return copied
}

const SIDEBAR_STYLESHEET = '<link rel="stylesheet" href="./sidebar.css">'
const SIDEBAR_SCRIPT = '<script src="./sidebar.js"></script>'

/** Sidebar.html with its CSS and bundled script inlined: HtmlService serves one file and nothing beside it. */
async function buildSidebar (define: Record<string, string>): Promise<string> {
  const html = await readSource('sheets-plugin/src/sidebar/sidebar.html')
  const css = await readSource('sheets-plugin/src/sidebar/sidebar.css')
  const js = await bundleBrowser(source('sheets-plugin/src/sidebar/sidebar.ts'), define)
  // Inside <script>/<style> the HTML parser ends the element at the first closing tag, whatever the JS means.
  if (/<\/script/i.test(js) || /<!--/.test(js)) throw new Error('The sidebar bundle contains "</script" or "<!--" and cannot be inlined')
  if (/<\/style/i.test(css)) throw new Error('sidebar.css contains "</style" and cannot be inlined')
  return replaceOnce(replaceOnce(html, SIDEBAR_STYLESHEET, `<style>\n${css}</style>`), SIDEBAR_SCRIPT, `<script>\n${js}</script>`)
}

async function bundleBrowser (entry: string, define: Record<string, string>): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    // Outlook's webviews (Edge WebView2, WKWebView) and Apps Script's sandboxed iframe all run ES2020.
    target: 'es2020',
    define,
    legalComments: 'none',
    logLevel: 'silent',
    outfile: 'bundle.js',
  })
  const text = result.outputFiles[0]?.text
  if (text === undefined) throw new Error(`esbuild produced no output for ${entry}`)
  return text
}

function replaceOnce (text: string, marker: string, replacement: string): string {
  const at = text.indexOf(marker)
  if (at === -1 || text.indexOf(marker, at + 1) !== -1) throw new Error(`Expected exactly one ${marker} in the template`)
  // A function replacement keeps `$&`-style patterns in the bundle from being expanded.
  return text.replace(marker, () => replacement)
}

function source (relative: string): string {
  return path.join(REPO_ROOT, relative)
}

function readSource (relative: string): Promise<string> {
  return readFile(source(relative), 'utf8')
}

const USAGE = `Usage: npm run build -- [--backend-url <url>] [--out <dir>] [--office-js cdn|local]

  --backend-url <url>  backend the add-ons call (default: $PUBLIC_URL, else http://localhost:8787)
  --out <dir>          output folder (default: dist)
  --office-js <where>  Outlook pane's office.js: cdn (default, Microsoft's CDN) or local (a copy
                       from @microsoft/office-js served beside the pane, for air-gapped installs)`

async function main (): Promise<void> {
  const { values } = parseArgs({
    options: {
      'backend-url': { type: 'string' },
      out: { type: 'string' },
      'office-js': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help === true) {
    console.log(USAGE)
    return
  }
  const officeJs = values['office-js'] ?? 'cdn'
  if (officeJs !== 'cdn' && officeJs !== 'local') throw new Error(`--office-js must be cdn or local, not ${officeJs}`)
  const result = await buildAll({ backendUrl: values['backend-url'], outDir: values.out, officeJs })
  console.log(`Built ${result.files.length} files into ${path.relative(process.cwd(), result.outDir) || '.'} for ${result.backend.url}`)
  for (const target of TARGETS) console.log(`  ${target}: ${result.files.filter((f) => f.startsWith(`${target}/`)).map((f) => f.slice(target.length + 1)).join(', ')}`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 1
  })
}
