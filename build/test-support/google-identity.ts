import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { once } from 'node:events'
import { Worker } from 'node:worker_threads'
import type { IdentityTokenClaims } from './apps-script/script-app-fake.js'

/**
 * A local stand-in for Google's identity side: an RSA key, its JWKS served over HTTP (as
 * https://www.googleapis.com/oauth2/v3/certs), and a synchronous RS256 signer that the Apps
 * Script runtime uses for ScriptApp.getIdentityToken(). Start the backend with
 * `GOOGLE_JWKS_URL = jwksUrl` and `GOOGLE_CLIENT_IDS = clientId`, and it verifies these
 * tokens exactly as it verifies Google's.
 *
 * The JWKS is served from a worker thread: the runtime blocks the test's thread during
 * UrlFetch, and the backend fetches the keys in the middle of answering that very call.
 */
export interface LocalGoogleIdentity {
  jwksUrl: string
  /** The audience tokens are minted for: the Apps Script project's OAuth client id. */
  clientId: string
  /** Signs claims as Google would (RS256, the JWKS's key id). */
  sign: (claims: IdentityTokenClaims | Record<string, unknown>) => string
  close: () => Promise<void>
}

const WORKER_SOURCE = `
const http = require('node:http')
const { parentPort, workerData } = require('node:worker_threads')
const server = http.createServer((req, res) => {
  const found = req.url.split('?')[0] === '/oauth2/v3/certs'
  res.writeHead(found ? 200 : 404, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' })
  res.end(found ? JSON.stringify({ keys: [workerData.jwk] }) : '{}')
})
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port))
parentPort.on('message', () => { server.closeAllConnections(); server.close(() => process.exit(0)) })
`

const KEY_ID = 'switchboard-local-1'

function base64url (value: object | Buffer): string {
  return (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url')
}

/** Signs a JWT with RS256 under `kid`, synchronously (the runtime's services are synchronous). */
export function signJwt (privateKey: KeyObject, claims: object, kid = KEY_ID): string {
  const input = `${base64url({ alg: 'RS256', kid, typ: 'JWT' })}.${base64url(claims)}`
  return `${input}.${base64url(sign('sha256', Buffer.from(input), privateKey))}`
}

/** Starts the JWKS endpoint; `clientId` defaults to a plausible Apps Script client id. */
export async function startLocalGoogleIdentity (options: { clientId?: string } = {}): Promise<LocalGoogleIdentity> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: KEY_ID, alg: 'RS256', use: 'sig' }
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { jwk } })
  const [port] = await once(worker, 'message') as [number]
  return {
    jwksUrl: `http://127.0.0.1:${port}/oauth2/v3/certs`,
    clientId: options.clientId ?? '123456789012-switchboardgmail.apps.googleusercontent.com',
    sign: (claims) => signJwt(privateKey, claims),
    close: async () => {
      worker.postMessage('close')
      await once(worker, 'exit')
    },
  }
}
