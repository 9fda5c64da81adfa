import { startSandbox } from './sandbox.js'

/**
 * `npm run sandbox`: the local Cloud API on its own. Configured by SANDBOX_PORT (8790),
 * SANDBOX_HOST (127.0.0.1), SANDBOX_ACCESS_TOKEN, SANDBOX_APP_SECRET, SANDBOX_WEBHOOK_URL
 * and SANDBOX_SEED. Prints what to put in Switchboard's configuration; the token and
 * secret are printed only when they are the public development defaults.
 */
async function main (): Promise<void> {
  const env = process.env
  const port = Number(env['SANDBOX_PORT'] ?? 8790)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('SANDBOX_PORT must be a port number')
  const seed = env['SANDBOX_SEED'] === undefined ? undefined : Number(env['SANDBOX_SEED'])
  if (seed !== undefined && !Number.isInteger(seed)) throw new Error('SANDBOX_SEED must be a whole number')
  const token = env['SANDBOX_ACCESS_TOKEN']
  const secret = env['SANDBOX_APP_SECRET']
  const sandbox = await startSandbox({
    port,
    host: env['SANDBOX_HOST'] ?? '127.0.0.1',
    ...(token === undefined || token === '' ? {} : { accessTokens: [token] }),
    ...(secret === undefined || secret === '' ? {} : { appSecret: secret }),
    ...(env['SANDBOX_WEBHOOK_URL'] === undefined || env['SANDBOX_WEBHOOK_URL'] === '' ? {} : { webhookUrl: env['SANDBOX_WEBHOOK_URL'] }),
    ...(seed === undefined ? {} : { seed }),
  })
  const shown = (value: string | undefined, fallback: string): string => value === undefined || value === '' ? fallback : '(the value you set)'
  const lines = [
    '',
    `WhatsApp Cloud API sandbox is running at ${sandbox.url}`,
    '  Configure Switchboard with:',
    `    Graph base URL      ${sandbox.url}`,
    `    access token        ${shown(token, sandbox.accessToken)}`,
    `    app id              ${sandbox.appId}`,
    `    app secret          ${shown(secret, sandbox.appSecret)}`,
    `    WABA id             ${sandbox.wabaId}`,
    `    phone number id     ${sandbox.phoneNumberId}`,
    `  Webhooks go to       ${env['SANDBOX_WEBHOOK_URL'] !== undefined && env['SANDBOX_WEBHOOK_URL'] !== '' ? env['SANDBOX_WEBHOOK_URL'] : '(none yet: POST /_sandbox/webhook {"url": "..."})'}`,
    `  Controls             ${sandbox.url}/_sandbox  (inbound, faults, signup, inspect, reset)`,
    '',
  ]
  process.stdout.write(lines.join('\n') + '\n')

  const stop = (): void => {
    sandbox.close().then(() => process.exit(0), () => process.exit(1))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((error: unknown) => {
  process.stderr.write(`Sandbox failed to start: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
