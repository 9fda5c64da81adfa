import { randomBytes } from 'node:crypto'
import type { WhatsappConfig } from '../config.js'
import { startSandbox, type Sandbox } from './sandbox/sandbox.js'
import { DEFAULT_TIMEOUT_MS } from './cloud-api/client.js'

/**
 * Who plays Meta for this process, resolved once at start-up. In `meta` mode these are
 * the configured Graph URL and app credentials. In `sandbox` mode the local Cloud API
 * sandbox is started inside the process with fresh credentials, so `npm start` works
 * with no Meta account, and every part above sees the same shape either way.
 */
export interface WhatsappRuntime {
  mode: 'sandbox' | 'meta'
  graphUrl: string
  graphVersion: string
  appId: string | undefined
  appSecret: string | undefined
  verifyToken: string | undefined
  configId: string | undefined
  optOutKeywords: readonly string[]
  /** Present in sandbox mode: plays the Embedded Signup popup and receives our sends. */
  sandbox: Sandbox | undefined
  /** How long a Cloud API call may take before it counts as unanswered (ambiguous for sends). */
  timeoutMs: number
}

/** The runtime without starting anything: the Meta configuration as given. */
export function metaRuntime (config: WhatsappConfig, sandbox?: Sandbox): WhatsappRuntime {
  return {
    mode: sandbox === undefined ? config.mode : 'sandbox',
    graphUrl: sandbox?.url ?? config.graphUrl,
    graphVersion: config.graphVersion,
    appId: sandbox?.appId ?? config.appId,
    appSecret: sandbox?.appSecret ?? config.appSecret,
    verifyToken: config.verifyToken ?? (sandbox === undefined ? undefined : randomBytes(16).toString('hex')),
    configId: config.configId,
    optOutKeywords: config.optOutKeywords,
    sandbox,
    timeoutMs: DEFAULT_TIMEOUT_MS,
  }
}

/**
 * Starts the sandbox when no Meta app is configured. Its webhooks go to `webhookUrl`
 * (this process's own receiver), signed with the secret the receiver checks.
 */
export async function startWhatsappRuntime (config: WhatsappConfig, host: string): Promise<WhatsappRuntime> {
  if (config.mode === 'meta') return metaRuntime(config)
  const sandbox = await startSandbox({
    host,
    port: config.sandboxPort,
    appSecret: randomBytes(24).toString('hex'),
    accessTokens: [randomBytes(24).toString('hex')],
    // Answers like Meta's (50–150 ms) so nothing in development depends on a fast peer.
    latency: { minMs: 50, maxMs: 150 },
  })
  return metaRuntime(config, sandbox)
}
