import { describe, expect, it } from 'vitest'
import { buildTestApp, createWorkspace } from '../../test/helper.js'
import { createCampaignSender } from '../campaigns/sender/sender.js'
import { EVENT_TYPES } from './catalog.js'
import { api, manualClock, payloadProblems, registerEndpoint, startReceiver, verifyStandardWebhook, whatsappEnvelope } from './webhook-test-helpers.js'

/**
 * Every event type from the code path that causes it, each payload checked against its
 * schema and against what the data inventory says it carries.
 */

async function setUp () {
  const t = await buildTestApp({}, { sandbox: true })
  const ws = await createWorkspace(t)
  const { whatsapp } = t.app.services
  await whatsapp.connection.connectSandbox(ws.workspaceId, { userId: ws.ownerId })
  await whatsapp.templates.sync(ws.workspaceId)
  const receiver = await startReceiver()
  const { secret } = await registerEndpoint(t, ws, `${receiver.url}/in`, EVENT_TYPES)
  // The number and WABA the sandbox's signup gave this workspace.
  const [number] = await whatsapp.connections.listNumbers(ws.workspaceId)
  const connection = await t.store.db.selectFrom('whatsapp_connections').select('waba_id').where('workspace_id', '=', ws.workspaceId).executeTakeFirstOrThrow()
  const sandbox = { phoneNumberId: number!.id, wabaId: connection.waba_id! }
  const worker = t.app.services.events.createWorker({ now: manualClock().now })
  /** Stores a Meta webhook as the receiver would and processes it. */
  const webhook = async (value: Record<string, unknown>): Promise<void> => {
    await whatsapp.webhooks.append(whatsappEnvelope(sandbox, value))
    await whatsapp.webhooks.processor.drain()
  }
  const deliver = async () => {
    await worker.drain()
    return receiver.events()
  }
  return { t, ws, receiver, secret, sandbox, webhook, deliver }
}

const unix = (): string => String(Math.floor(Date.now() / 1000))

describe('events from where things happen', () => {
  it('a first WhatsApp message from a new number: contact.created, then message.received; a STOP reply: contact.updated (marketing) and its message.received', async () => {
    const { receiver, secret, webhook, deliver } = await setUp()
    await webhook({
      contacts: [{ profile: { name: 'Ada' }, wa_id: '442079460958' }],
      messages: [{ from: '442079460958', id: 'wamid.in-1', timestamp: unix(), type: 'text', text: { body: 'Is my order on its way?' } }],
    })
    // Meta sends some webhooks twice: the second is announced by nobody.
    await webhook({ messages: [{ from: '442079460958', id: 'wamid.in-1', timestamp: unix(), type: 'text', text: { body: 'Is my order on its way?' } }] })
    await webhook({ messages: [{ from: '442079460958', id: 'wamid.in-2', timestamp: unix(), type: 'text', text: { body: 'STOP' } }] })
    const events = await deliver()
    // In the order the webhook processor makes the changes: the opt-out is recorded before the message is announced.
    expect(events.map((e) => e.type)).toEqual(['contact.created', 'message.received', 'contact.updated', 'message.received'])
    const [created, first, updated, stop] = events
    expect(created!.data.contact).toMatchObject({ name: 'Ada', whatsappId: '442079460958', phones: ['+442079460958'], source: 'whatsapp' })
    expect(first!.data).toMatchObject({ wamid: 'wamid.in-1', contactId: created!.data.contact.id, contactCreated: true, from: '442079460958', type: 'text', body: 'Is my order on its way?', optedOut: false })
    expect(stop!.data).toMatchObject({ wamid: 'wamid.in-2', contactCreated: false, body: 'STOP', optedOut: true })
    expect(updated!.data).toMatchObject({ changed: ['marketing'], contact: { marketing: { status: 'opted_out', source: 'whatsapp_keyword' } } })
    for (const event of events) expect(payloadProblems(event)).toEqual([])
    for (const request of receiver.requests) expect(verifyStandardWebhook(secret, request.headers, request.body)).toBe(true)
  })

  it('a send links the contact\'s WhatsApp id (contact.updated), and each new status of it is a message.status', async () => {
    const { t, ws, sandbox, webhook, deliver } = await setUp()
    const ada = await api(t, ws.token, 'POST', '/contacts', { name: 'Ada', phones: ['+442079460958'] })
    const sent = await api(t, ws.token, 'POST', `/contacts/${ada.body.id}/whatsapp`, { template: { name: 'hello_world', language: 'en_US' } })
    expect(sent.status, JSON.stringify(sent.body)).toBe(201)
    const status = (s: string, extra: Record<string, unknown> = {}) => ({ id: sent.body.wamid, status: s, timestamp: unix(), recipient_id: '442079460958', ...extra })
    await webhook({ statuses: [status('delivered')] })
    await webhook({ statuses: [status('delivered')] })
    await webhook({ statuses: [status('read')] })
    const events = await deliver()
    expect(events.map((e) => e.type)).toEqual(['contact.created', 'contact.updated', 'message.status', 'message.status'])
    expect(events[1]!.data).toMatchObject({ changed: ['whatsappId'], contact: { id: ada.body.id, whatsappId: '442079460958' } })
    expect(events[2]!.data).toEqual({
      wamid: sent.body.wamid, status: 'delivered', messageId: sent.body.id, contactId: ada.body.id, campaignId: null,
      to: '442079460958', phoneNumberId: sandbox.phoneNumberId, occurredAt: expect.any(String), error: null,
    })
    expect(events[3]!.data.status).toBe('read')
    for (const event of events) expect(payloadProblems(event)).toEqual([])
  })

  it('a failed status carries Meta\'s error; a status for a message of a campaign names the campaign', async () => {
    const { t, ws, webhook, deliver } = await setUp()
    const campaign = await api(t, ws.token, 'POST', '/campaigns', { name: 'November', template: { name: 'hello_world', language: 'en_US' } })
    await t.app.services.campaigns.submit(ws.workspaceId, campaign.body.id, [{ rowKey: 'r1', phone: '+14155550101', variables: {} }], false)
    expect((await api(t, ws.token, 'POST', `/campaigns/${campaign.body.id}/start`, {})).status).toBe(200)
    const sender = createCampaignSender({ store: t.store, services: t.app.services, runtime: t.app.services.whatsapp.runtime })
    await sender.drain()
    await sender.housekeeping()
    const [recipient] = (await t.app.services.campaignsRepository.recipients(ws.workspaceId, campaign.body.id, { limit: 10 }))
    await webhook({ statuses: [{ id: recipient!.wamid, status: 'failed', timestamp: unix(), recipient_id: '14155550101', biz_opaque_callback_data: recipient!.id, errors: [{ code: 131026, title: 'Message undeliverable' }] }] })
    const events = await deliver()
    expect(events.map((e) => e.type)).toEqual(['campaign.finished', 'message.status'])
    expect(events[0]!.data).toMatchObject({ campaignId: campaign.body.id, name: 'November', state: 'completed', counts: { total: 1, sent: 1 }, finishedAt: expect.any(String) })
    expect(events[1]!.data).toMatchObject({ status: 'failed', campaignId: campaign.body.id, contactId: null, to: '14155550101', error: { code: 131026, title: 'Message undeliverable' } })
    for (const event of events) expect(payloadProblems(event)).toEqual([])
  })

  it('a status of a message a Sheets campaign sent to a row that is no contact is not announced (Limited Use: the number came from the sheet); one to a contact is', async () => {
    const { t, ws, webhook, deliver } = await setUp()
    const ada = await api(t, ws.token, 'POST', '/contacts', { name: 'Ada', phones: ['+442079460958'] })
    const campaign = await api(t, ws.token, 'POST', '/campaigns', { name: 'From a sheet', template: { name: 'hello_world', language: 'en_US' }, source: 'sheets' })
    expect(campaign.status, JSON.stringify(campaign.body)).toBe(201)
    await t.app.services.campaigns.submit(ws.workspaceId, campaign.body.id, [
      { rowKey: 'r1', phone: '+442079460958', variables: {} },
      { rowKey: 'r2', phone: '+14155550101', variables: {} },
    ], false)
    expect((await api(t, ws.token, 'POST', `/campaigns/${campaign.body.id}/start`, {})).status).toBe(200)
    const sender = createCampaignSender({ store: t.store, services: t.app.services, runtime: t.app.services.whatsapp.runtime })
    await sender.drain()
    await sender.housekeeping()
    const recipients = await t.app.services.campaignsRepository.recipients(ws.workspaceId, campaign.body.id, { limit: 10 })
    for (const [rowKey, waId] of [['r1', '442079460958'], ['r2', '14155550101']] as const) {
      const recipient = recipients.find((r) => r.rowKey === rowKey)!
      await webhook({ statuses: [{ id: recipient.wamid, status: 'delivered', timestamp: unix(), recipient_id: waId, biz_opaque_callback_data: recipient.id }] })
    }
    const events = await deliver()
    const statuses = events.filter((e) => e.type === 'message.status')
    expect(statuses.map((e) => [e.data.contactId, e.data.to, e.data.campaignId])).toEqual([[ada.body.id, '442079460958', campaign.body.id]])
    // Neither the sheet's number nor a wamid that encodes it went anywhere.
    const sheetRow = recipients.find((r) => r.rowKey === 'r2')!
    for (const event of events) expect(JSON.stringify(event)).not.toContain('14155550101')
    for (const event of events) expect(JSON.stringify(event)).not.toContain(sheetRow.wamid)
    // The campaign's name defaults to the spreadsheet's title and sheet name: campaign.finished carries the counts, not it.
    expect(events.find((e) => e.type === 'campaign.finished')?.data).toMatchObject({ campaignId: campaign.body.id, name: null, source: 'sheets' })
    for (const event of events) expect(JSON.stringify(event)).not.toContain('From a sheet')
  })

  it('a cancelled campaign is a campaign.finished too; a deal moved to another stage is a deal.stage_changed', async () => {
    const { t, ws, deliver } = await setUp()
    const campaign = await api(t, ws.token, 'POST', '/campaigns', { name: 'Spring', template: { name: 'hello_world', language: 'en_US' } })
    await t.app.services.campaigns.submit(ws.workspaceId, campaign.body.id, [{ rowKey: 'r1', phone: '+14155550102', variables: {} }], false)
    expect((await api(t, ws.token, 'POST', `/campaigns/${campaign.body.id}/cancel`)).status).toBe(200)
    const [pipeline] = (await api(t, ws.token, 'GET', '/pipelines')).body.items
    const deal = await api(t, ws.token, 'POST', '/deals', { title: 'Renewal', pipelineId: pipeline.id, amount: 1200, currency: 'EUR' })
    // Moving to the stage it is in is no change, and no event.
    expect((await api(t, ws.token, 'POST', `/deals/${deal.body.id}/stage`, { stageId: pipeline.stages[0].id })).status).toBe(200)
    expect((await api(t, ws.token, 'POST', `/deals/${deal.body.id}/stage`, { stageId: pipeline.stages[1].id })).status).toBe(200)
    const events = await deliver()
    expect(events.map((e) => e.type)).toEqual(['campaign.finished', 'deal.stage_changed'])
    expect(events[0]!.data).toMatchObject({ state: 'cancelled', counts: { total: 1, cancelled: 1 } })
    expect(events[1]!.data).toMatchObject({
      deal: { id: deal.body.id, title: 'Renewal', amount: 1200, currency: 'EUR', stageId: pipeline.stages[1].id },
      from: { pipelineId: pipeline.id, stageId: pipeline.stages[0].id, stage: pipeline.stages[0].name },
      to: { pipelineId: pipeline.id, stageId: pipeline.stages[1].id, stage: pipeline.stages[1].name },
      changedBy: ws.ownerId,
    })
    for (const event of events) expect(payloadProblems(event)).toEqual([])
  })

  it('an endpoint gets only the events it asked for, and only its own workspace\'s', async () => {
    const { t, ws, deliver, receiver } = await setUp()
    const bravo = await createWorkspace(t, 'Bravo')
    const bravoReceiver = await startReceiver()
    await registerEndpoint(t, bravo, `${bravoReceiver.url}/in`, ['contact.updated'])
    const ada = await api(t, ws.token, 'POST', '/contacts', { name: 'Ada' })
    const grace = await api(t, bravo.token, 'POST', '/contacts', { name: 'Grace' })
    await api(t, bravo.token, 'PATCH', `/contacts/${grace.body.id}`, { tags: ['vip'] })
    await deliver()
    expect(receiver.events().map((e) => [e.type, e.workspaceId, e.data.contact.id])).toEqual([['contact.created', ws.workspaceId, ada.body.id]])
    expect(bravoReceiver.events().map((e) => [e.type, e.workspaceId, e.data.contact.id, e.data.changed])).toEqual([['contact.updated', bravo.workspaceId, grace.body.id, ['tags']]])
  })
})
