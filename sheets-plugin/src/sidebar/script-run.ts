import type { ServerFunctionName, ServerFunctions } from '../core/sidebar-protocol.js'

// google.script.run as the sidebar may use it: only the functions of the shared protocol.
type Runner = {
  withSuccessHandler: (handler: (value: unknown) => void) => Runner
  withFailureHandler: (handler: (error: Error) => void) => Runner
} & { [K in ServerFunctionName]: (...args: Parameters<ServerFunctions[K]>) => void }

// Injected by HtmlService into the sidebar's iframe; declared here, module-scoped, rather than as a global type.
declare const google: { script: { run: Runner } }

/**
 * Calls a server function and resolves with its return value. Apps Script rejects with an
 * Error whose message is the server's; codes travel inside results instead (see ConnectionResult).
 */
export function callServer<K extends ServerFunctionName> (name: K, ...args: Parameters<ServerFunctions[K]>): Promise<ReturnType<ServerFunctions[K]>> {
  return new Promise((resolve, reject) => {
    const runner = google.script.run
      .withSuccessHandler((value) => { resolve(value as ReturnType<ServerFunctions[K]>) })
      .withFailureHandler(reject)
    const call = runner[name] as (...callArgs: unknown[]) => void
    call.apply(runner, args)
  })
}
