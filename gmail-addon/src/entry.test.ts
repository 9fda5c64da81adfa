import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildAll } from '../../build/build.js'
import { cardButtons, cardTexts, createGmailHost, loadAppsScript, type AppsScriptRuntime, type FakeActionResponse } from '../../build/test-support/apps-script-runtime.js'
import { startFakeBackend, unusedLocalUrl, type FakeBackend } from '../../build/test-support/fake-backend.js'
import { DISPATCHER_FUNCTION } from './core/card-actions.js'

// The built Code.js in the local Apps Script runtime, for what needs no CRM data: settings,
// the connection check, stale buttons, and the cards shown when the backend cannot be
// reached or Gmail refuses the message. The CRM itself is tested against the real backend
// in end-to-end.test.ts.

const MESSAGES = {
  'msg-1': { accessToken: 'token-1', from: '"Grace <i>Hopper</i>" <Grace@Example.com>', to: 'ada@example.com', subject: 'Quote' },
  'msg-self': { accessToken: 'token-2', from: 'ada@example.com', to: 'Undisclosed recipients:;', subject: 'Note to self' },
}

let dir: string
let backend: FakeBackend
let offlineDir: string

beforeAll(async () => {
  backend = await startFakeBackend()
  dir = await mkdtemp(path.join(tmpdir(), 'sb-gmail-'))
  await buildAll({ backendUrl: backend.url, outDir: path.join(dir, 'dist'), onWarning: () => {} })
  offlineDir = path.join(dir, 'offline')
  await buildAll({ backendUrl: await unusedLocalUrl(), outDir: offlineDir, onWarning: () => {} })
}, 60_000)

afterAll(async () => {
  await backend.close()
  await rm(dir, { recursive: true, force: true })
})

function fresh (): AppsScriptRuntime {
  return loadAppsScript(path.join(dir, 'dist', 'gmail-addon'), { gmailMessages: MESSAGES })
}

function offline (): AppsScriptRuntime {
  return loadAppsScript(path.join(offlineDir, 'gmail-addon'), { gmailMessages: MESSAGES })
}

describe('Settings', () => {
  it('shows the server it was built for, with a link to it and a connection check through the dispatcher', () => {
    const host = createGmailHost(fresh())
    host.universal('onSettings')
    expect(cardTexts(host.top())).toContain(backend.url)
    const buttons = cardButtons(host.top())
    expect(buttons.find((b) => b.text === 'Open Switchboard')?.onClick).toMatchObject({ kind: 'openLink', openLink: { url: `${backend.url}/` } })
    expect(buttons.find((b) => b.text === 'Check connection')?.onClick).toMatchObject({ kind: 'action', action: { functionName: DISPATCHER_FUNCTION, parameters: { action: 'checkConnection' } } })
  })

  it('checks the connection with GET /health only, without asking Google for an identity token', async () => {
    const runtime = fresh()
    const host = createGmailHost(runtime)
    host.universal('onSettings')
    runtime.resetTouched()
    const before = (await backend.requests()).length
    host.click('Check connection')
    expect(host.notifications).toEqual(['Switchboard is reachable.'])
    expect((await backend.requests()).slice(before)).toEqual([{ method: 'GET', path: '/health', authorization: null, contentType: null }])
    expect(runtime.touched.has('ScriptApp')).toBe(false)
  })

  it('says when the server cannot be reached', () => {
    const host = createGmailHost(offline())
    host.universal('onSettings')
    host.click('Check connection')
    expect(host.notifications[0]).toMatch(/could not be reached/)
  })
})

describe('failures', () => {
  it('shows a Retry card, not an exception, when the backend is down; Retry tries again', () => {
    const runtime = offline()
    const host = createGmailHost(runtime)
    const card = host.openMessage('msg-1')
    expect(cardTexts(card).join(' ')).toMatch(/could not be reached.*Retry/)
    expect(runtime.lastExecution().error).toBeUndefined()
    expect(runtime.lastExecution().counters.urlFetchRequests).toBe(1)
    host.click('Retry')
    expect(cardTexts(host.top()).join(' ')).toMatch(/could not be reached/)
    expect(host.stack).toHaveLength(1)
    expect(runtime.lastExecution().counters.urlFetchRequests).toBe(1)
  })

  it('shows the homepage\'s failure the same way', () => {
    const host = createGmailHost(offline())
    expect(cardTexts(host.openHomepage()).join(' ')).toMatch(/could not be reached/)
    expect(cardButtons(host.top()).map((b) => b.text)).toContain('Retry')
  })

  it('says Gmail refused the message when the access token is stale, instead of failing', () => {
    const runtime = fresh()
    runtime.gmail.messages['msg-1']!.accessToken = 'rotated'
    const result = runtime.run('onGmailMessage', [{ commonEventObject: { hostApp: 'GMAIL', platform: 'WEB', parameters: {} }, gmail: { messageId: 'msg-1', threadId: 't', accessToken: 'token-1' } }]) as Array<{ kind: string }>
    expect(result).toHaveLength(1)
    expect(cardTexts(result[0] as never).join(' ')).toMatch(/Gmail did not let the add-on read this email/)
  })

  it('makes no backend call for an email with nobody to look up but the user', () => {
    const runtime = fresh()
    const card = createGmailHost(runtime).openMessage('msg-self')
    expect(cardTexts(card).join(' ')).toMatch(/No one on this email besides you/)
    expect(runtime.lastExecution().counters.urlFetchRequests).toBe(0)
  })

  it('answers a bug with a Retry card and a logged stack, not Gmail\'s bare error bar', () => {
    const runtime = fresh()
    Object.defineProperty(runtime.context, 'Session', { configurable: true, get () { throw new TypeError('Session broke') } })
    const card = createGmailHost(runtime).openMessage('msg-1')
    expect(cardTexts(card).join(' ')).toMatch(/unexpected error.*Retry/)
    expect(runtime.lastExecution().error).toBeUndefined()
    expect(runtime.logs.join('\n')).toMatch(/TypeError: Session broke/)
  })

  it('answers a button from an older deployment (unknown action or missing parameter) with a notification', () => {
    const runtime = fresh()
    for (const parameters of [{ action: 'deleteEverything' }, { action: 'openWhatsapp' }]) {
      const response = runtime.run(DISPATCHER_FUNCTION, [{ commonEventObject: { hostApp: 'GMAIL', platform: 'WEB', parameters } }]) as FakeActionResponse
      expect(response.notification).toMatch(/no longer works/)
    }
  })
})
