import vm from 'node:vm'
import * as esbuild from 'esbuild'

/**
 * Apps Script has no modules: it runs every file's top level in one global scope and calls
 * triggers, menu items and `google.script.run` targets by the name of a global function.
 * esbuild's IIFE hides everything, so a footer re-declares each export of `entry.ts` as a
 * top-level function that forwards to the bundle.
 */

/** The V8 runtime takes modern syntax but no modules; ES2020 is comfortably inside what it parses. */
export const APPS_SCRIPT_TARGET = 'es2020'

export interface AppsScriptBundleOptions {
  entry: string
  /** The IIFE's global; must not clash with an Apps Script service or an export. */
  globalName: string
  /** Build-time constants (esbuild `define`): identifier → JavaScript expression. */
  define: Record<string, string>
}

export interface AppsScriptBundle {
  /** Code.js: the IIFE followed by one forwarding `function` per export. */
  code: string
  /** The entry module's exports (as esbuild lists them): every global function Code.js declares. */
  exports: string[]
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

export async function bundleAppsScript (options: AppsScriptBundleOptions): Promise<AppsScriptBundle> {
  const common: esbuild.BuildOptions = {
    entryPoints: [options.entry],
    bundle: true,
    write: false,
    platform: 'neutral',
    target: APPS_SCRIPT_TARGET,
    define: options.define,
    legalComments: 'none',
    logLevel: 'silent',
  }
  // esbuild lists an entry's exports in the metafile only for ESM output, so read them from an ESM pass.
  const esm = await esbuild.build({ ...common, format: 'esm', metafile: true, outfile: 'entry.mjs' })
  const exports = Object.values(esm.metafile.outputs).find((output) => output.entryPoint !== undefined)?.exports ?? []
  if (exports.length === 0) throw new Error(`${options.entry} exports nothing: Apps Script would see no functions`)
  for (const name of exports) {
    if (!IDENTIFIER.test(name) || name === 'default') throw new Error(`${options.entry}: export "${name}" cannot become a global function; use named function exports`)
    if (name === options.globalName) throw new Error(`${options.entry}: export "${name}" clashes with the bundle's global name`)
  }

  const footer = exports.map((name) => `function ${name}(...args) { return ${options.globalName}.${name}(...args) }`).join('\n')
  const iife = await esbuild.build({
    ...common,
    format: 'iife',
    globalName: options.globalName,
    outfile: 'Code.js',
    footer: { js: `\n// Entry points: Apps Script calls these by name (manifest, menus, google.script.run).\n${footer}` },
  })
  const code = iife.outputFiles?.[0]?.text
  if (code === undefined) throw new Error(`esbuild produced no output for ${options.entry}`)
  assertLoadsWithoutServices(code, options.globalName, exports, options.entry)
  return { code, exports }
}

/**
 * Loads the bundle with no Apps Script globals at all. Apps Script re-runs the top level on
 * every trigger, so it must not call services; and an export that is not a function would
 * give a stub that throws only when a user clicks it.
 */
function assertLoadsWithoutServices (code: string, globalName: string, exports: readonly string[], entry: string): void {
  const context = vm.createContext({})
  try {
    vm.runInContext(code, context, { filename: 'Code.js' })
  } catch (error) {
    throw new Error(`${entry}: the bundle must load without Apps Script services, but loading it threw: ${String(error)}`)
  }
  const api = (context as Record<string, unknown>)[globalName] as Record<string, unknown> | undefined
  for (const name of exports) {
    if (typeof api?.[name] !== 'function') throw new Error(`${entry}: export "${name}" is not a function; Apps Script entry points must be functions`)
  }
}
