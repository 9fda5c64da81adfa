/**
 * `google.script.run` as HtmlService gives it to a sidebar: chainable handlers, every call
 * asynchronous, arguments and results through JSON, the failure handler receiving an Error,
 * and at most 10 calls in flight (Apps Script refuses more). The call itself goes to the
 * local Apps Script runtime: through a function Playwright exposed (`exposed`), or a POST to
 * `/__run` on the page's own server (`http`, for `npm run preview:sheets`).
 *
 * It runs in the page: pass it to `page.addInitScript` with 'exposed', or inline its source with 'http'.
 */
export function googleScriptRunShim (transport: string): void {
  type Handler = (value: unknown) => void
  let inFlight = 0
  const send = async (name: string, args: unknown[]): Promise<unknown> => {
    if (transport === 'exposed') {
      return await (window as unknown as { __runServerFunction: (n: string, a: unknown[]) => Promise<unknown> }).__runServerFunction(name, args)
    }
    const response = await fetch('/__run', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, args }) })
    const answer = await response.json() as { value?: unknown, error?: string }
    if (answer.error !== undefined) throw new Error(answer.error)
    return answer.value
  }
  const makeRunner = (success: Handler | null, failure: Handler | null): unknown => new Proxy({}, {
    get (_target, property) {
      if (property === 'withSuccessHandler') return (handler: Handler) => makeRunner(handler, failure)
      if (property === 'withFailureHandler') return (handler: Handler) => makeRunner(success, handler)
      if (property === 'withUserObject') return () => makeRunner(success, failure)
      if (typeof property !== 'string') return undefined
      return (...args: unknown[]) => {
        if (inFlight >= 10) {
          setTimeout(() => failure?.(new Error('Too many simultaneous google.script.run calls')), 0)
          return
        }
        inFlight++
        send(property, JSON.parse(JSON.stringify(args)) as unknown[]).then(
          (value) => { inFlight--; success?.(value === undefined ? undefined : JSON.parse(JSON.stringify(value))) },
          (error: unknown) => { inFlight--; failure?.(new Error(error instanceof Error ? error.message : String(error))) },
        )
      }
    },
  })
  ;(window as unknown as { google: unknown }).google = { script: { run: makeRunner(null, null) } }
}
