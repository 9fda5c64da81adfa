import { mkdtemp } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { buildAll } from './build.js'
import { cardPage, createGmailHost, loadAppsScript, type GmailFixtureMessage, type GmailHost, type TypedForm } from './test-support/apps-script-runtime.js'
import { startBackend, type BackendProcess } from './test-support/backend-process.js'
import { startLocalGoogleIdentity, type LocalGoogleIdentity } from './test-support/google-identity.js'

/**
 * `npm run preview:gmail`: the built Gmail add-on in the local Apps Script runtime, its cards
 * drawn as HTML in your browser beside a list of fixture emails. It starts a backend in
 * sandbox mode with a demo workspace (a contact with a deal, a stranger, an opted-out contact)
 * and a local stand-in for Google's identity keys, so the add-on signs in as Google would have
 * it. Clicks go to the runtime as Gmail would send them, with the card's current form values.
 */

const USAGE = `Usage: npm run preview:gmail -- [--port 8791]`

export const PREVIEW_USER = 'owner@acme.example'

/** The emails the preview lists (and the Chromium screenshot test opens). */
export const PREVIEW_MESSAGES: Record<string, GmailFixtureMessage> = {
  'From Grace (a contact with a deal)': {
    accessToken: 'tok-grace',
    from: '"Grace Hopper" <grace@navy.example>',
    to: `Owner <${PREVIEW_USER}>`,
    cc: 'Ünïcødé Ωmega <omega@elsewhere.example>',
    subject: 'Quote for 200 cables — ¿precio final? 🚢',
    headers: { 'Message-ID': '<quote-1@navy.example>' },
    plainBody: 'Hello, please find the quote attached.',
    attachments: [{ name: 'quote.pdf', size: 12345, contentType: 'application/pdf' }],
    threadId: 'thread-quote',
  },
  'From a stranger at a known company': {
    accessToken: 'tok-stranger',
    from: '"Katherine <b>Johnson</b>" <katherine@nasa.example>',
    to: PREVIEW_USER,
    subject: 'Orbit numbers',
    headers: { 'Message-ID': '<orbit@nasa.example>' },
  },
  'From an opted-out contact': {
    accessToken: 'tok-optout',
    from: 'Opted Out <no@thanks.example>',
    to: PREVIEW_USER,
    subject: 'Please stop',
    headers: { 'Message-ID': '<stop@thanks.example>' },
  },
}

/** The demo workspace's records, created through the API as a person would. */
export async function seedPreviewData (backend: BackendProcess): Promise<void> {
  const ok = async <T>(method: string, apiPath: string, body: unknown): Promise<T> => {
    const answer = await backend.api<T>(method, apiPath, body)
    if (answer.status >= 300) throw new Error(`${method} ${apiPath}: ${answer.status} ${JSON.stringify(answer.body)}`)
    return answer.body
  }
  const navy = await ok<{ id: string }>('POST', '/companies', { name: 'US Navy & <Partners>', domain: 'navy.example' })
  await ok('POST', '/companies', { name: 'NASA', domain: 'nasa.example' })
  const grace = await ok<{ id: string }>('POST', '/contacts', { name: 'Grace Hopper', emails: ['grace@navy.example'], phones: ['+44 20 7946 0958'], companyId: navy.id, tags: ['vip', 'cobol'] })
  await ok('POST', '/deals', { title: 'Cable order', amount: 12000, currency: 'EUR', contactIds: [grace.id], companyId: navy.id })
  await ok('POST', '/activities', { type: 'note', contactId: grace.id, body: 'Prefers WhatsApp after 5 pm <CET>' })
  await ok('POST', '/contacts', { name: 'Opted Out', emails: ['no@thanks.example'], phones: ['+44 20 7946 0999'], marketing: { status: 'opted_out' } })
}

/** A backend (sandbox mode) that trusts a local identity key, with the demo data, and the add-on built for it. */
export async function startPreview (): Promise<{ backend: BackendProcess, identity: LocalGoogleIdentity, distDir: string, close: () => Promise<void> }> {
  const identity = await startLocalGoogleIdentity()
  const backend = await startBackend({ workspaceName: 'Acme Imports', env: { GOOGLE_CLIENT_IDS: identity.clientId, GOOGLE_JWKS_URL: identity.jwksUrl } })
  await seedPreviewData(backend)
  const dir = await mkdtemp(path.join(tmpdir(), 'sb-gmail-preview-'))
  await buildAll({ backendUrl: backend.url, outDir: dir, onWarning: () => {} })
  return {
    backend, identity, distDir: path.join(dir, 'gmail-addon'),
    close: async () => { await backend.close(); await identity.close() },
  }
}

function escape (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

// The page's own script: opens an email or surface, and sends a click with the panel's form values.
const CLIENT = `<script>
const post = (url, body) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(() => location.reload())
document.querySelectorAll('[data-open]').forEach((a) => a.addEventListener('click', (e) => { e.preventDefault(); post('/__open', JSON.parse(a.dataset.open)) }))
document.querySelectorAll('aside button[data-button]').forEach((b) => b.addEventListener('click', () => {
  if (b.dataset.link) { window.open(b.dataset.link, '_blank'); return }
  const same = [...document.querySelectorAll('aside button[data-button]')].filter((x) => x.dataset.button === b.dataset.button)
  const form = {}
  document.querySelectorAll('aside input, aside select, aside textarea').forEach((f) => {
    if (f.type === 'checkbox' || f.type === 'radio') { form[f.name] = form[f.name] || []; if (f.checked) form[f.name].push(f.value) } else form[f.name] = f.value
  })
  post('/__click', { text: b.dataset.button, nth: same.indexOf(b), form })
}))
</script>`

function page (host: GmailHost, log: string[]): string {
  const emails = Object.keys(PREVIEW_MESSAGES).map((id) => `<li><a href="#" data-open="${escape(JSON.stringify({ kind: 'message', id }))}">${escape(id)}</a></li>`).join('')
  const extra = `<h1 style="font-size:18px">Switchboard for Gmail — local preview</h1>
<p>Open an email; the add-on's card is on the right. Signed in as ${escape(PREVIEW_USER)}.</p>
<ul>${emails}<li><a href="#" data-open='{"kind":"home"}'>Homepage (no email open)</a></li>
<li><a href="#" data-open='{"kind":"compose"}'>Compose to grace@navy.example</a></li></ul>
<h2 style="font-size:14px">Executions</h2><pre style="white-space:pre-wrap">${escape(log.slice(-15).join('\n'))}</pre>`
  const notification = host.notifications.length > 0 ? host.notifications[host.notifications.length - 1]! : null
  return cardPage(host.top(), notification, extra).replace('</body>', `${CLIENT}</body>`)
}

function send (response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
  response.end(body)
}

async function bodyOf (request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

async function main (): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } } })
  if (values.help === true) {
    console.log(USAGE)
    return
  }
  console.log('Starting a backend in sandbox mode with a demo workspace…')
  const preview = await startPreview()
  const runtime = loadAppsScript(preview.distDir, { gmailMessages: PREVIEW_MESSAGES, userEmail: PREVIEW_USER, oauthClientId: preview.identity.clientId, signIdentityToken: preview.identity.sign })
  const host = createGmailHost(runtime)
  const log: string[] = []
  const record = (what: string): void => {
    const last = runtime.lastExecution()
    log.push(`${what}: ${last.functionName}, ${Math.round(last.elapsedMs)} ms on Google's clock, ${last.counters.urlFetchRequests} UrlFetch${last.error === undefined ? '' : `, failed: ${last.error}`}`)
  }
  host.openHomepage()
  record('homepage')

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://localhost')
      if (request.method === 'GET' && url.pathname === '/') return send(response, 200, 'text/html; charset=utf-8', page(host, log))
      if (request.method === 'POST' && (url.pathname === '/__open' || url.pathname === '/__click')) {
        const body = JSON.parse(await bodyOf(request)) as { kind?: string, id?: string, text?: string, nth?: number, form?: TypedForm }
        try {
          if (url.pathname === '/__click') host.click(body.text ?? '', body.form ?? {}, body.nth ?? 0)
          else if (body.kind === 'message') host.openMessage(body.id ?? '')
          else if (body.kind === 'compose') host.openCompose({ to: ['Grace Hopper <grace@navy.example>'] })
          else host.openHomepage()
          record(url.pathname === '/__click' ? `click "${body.text ?? ''}"` : `open ${body.id ?? body.kind ?? ''}`)
        } catch (error) {
          log.push(`failed: ${error instanceof Error ? error.message : String(error)}`)
        }
        return send(response, 200, 'application/json', '{}')
      }
      return send(response, 404, 'text/plain', 'not found')
    })().catch((error: unknown) => { send(response, 500, 'text/plain', String(error)) })
  })
  const port = Number(values.port ?? 8791)
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const close = async (): Promise<void> => {
    await preview.close()
    process.exit(0)
  }
  process.on('SIGINT', () => { void close() })
  process.on('SIGTERM', () => { void close() })
  console.log(`\nSwitchboard for Gmail: http://127.0.0.1:${port}/  (Ctrl+C to stop)`)
  console.log(`  backend ${preview.backend.url} (sandbox; WhatsApp messages go to ${preview.backend.sandboxUrl})`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  })
}
