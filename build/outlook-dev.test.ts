import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readDevCertificate, startHttpsProxy } from './outlook-dev.js'
import { outlookStartPlan } from './outlook-start.js'
import { freePort } from './test-support/backend-process.js'

const dir = mkdtempSync(path.join(tmpdir(), 'sb-outlook-dev-'))
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

describe('npm run outlook:dev', () => {
  it('finds no certificate where office-addin-dev-certs has not made one', () => {
    expect(readDevCertificate(path.join(dir, 'none'))).toBeUndefined()
  })

  it('serves the backend over https, passing redirects and bodies through unchanged', async () => {
    // The same file names office-addin-dev-certs writes, made here with openssl.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', path.join(dir, 'localhost.key'), '-out', path.join(dir, 'localhost.crt')], { stdio: 'ignore' })
    const certificate = readDevCertificate(dir)
    expect(certificate).toBeDefined()
    const backend = http.createServer((request, response) => {
      if (request.url === '/oauth/addin/authorize') response.writeHead(303, { location: 'https://localhost:3000/outlook/signed-in.html?code=c&state=s' }).end()
      else response.writeHead(200, { 'content-type': 'text/plain', 'x-proto': String(request.headers['x-forwarded-proto']) }).end(`${request.method} ${request.url}`)
    })
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve))
    const port = await freePort()
    const proxy = await startHttpsProxy({ port, target: new URL(`http://127.0.0.1:${(backend.address() as AddressInfo).port}`), certificate: certificate! })
    const get = (urlPath: string, method = 'GET') => new Promise<{ status: number, headers: http.IncomingHttpHeaders, body: string }>((resolve, reject) => {
      // The test's own certificate is not trusted by this process; Outlook's machine trusts the dev CA.
      const request = https.request({ host: '127.0.0.1', port, path: urlPath, method, rejectUnauthorized: false }, (response) => {
        let body = ''
        response.on('data', (chunk: Buffer) => { body += String(chunk) })
        response.on('end', () => { resolve({ status: response.statusCode ?? 0, headers: response.headers, body }) })
      })
      request.on('error', reject)
      request.end()
    })
    try {
      const page = await get('/outlook/taskpane.html')
      expect(page).toMatchObject({ status: 200, body: 'GET /outlook/taskpane.html' })
      expect(page.headers['x-proto']).toBe('https')
      const redirect = await get('/oauth/addin/authorize', 'POST')
      expect(redirect.status).toBe(303)
      expect(redirect.headers.location).toBe('https://localhost:3000/outlook/signed-in.html?code=c&state=s')
    } finally {
      proxy.close()
      backend.close()
    }
  })
})

describe('npm run outlook:start', () => {
  it('wraps office-addin-debugging on Windows and gives manual steps elsewhere', () => {
    const windows = outlookStartPlan('win32', 'dist\\outlook-addin\\manifest.xml')
    expect(windows).toEqual({ command: expect.arrayContaining(['office-addin-debugging@6', 'start', 'dist\\outlook-addin\\manifest.xml', 'desktop', '--app', 'outlook']) })
    for (const platform of ['linux', 'darwin'] as const) {
      const plan = outlookStartPlan(platform, 'dist/outlook-addin/manifest.xml')
      expect('instructions' in plan && plan.instructions).toMatch(/only on Windows desktop[\s\S]*aka\.ms\/olksideload/)
    }
  })
})
