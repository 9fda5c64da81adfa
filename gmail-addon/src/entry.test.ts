import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildAll } from '../../build/build.js'
import { callArgs, findCards, loadAppsScript, type AppsScriptRuntime, type CardRecord } from '../../build/test-support/apps-script-runtime.js'
import { startFakeBackend, unusedLocalUrl, type FakeBackend } from '../../build/test-support/fake-backend.js'
import { DISPATCHER_FUNCTION } from './core/card-actions.js'

// The built Code.js in a local Apps Script runtime with a recording CardService.

const MESSAGES = {
  'msg-1': { accessToken: 'token-1', from: '"Grace <i>Hopper</i>" <Grace@Example.com>', subject: 'Quote' },
}

let dir: string
let backend: FakeBackend

beforeAll(async () => {
  backend = await startFakeBackend()
  dir = await mkdtemp(path.join(tmpdir(), 'sb-gmail-'))
  await buildAll({ backendUrl: backend.url, outDir: path.join(dir, 'dist'), onWarning: () => {} })
})

afterAll(async () => {
  await backend.close()
  await rm(dir, { recursive: true, force: true })
})

function fresh (): AppsScriptRuntime {
  return loadAppsScript(path.join(dir, 'dist', 'gmail-addon'), { gmailMessages: MESSAGES })
}

function event (extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { commonEventObject: { hostApp: 'GMAIL', platform: 'WEB', parameters: {} }, ...extra }
}

/** Every text the card shows in a widget or section header, in order. */
function texts (card: unknown): string[] {
  return [
    ...findCards(card, 'CardSection').flatMap((s) => callArgs(s, 'setHeader')),
    ...findCards(card, 'TextParagraph').flatMap((w) => callArgs(w, 'setText')),
    ...findCards(card, 'DecoratedText').flatMap((w) => [...callArgs(w, 'setTopLabel'), ...callArgs(w, 'setText')]),
  ] as string[]
}

function onlyCard (value: unknown): CardRecord {
  const cards = Array.isArray(value) ? value : [value]
  expect(cards).toHaveLength(1)
  const card = cards[0] as CardRecord
  expect(card.kind).toBe('CardBuilder')
  return card
}

describe('onHomepage', () => {
  it('explains the add-on and offers Settings through the dispatcher', () => {
    const card = onlyCard(fresh().run('onHomepage', [event()]))
    expect(callArgs(findCards(card, 'CardHeader')[0]!, 'setTitle')).toEqual(['Switchboard'])
    expect(texts(card).join(' ')).toMatch(/WhatsApp Business/)
    const action = findCards(card, 'Action')[0]!
    expect(callArgs(action, 'setFunctionName')).toEqual([DISPATCHER_FUNCTION])
    expect(callArgs(action, 'setParameters')).toEqual([{ action: 'openSettings' }])
  })
})

describe('onGmailMessage', () => {
  it('shows the sender from the message metadata, escaped, after setting the message access token', () => {
    const runtime = fresh()
    const card = onlyCard(runtime.run('onGmailMessage', [event({ gmail: { messageId: 'msg-1', threadId: 't-1', accessToken: 'token-1' } })]))
    expect(texts(card)).toEqual(['Sender', 'Name', 'Grace &lt;i&gt;Hopper&lt;/i&gt;', 'Email', 'grace@example.com'])
    expect(runtime.touched.has('GmailApp')).toBe(true)
  })

  it('fails loudly when Gmail refuses the message (wrong access token)', () => {
    expect(() => fresh().run('onGmailMessage', [event({ gmail: { messageId: 'msg-1', threadId: 't-1', accessToken: 'stale' } })])).toThrow(/Access denied/)
  })

  it('says so when the event carries no message', () => {
    const card = onlyCard(fresh().run('onGmailMessage', [event()]))
    expect(texts(card)).toContain('This message has no sender address to look up.')
  })
})

describe('onCompose', () => {
  it('lists the addresses of the draft\'s recipients from the compose event', () => {
    const card = onlyCard(fresh().run('onCompose', [event({ gmail: { messageId: '', threadId: '', accessToken: 'x', toRecipients: ['Bob <bob@example.com>'], ccRecipients: ['"x<script>" <cc@example.com>'] } })]))
    expect(texts(card)).toEqual(['Recipients', 'To', 'bob@example.com', 'To', 'cc@example.com'])
  })
})

describe('onSettings', () => {
  it('returns a universal action response with the settings card', () => {
    const response = fresh().run('onSettings', [event()]) as CardRecord
    expect(response.kind).toBe('UniversalActionResponseBuilder')
    const [cards] = callArgs(response, 'displayAddOnCards') as [CardRecord[]]
    expect(cards).toHaveLength(1)
    expect(texts(cards[0])).toContain(backend.url)
    const link = findCards(cards[0], 'OpenLink')[0]!
    expect(callArgs(link, 'setUrl')).toEqual([`${backend.url}/`])
  })
})

describe(DISPATCHER_FUNCTION, () => {
  const click = (runtime: AppsScriptRuntime, action: string): CardRecord =>
    runtime.run(DISPATCHER_FUNCTION, [event({ commonEventObject: { hostApp: 'GMAIL', platform: 'WEB', parameters: { action } } })]) as CardRecord

  const notificationText = (response: CardRecord): unknown => callArgs(findCards(response, 'Notification')[0]!, 'setText')[0]

  it('openSettings pushes the settings card', () => {
    const response = click(fresh(), 'openSettings')
    const [pushed] = callArgs(findCards(response, 'Navigation')[0]!, 'pushCard') as [CardRecord]
    expect(texts(pushed)).toContain('Switchboard server')
  })

  it('checkConnection calls GET /health on the backend and says it is reachable', async () => {
    const runtime = fresh()
    const before = (await backend.requests()).length
    expect(notificationText(click(runtime, 'checkConnection'))).toBe('Switchboard is reachable.')
    expect((await backend.requests()).slice(before)).toEqual([{ method: 'GET', path: '/health', authorization: null, contentType: null }])
  })

  it('checkConnection reports an unreachable backend by its message', async () => {
    const out = path.join(dir, 'offline')
    await buildAll({ backendUrl: await unusedLocalUrl(), outDir: out, onWarning: () => {} })
    const runtime = loadAppsScript(path.join(out, 'gmail-addon'))
    expect(notificationText(click(runtime, 'checkConnection'))).toMatch(/could not be reached/)
  })

  it('answers an unknown action with a notification instead of failing', () => {
    expect(notificationText(click(fresh(), 'deleteEverything'))).toMatch(/no longer works/)
  })
})
