import { describe, expect, it } from 'vitest'
import { bearer, buildTestApp, createWorkspace, type TestApp } from '../../test/helper.js'
import { chooseNumber } from './reply-number.js'

const HOUR = 3_600_000
const ago = (ms: number): string => new Date(Date.now() - ms).toISOString()

/** A workspace connected to the sandbox with a second number on the same WABA, and a contact. */
async function twoNumbers (t: TestApp) {
  const ws = await createWorkspace(t)
  const api = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const r = await t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(ws.token), ...(payload === undefined ? {} : { payload }) })
    return { status: r.statusCode, body: r.json() }
  }
  expect((await api('POST', '/whatsapp/connection/sandbox')).status).toBe(201)
  const first = await t.store.db.selectFrom('whatsapp_numbers').selectAll().where('workspace_id', '=', ws.workspaceId).executeTakeFirstOrThrow()
  const connection = await t.store.db.selectFrom('whatsapp_connections').select('waba_id').where('workspace_id', '=', ws.workspaceId).executeTakeFirstOrThrow()
  const secondId = t.sandbox!.addNumber(connection.waba_id!, { displayPhoneNumber: '+1 555-020-0002' })
  await t.store.db.insertInto('whatsapp_numbers').values({ ...first, id: secondId, display_phone_number: '+1 555-020-0002' }).execute()
  const ada = (await api('POST', '/contacts', { name: 'Ada', phones: ['+44 20 7946 0958'] })).body
  const wrote = async (phoneNumberId: string, at: string): Promise<void> => {
    await t.app.services.whatsapp.messages.recordInbound(ws.workspaceId, { contactId: ada.id, phoneNumberId, waId: '442079460958', wamid: `wamid.in${Math.random()}`, type: 'text', body: 'hi', contextWamid: null, receivedAt: at })
  }
  return { ws, api, ada, firstId: first.id, secondId, wrote }
}

describe('replies go from the number the customer wrote to; the window is per (contact, number) (issue 20 item 4)', () => {
  it('chooses the number last written to, and never a reply from another number when that one is paused', () => {
    const numbers = [{ id: 'a', status: 'active' }, { id: 'b', status: 'active' }]
    const inbound = [{ phoneNumberId: 'b', at: '2026-12-07T10:00:00Z' }, { phoneNumberId: 'a', at: '2026-12-06T10:00:00Z' }]
    expect(chooseNumber(numbers, inbound, 'text')).toMatchObject({ number: { id: 'b' }, lastInboundAt: '2026-12-07T10:00:00Z' })
    const pausedB = [{ id: 'a', status: 'active' }, { id: 'b', status: 'paused' }]
    expect(chooseNumber(pausedB, inbound, 'text')).toMatchObject({ number: undefined, pausedReplyNumber: true })
    expect(chooseNumber(pausedB, inbound, 'template')).toMatchObject({ number: { id: 'a' }, lastInboundAt: '2026-12-06T10:00:00Z' })
    expect(chooseNumber(numbers, [], 'text', '2026-12-07T09:00:00Z')).toMatchObject({ number: { id: 'a' }, lastInboundAt: '2026-12-07T09:00:00Z' })
  })

  it('a free-form reply goes from the second number when the customer wrote there', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const { api, ada, secondId, wrote } = await twoNumbers(t)
    await wrote(secondId, ago(HOUR))
    const sent = await api('POST', `/contacts/${ada.id}/whatsapp`, { text: 'Hello Ada' })
    expect(sent.status, JSON.stringify(sent.body)).toBe(201)
    expect(t.sandbox!.message(sent.body.wamid)!.phoneNumberId).toBe(secondId)
    expect((await api('GET', `/contacts/${ada.id}/whatsapp`)).body.window.open).toBe(true)
  })

  it('the window of one number does not open another: the reply number\'s own window decides', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const { ws, api, ada, firstId, secondId, wrote } = await twoNumbers(t)
    // Wrote to the second number 30 h ago, then to the first an hour ago: the latest decides.
    await wrote(secondId, ago(30 * HOUR))
    await wrote(firstId, ago(HOUR))
    const sent = await api('POST', `/contacts/${ada.id}/whatsapp`, { text: 'Hello again' })
    expect(sent.status, JSON.stringify(sent.body)).toBe(201)
    expect(t.sandbox!.message(sent.body.wamid)!.phoneNumberId).toBe(firstId)
    // The first number is paused: its window cannot be borrowed by the second, whose window closed.
    await t.app.services.whatsapp.connections.setNumberPaused(ws.workspaceId, firstId, '131048: Spam rate limit hit')
    const refused = await api('POST', `/contacts/${ada.id}/whatsapp`, { text: 'Hello?' })
    expect(refused.body.code).toBe('SB_WHATSAPP_NUMBER_PAUSED')
    expect(t.sandbox!.inspect().acceptedTotal).toBe(1)
  })
})
