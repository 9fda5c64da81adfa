import { describe, expect, it } from 'vitest'
import { addUser, buildTestApp, createWorkspace } from '../../test/helper.js'
import { manualClock, startReceiver, verifyStandardWebhook } from '../events/webhook-test-helpers.js'
import { HTML, post, signIn } from './web-test-helpers.js'

/** The webhooks pages over app.inject, through the same service the API uses. */

async function setUp () {
  const t = await buildTestApp()
  const ws = await createWorkspace(t, 'Acme')
  const browser = await signIn(t, ws.ownerEmail, ws.ownerPassword)
  const get = (url: string, cookie = browser.cookie) => t.app.inject({ url, headers: { ...HTML, cookie } })
  return { t, ws, browser, get }
}

describe('webhooks pages', () => {
  it('adds an endpoint from the form, shows its secret once, then the log with a redeliver button that works', async () => {
    const { t, ws, browser, get } = await setUp()
    let failing = true
    const receiver = await startReceiver(() => failing ? 500 : 204)
    const added = await post(t, '/app/webhooks', browser, { url: `${receiver.url}/in`, description: 'Zapier', event_contact_created: 'on', _csrf: browser.csrf })
    expect(added.statusCode, added.body).toBe(201)
    const secret = /id="webhook-secret">(whsec_[^<]+)</.exec(added.body)![1]!
    expect(added.headers['cache-control']).toBe('no-store')
    const list = await get('/app/webhooks')
    expect(list.body).toContain(`${receiver.url}/in`)
    expect(list.body).not.toContain(secret)

    await t.app.services.crm.contacts.create(ws.workspaceId, { name: 'Ada' }, { source: 'web' })
    const clock = manualClock()
    await t.app.services.events.createWorker({ now: clock.now }).drain()
    const [endpoint] = await t.app.services.events.webhooks.list(ws.workspaceId)
    const page = await get(`/app/webhooks/${endpoint!.id}?status=pending`)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('data-status="pending"')
    expect(page.body).toContain('HTTP 500')
    const deliveryId = /\/app\/webhooks\/deliveries\/(whd_\w+)\/redeliver/.exec(page.body)![1]!
    const detail = await get(`/app/webhooks/deliveries/${deliveryId}`)
    expect(detail.body).toContain('&quot;type&quot;:&quot;contact.created&quot;')
    expect(detail.body).toMatch(/<td>1<\/td><td>[^<]+<\/td><td>\d+ ms<\/td><td>500<\/td>/)

    // Waiting for its retry: Redeliver sends it now (the clock has not moved), as the same delivery.
    failing = false
    const again = await post(t, `/app/webhooks/deliveries/${deliveryId}/redeliver`, browser, { _csrf: browser.csrf })
    expect(again.statusCode).toBe(303)
    expect(again.headers.location).toBe(`/app/webhooks/deliveries/${deliveryId}?notice=webhook-redelivered`)
    await t.app.services.events.createWorker({ now: clock.now }).drain()
    expect(receiver.requests).toHaveLength(2)
    expect(receiver.requests[1]!.headers['webhook-id']).toBe(receiver.requests[0]!.headers['webhook-id'])
    expect(verifyStandardWebhook(secret, receiver.requests.at(-1)!.headers, receiver.requests.at(-1)!.body, clock.now() / 1000)).toBe(true)
    const redelivered = await get(String(again.headers.location))
    expect(redelivered.body).toContain('id="delivery-status">delivered<')
    expect(redelivered.body).toContain('Queued to be sent again.')
  })

  it('changes, turns off, rotates (secret shown once) and removes an endpoint', async () => {
    const { t, ws, browser, get } = await setUp()
    const { endpoint } = await t.app.services.events.webhooks.create(ws.workspaceId, { url: 'https://hooks.acme.example/in', eventTypes: ['contact.created'] }, { userId: ws.ownerId })
    const saved = await post(t, `/app/webhooks/${endpoint.id}`, browser, { url: 'https://hooks.acme.example/v2', event_deal_stage_changed: 'on', event_contact_updated: 'on', _csrf: browser.csrf })
    expect(saved.statusCode).toBe(303)
    expect(await t.app.services.events.webhooks.get(ws.workspaceId, endpoint.id)).toMatchObject({ url: 'https://hooks.acme.example/v2', eventTypes: ['contact.updated', 'deal.stage_changed'] })
    const off = await post(t, `/app/webhooks/${endpoint.id}/status`, browser, { status: 'disabled', _csrf: browser.csrf })
    expect(off.statusCode).toBe(303)
    expect((await get(`/app/webhooks/${endpoint.id}`)).body).toContain('id="endpoint-status">disabled (Turned off by an admin)<')
    const rotated = await post(t, `/app/webhooks/${endpoint.id}/rotate`, browser, { _csrf: browser.csrf })
    expect(rotated.statusCode).toBe(200)
    expect(rotated.body).toMatch(/id="webhook-secret">whsec_/)
    expect(rotated.body).toContain('still signs beside the new one until')
    const removed = await post(t, `/app/webhooks/${endpoint.id}/delete`, browser, { _csrf: browser.csrf })
    expect(removed.headers.location).toBe('/app/webhooks?notice=webhook-deleted')
    expect(await t.app.services.events.webhooks.list(ws.workspaceId)).toEqual([])
  })

  it('answers a bad form on the page, naming the field, and stores nothing', async () => {
    const { t, browser } = await setUp()
    const noEvents = await post(t, '/app/webhooks', browser, { url: 'https://hooks.acme.example/in', _csrf: browser.csrf })
    expect(noEvents.statusCode).toBe(400)
    expect(noEvents.body).toContain('<code>eventTypes</code>')
    const metadata = await post(t, '/app/webhooks', browser, { url: 'https://169.254.169.254/latest', event_contact_created: 'on', _csrf: browser.csrf })
    expect(metadata.statusCode).toBe(400)
    expect(metadata.body).toContain('SB_WEBHOOK_URL_INVALID')
    expect(metadata.body).toContain('metadata')
    const forged = await post(t, '/app/webhooks', browser, { url: 'https://hooks.acme.example/in', event_contact_created: 'on' })
    expect(forged.statusCode).toBe(403)
    expect(await t.store.db.selectFrom('webhook_endpoints').selectAll().execute()).toEqual([])
  })

  it('is not in an agent\'s navigation, and an agent cannot open it', async () => {
    const { t, ws, get } = await setUp()
    const agent = await addUser(t, ws, 'agent')
    const agentBrowser = await signIn(t, agent.email, 'correct horse battery')
    const contacts = await get('/app/contacts', agentBrowser.cookie)
    expect(contacts.body).not.toContain('href="/app/webhooks"')
    expect((await get('/app/contacts')).body).toContain('href="/app/webhooks"')
    expect((await get('/app/webhooks', agentBrowser.cookie)).statusCode).toBe(403)
  })
})
