import { onTestFinished } from 'vitest'
import { startSandbox, type Sandbox, type SandboxOptions } from './sandbox.js'
import { startWebhookCollector, type WebhookCollector } from './testing.js'

/** Answers within a few milliseconds and emits statuses at once: what most tests want. */
export const FAST: SandboxOptions = {
  latency: { minMs: 0, maxMs: 0 },
  webhooks: {
    sentDelay: { minMs: 0, maxMs: 0 },
    deliveredDelay: { minMs: 0, maxMs: 0 },
    readDelay: { minMs: 0, maxMs: 0 },
    batchWindowMs: 0,
    maxBatch: 1,
    retry: { initialDelayMs: 20, factor: 2, maxDelayMs: 200, maxAgeMs: 5000 },
  },
}

/** A sandbox closed when the calling test finishes; `options` override `FAST` (webhooks merged one level). */
export async function startTestSandbox (options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = await startSandbox({
    ...FAST,
    ...options,
    webhooks: { ...FAST.webhooks, ...options.webhooks, retry: { ...FAST.webhooks?.retry, ...options.webhooks?.retry } },
  })
  onTestFinished(() => sandbox.close())
  return sandbox
}

/** A webhook collector closed when the calling test finishes. */
export async function startTestCollector (options: { verifyToken?: string } = {}): Promise<WebhookCollector> {
  const collector = await startWebhookCollector(options)
  onTestFinished(() => collector.close())
  return collector
}

export interface GraphAnswer {
  status: number
  // Loose on purpose: tests assert on arbitrary fields of Meta's JSON.
  body: any
}

/** A raw Graph call to the sandbox. `token: null` sends none. */
export async function graph (sandbox: Sandbox, method: string, path: string, body?: unknown, token: string | null = sandbox.accessToken): Promise<GraphAnswer> {
  const headers: Record<string, string> = {}
  if (token !== null) headers['authorization'] = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(`${sandbox.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) })
  const text = await response.text()
  let parsed: unknown = text
  try { parsed = JSON.parse(text) } catch { /* not JSON: keep the text */ }
  return { status: response.status, body: parsed }
}

/** POST /v25.0/{phone}/messages with `messaging_product` filled in. */
export function send (sandbox: Sandbox, message: Record<string, unknown>, options: { phoneNumberId?: string, token?: string | null } = {}): Promise<GraphAnswer> {
  return graph(sandbox, 'POST', `/v25.0/${options.phoneNumberId ?? sandbox.phoneNumberId}/messages`, { messaging_product: 'whatsapp', ...message }, options.token === undefined ? sandbox.accessToken : options.token)
}

/** A template message body. */
export function template (name: string, language: string, components?: unknown[]): Record<string, unknown> {
  return { type: 'template', template: { name, language: { code: language, policy: 'deterministic' }, ...(components === undefined ? {} : { components }) } }
}

/** The body parameters of `welcome_offer` (named). */
export function welcomeOffer (to: string): Record<string, unknown> {
  return {
    to,
    ...template('welcome_offer', 'en_US', [
      { type: 'header', parameters: [{ type: 'text', text: 'Ada', parameter_name: 'first_name' }] },
      { type: 'body', parameters: [
        { type: 'text', text: 'Ada', parameter_name: 'first_name' },
        { type: 'text', text: '15%', parameter_name: 'discount' },
        { type: 'text', text: 'Sunday', parameter_name: 'expiry' },
      ] },
    ]),
  }
}
