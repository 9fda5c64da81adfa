import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { REPO_ROOT } from './build.js'

/**
 * Prepares `clasp push` for one Apps Script add-on: checks build/clasp/<target>.clasp.json
 * and the built manifest, then writes the repository's `.clasp.json` (git-ignored) from it.
 * clasp resolves `rootDir` against the folder of the config file and refuses a rootDir that
 * leaves it, so the config that points at dist/<target> must sit at the repository root.
 */

export const APPS_SCRIPT_TARGETS = ['gmail-addon', 'sheets-plugin'] as const
export type AppsScriptTarget = typeof APPS_SCRIPT_TARGETS[number]

export interface ClaspProjectOptions {
  repoRoot?: string
  /** Skip the https check on the built manifest (pushing a local preview build to a test project). */
  allowHttp?: boolean
}

/** Writes `<repoRoot>/.clasp.json` for `target` and returns its path. */
export async function writeClaspProject (target: AppsScriptTarget, options: ClaspProjectOptions = {}): Promise<string> {
  const root = options.repoRoot ?? REPO_ROOT
  const configPath = path.join(root, 'build', 'clasp', `${target}.clasp.json`)
  let raw: string
  try {
    raw = await readFile(configPath, 'utf8')
  } catch {
    throw new Error(`${path.relative(root, configPath)} is missing: copy ${path.relative(root, configPath)}.example to it and put your Apps Script project's script id in it.`)
  }
  const config = JSON.parse(raw) as { scriptId?: unknown, rootDir?: unknown }
  if (typeof config.scriptId !== 'string' || !/^[A-Za-z0-9_-]{10,}$/.test(config.scriptId)) {
    throw new Error(`${path.relative(root, configPath)}: scriptId must be your project's script id (Project Settings → IDs in the Apps Script editor).`)
  }
  const expectedRootDir = `dist/${target}`
  if (config.rootDir !== expectedRootDir) {
    throw new Error(`${path.relative(root, configPath)}: rootDir must be "${expectedRootDir}", where npm run build writes this add-on.`)
  }

  const manifestPath = path.join(root, expectedRootDir, 'appsscript.json')
  let manifest: { urlFetchWhitelist?: string[] }
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { urlFetchWhitelist?: string[] }
  } catch {
    throw new Error(`${path.relative(root, manifestPath)} is missing: run npm run build first.`)
  }
  const insecure = (manifest.urlFetchWhitelist ?? []).filter((prefix) => !prefix.startsWith('https://'))
  if (insecure.length > 0 && options.allowHttp !== true) {
    throw new Error(`The build whitelists ${insecure.join(', ')}; Apps Script needs https for versioned deployments. Rebuild with PUBLIC_URL=https://… (or pass --allow-http to push a preview build to a test project).`)
  }

  const claspJson = path.join(root, '.clasp.json')
  await writeFile(claspJson, `${JSON.stringify({ scriptId: config.scriptId, rootDir: expectedRootDir }, null, 2)}\n`)
  return claspJson
}

async function main (): Promise<void> {
  const [target, ...flags] = process.argv.slice(2)
  if (!APPS_SCRIPT_TARGETS.includes(target as AppsScriptTarget)) {
    throw new Error(`Usage: tsx build/clasp-project.ts <${APPS_SCRIPT_TARGETS.join('|')}> [--allow-http]`)
  }
  const written = await writeClaspProject(target as AppsScriptTarget, { allowHttp: flags.includes('--allow-http') })
  console.log(`clasp will push dist/${target} using ${path.relative(process.cwd(), written)}`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 1
  })
}
