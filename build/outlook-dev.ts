import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { homedir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildAll, REPO_ROOT } from './build.js'

/**
 * `npm run outlook:dev`: builds the Outlook add-in for https://localhost:3000, starts the
 * backend behind an HTTPS proxy there (Outlook loads add-ins over https only) and prints the
 * sideload steps. The certificate is office-addin-dev-certs' localhost pair; installing its
 * CA needs administrator rights, so this script only reads it and says how to make it.
 */

export const DEV_CERT_DIR = path.join(homedir(), '.office-addin-dev-certs')

export interface DevCertificate {
  key: Buffer
  cert: Buffer
}

/** The dev certificate pair, or undefined with the command that creates it. */
export function readDevCertificate (dir = DEV_CERT_DIR): DevCertificate | undefined {
  const keyFile = path.join(dir, 'localhost.key')
  const certFile = path.join(dir, 'localhost.crt')
  if (!existsSync(keyFile) || !existsSync(certFile)) return undefined
  return { key: readFileSync(keyFile), cert: readFileSync(certFile) }
}

/**
 * An HTTPS server that forwards every request to `target` (the backend's plain HTTP port)
 * and streams the answer back unchanged, redirects included.
 */
export function startHttpsProxy (options: { port: number, host?: string, target: URL, certificate: DevCertificate }): Promise<https.Server> {
  const server = https.createServer({ key: options.certificate.key, cert: options.certificate.cert }, (request, response) => {
    const upstream = http.request({
      host: options.target.hostname,
      port: options.target.port,
      method: request.method,
      path: request.url,
      headers: { ...request.headers, 'x-forwarded-proto': 'https' },
    }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(response)
    })
    upstream.on('error', () => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' })
      response.end('The Switchboard backend is not answering')
    })
    request.pipe(upstream)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host ?? '127.0.0.1', () => { resolve(server) })
  })
}

export const SIDELOAD_STEPS = (manifest: string): string => `
Sideload ${manifest}:

  Outlook on the web and new Outlook for Windows:
    1. Open https://aka.ms/olksideload (Outlook on the web opens "Add-ins for Outlook").
    2. My add-ins → Custom Addins → Add a custom add-in → Add from File… → choose the manifest.
    3. Open a message and choose Switchboard on the message's ribbon (or under Apps).

  Classic Outlook for Windows (Microsoft 365):
    npm run outlook:start      (wraps office-addin-debugging, which sideloads on Windows)
    or: File → Manage Add-ins (opens the web page above) and add the file there. It can take a
    while before classic Outlook shows a newly added add-in; restart Outlook if it does not.

  Outlook for Mac: Get Add-ins → My add-ins → Add a custom add-in → Add from File.

The pane needs the dev certificate trusted by the machine running Outlook.
`

async function main (): Promise<void> {
  const port = Number(process.env.OUTLOOK_DEV_PORT ?? '3000')
  const backendPort = Number(process.env.PORT ?? '8787')
  const publicUrl = `https://localhost:${port}`
  const certificate = readDevCertificate()
  if (certificate === undefined) {
    console.error(`No development certificate in ${DEV_CERT_DIR}.
Create and trust one (once per machine; it asks for administrator rights to trust its CA):

  npx office-addin-dev-certs install

then run npm run outlook:dev again.`)
    process.exitCode = 1
    return
  }
  const outDir = path.join(REPO_ROOT, 'dist')
  await buildAll({ backendUrl: publicUrl, outDir, onWarning: (message) => { console.warn(`warning: ${message}`) } })
  const backend: ChildProcess = spawn(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['backend/src/main.ts'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    env: { ...process.env, PORT: String(backendPort), PUBLIC_URL: publicUrl, OUTLOOK_ADDIN_DIR: path.join(outDir, 'outlook-addin') },
  })
  const proxy = await startHttpsProxy({ port, target: new URL(`http://127.0.0.1:${backendPort}`), certificate })
  console.log(`\nThe Outlook add-in is served at ${publicUrl}/outlook/taskpane.html (backend on port ${backendPort}).`)
  console.log(SIDELOAD_STEPS(path.join(outDir, 'outlook-addin', 'manifest.xml')))
  const stop = (): void => {
    proxy.close()
    backend.kill('SIGTERM')
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  backend.once('exit', (code) => {
    proxy.close()
    process.exitCode = code ?? 0
  })
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 1
  })
}
