import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { addUser, buildTestApp, createWorkspace } from '../../test/helper.js'
import { EVENT_TYPES } from './catalog.js'
import { MAX_ENDPOINTS, sealedSecretBinding } from './webhook-service.js'
import { createSecretBox, loadSecretKeys, rotateKeyFile } from '../privacy/secret-box.js'
import { api, registerEndpoint } from './webhook-test-helpers.js'

const URL = 'https://hooks.acme.example/switchboard'

describe('webhook endpoints API', () => {
  it('registers an endpoint, shows its secret once, lists, changes, rotates and removes it; each step audited with the host only', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const created = await api(t, ws.token, 'POST', '/webhook-endpoints', { url: `${URL}?token=receiver-own-token`, description: '  CRM sync ', eventTypes: ['contact.created', 'message.received', 'contact.created'] })
    expect(created.status).toBe(201)
    const { endpoint, secret } = created.body
    expect(secret).toMatch(/^whsec_/)
    expect(endpoint).toMatchObject({ url: `${URL}?token=receiver-own-token`, description: 'CRM sync', eventTypes: ['contact.created', 'message.received'], status: 'active', disabledReason: null, previousSecretValidUntil: null, createdBy: ws.ownerId })
    const listed = await api(t, ws.token, 'GET', '/webhook-endpoints')
    expect(listed.body.items).toEqual([endpoint])
    expect(JSON.stringify(listed.body)).not.toContain(secret.slice(6))
    expect((await api(t, ws.token, 'GET', `/webhook-endpoints/${endpoint.id}`)).body).toEqual(endpoint)

    const changed = await api(t, ws.token, 'PATCH', `/webhook-endpoints/${endpoint.id}`, { eventTypes: ['deal.stage_changed'], status: 'disabled' })
    expect(changed.body).toMatchObject({ eventTypes: ['deal.stage_changed'], status: 'disabled', disabledReason: 'Turned off by an admin' })
    const rotated = await api(t, ws.token, 'POST', `/webhook-endpoints/${endpoint.id}/rotate-secret`)
    expect(rotated.body.secret).not.toBe(secret)
    expect(Date.parse(rotated.body.endpoint.previousSecretValidUntil) - Date.now()).toBeGreaterThan(23 * 3_600_000)
    expect((await api(t, ws.token, 'DELETE', `/webhook-endpoints/${endpoint.id}`)).status).toBe(204)
    expect((await api(t, ws.token, 'GET', `/webhook-endpoints/${endpoint.id}`)).body.code).toBe('SB_WEBHOOK_ENDPOINT_NOT_FOUND')

    const audit = (await t.app.services.audit.list(ws.workspaceId, { limit: 20 })).filter((e) => e.action.startsWith('webhook.'))
    expect(audit.map((e) => e.action).reverse()).toEqual(['webhook.endpoint_created', 'webhook.endpoint_updated', 'webhook.secret_rotated', 'webhook.endpoint_deleted'])
    for (const entry of audit) expect(entry).toMatchObject({ actorUserId: ws.ownerId, targetId: endpoint.id, ip: '127.0.0.1' })
    expect(audit.find((e) => e.action === 'webhook.endpoint_created')!.details).toEqual({ host: 'hooks.acme.example' })
    // A receiver's own token in its URL never reaches the audit log.
    expect(JSON.stringify(audit)).not.toContain('receiver-own-token')
  })

  it('lists the event types with what each means', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const types = await api(t, ws.token, 'GET', '/webhook-event-types')
    expect(types.body.items.map((i: { type: string }) => i.type)).toEqual(EVENT_TYPES)
    for (const item of types.body.items) expect(item.description.length).toBeGreaterThan(20)
  })

  it.each([
    { description: 'no URL', body: { eventTypes: ['contact.created'] }, code: 'SB_VALIDATION', field: 'url' },
    { description: 'no event types', body: { url: URL }, code: 'SB_VALIDATION', field: 'eventTypes' },
    { description: 'an empty list of event types', body: { url: URL, eventTypes: [] }, code: 'SB_VALIDATION', field: 'eventTypes' },
    { description: 'an unknown event type', body: { url: URL, eventTypes: ['contact.deleted'] }, code: 'SB_VALIDATION', field: 'eventTypes/0' },
    { description: 'an unknown field', body: { url: URL, eventTypes: ['contact.created'], secret: 'mine' }, code: 'SB_VALIDATION', field: 'secret' },
    { description: 'a URL too long', body: { url: `${URL}/${'a'.repeat(2100)}`, eventTypes: ['contact.created'] }, code: 'SB_VALIDATION', field: 'url' },
    { description: 'a URL that is not one', body: { url: 'https:/// nope', eventTypes: ['contact.created'] }, code: 'SB_WEBHOOK_URL_INVALID', field: 'url' },
    { description: 'a description too long', body: { url: URL, eventTypes: ['contact.created'], description: 'x'.repeat(201) }, code: 'SB_VALIDATION', field: 'description' },
  ])('refuses $description with a 400 naming the field, and stores nothing', async ({ body, code, field }) => {
    const t = await buildTestApp({ WEBHOOKS_ALLOW_PRIVATE: 'false' })
    const ws = await createWorkspace(t)
    const refused = await api(t, ws.token, 'POST', '/webhook-endpoints', body)
    expect(refused.status).toBe(400)
    expect(refused.body).toMatchObject({ code, field })
    expect(await t.store.db.selectFrom('webhook_endpoints').selectAll().execute()).toEqual([])
  })

  it('refuses a bad change and keeps the endpoint as it was', async () => {
    const t = await buildTestApp({ WEBHOOKS_ALLOW_PRIVATE: 'false' })
    const ws = await createWorkspace(t)
    const { endpoint } = await registerEndpoint(t, ws, URL)
    const refused = await api(t, ws.token, 'PATCH', `/webhook-endpoints/${endpoint.id}`, { url: 'https://10.0.0.1/in', eventTypes: ['deal.stage_changed'] })
    expect(refused.body).toMatchObject({ code: 'SB_WEBHOOK_URL_INVALID', field: 'url' })
    expect((await api(t, ws.token, 'GET', `/webhook-endpoints/${endpoint.id}`)).body).toEqual(endpoint)
    const badStatus = await api(t, ws.token, 'PATCH', `/webhook-endpoints/${endpoint.id}`, { status: 'paused' })
    expect(badStatus.body).toMatchObject({ code: 'SB_VALIDATION', field: 'status' })
  })

  it(`allows at most ${MAX_ENDPOINTS} endpoints per workspace`, async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    for (let i = 0; i < MAX_ENDPOINTS; i++) await registerEndpoint(t, ws, `${URL}/${i}`)
    const refused = await api(t, ws.token, 'POST', '/webhook-endpoints', { url: `${URL}/more`, eventTypes: ['contact.created'] })
    expect(refused).toMatchObject({ status: 409, body: { code: 'SB_WEBHOOK_ENDPOINT_LIMIT' } })
  })

  it('is for admins: an agent cannot list, add or read deliveries, and another workspace\'s endpoints and deliveries do not exist', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const agent = await addUser(t, ws, 'agent')
    const { endpoint } = await registerEndpoint(t, ws, URL)
    await api(t, ws.token, 'POST', '/contacts', { name: 'Ada' })
    const [delivery] = (await api(t, ws.token, 'GET', '/webhook-deliveries')).body.items
    for (const [method, url] of [['GET', '/webhook-endpoints'], ['POST', '/webhook-endpoints'], ['GET', '/webhook-deliveries'], ['POST', `/webhook-deliveries/${delivery.id}/redeliver`]] as const) {
      const refused = await api(t, agent.token, method, url, method === 'POST' && url === '/webhook-endpoints' ? { url, eventTypes: ['contact.created'] } : undefined)
      expect(refused.status, `${method} ${url}`).toBe(403)
      expect(refused.body.code).toBe('SB_AUTH_ROLE_FORBIDDEN')
    }
    const bravo = await createWorkspace(t, 'Bravo')
    expect((await api(t, bravo.token, 'GET', `/webhook-endpoints/${endpoint.id}`)).status).toBe(404)
    expect((await api(t, bravo.token, 'PATCH', `/webhook-endpoints/${endpoint.id}`, { status: 'disabled' })).status).toBe(404)
    expect((await api(t, bravo.token, 'GET', `/webhook-deliveries/${delivery.id}`)).status).toBe(404)
    expect((await api(t, bravo.token, 'POST', `/webhook-deliveries/${delivery.id}/redeliver`)).status).toBe(404)
    expect((await api(t, bravo.token, 'GET', '/webhook-deliveries')).body.items).toEqual([])
    expect((await api(t, bravo.token, 'GET', `/webhook-deliveries?endpointId=${endpoint.id}`)).body.items).toEqual([])
    expect((await api(t, ws.token, 'GET', `/webhook-endpoints/${endpoint.id}`)).body.status).toBe('active')
  })

  it('pages the delivery log newest first and filters it', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const a = await registerEndpoint(t, ws, `${URL}/a`, ['contact.created'])
    const b = await registerEndpoint(t, ws, `${URL}/b`, ['contact.created', 'contact.updated'])
    for (let i = 0; i < 3; i++) {
      const contact = await api(t, ws.token, 'POST', '/contacts', { name: `P${i}` })
      await api(t, ws.token, 'PATCH', `/contacts/${contact.body.id}`, { tags: ['x'] })
    }
    const all = []
    const sizes: number[] = []
    let cursor: string | null = null
    do {
      const page: { body: { items: unknown[], nextCursor: string | null } } = await api(t, ws.token, 'GET', `/webhook-deliveries?limit=4${cursor === null ? '' : `&cursor=${cursor}`}`)
      sizes.push(page.body.items.length)
      all.push(...page.body.items as Array<{ id: string, createdAt: string }>)
      cursor = page.body.nextCursor
    } while (cursor !== null)
    expect(sizes).toEqual([4, 4, 1])
    expect(new Set(all.map((d: { id: string }) => d.id)).size).toBe(9)
    expect(all.map((d: { createdAt: string }) => d.createdAt)).toEqual([...all.map((d: { createdAt: string }) => d.createdAt)].sort().reverse())
    expect((await api(t, ws.token, 'GET', `/webhook-deliveries?endpointId=${a.endpoint.id}`)).body.items).toHaveLength(3)
    expect((await api(t, ws.token, 'GET', `/webhook-deliveries?endpointId=${b.endpoint.id}&eventType=contact.updated`)).body.items).toHaveLength(3)
    expect((await api(t, ws.token, 'GET', '/webhook-deliveries?status=delivered')).body.items).toHaveLength(0)
    expect((await api(t, ws.token, 'GET', '/webhook-deliveries?cursor=bm90LWEtY3Vyc29y')).body.code).toBe('SB_CURSOR_INVALID')
  })

  it('keeps the signing secret only sealed: not in any row, not in the database file', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const { secret } = await registerEndpoint(t, ws, URL)
    const rotated = (await api(t, ws.token, 'POST', `/webhook-endpoints/${(await api(t, ws.token, 'GET', '/webhook-endpoints')).body.items[0].id}/rotate-secret`)).body.secret as string
    const rows = JSON.stringify(await t.store.db.selectFrom('webhook_endpoints').selectAll().execute())
    const files = t.store.dialect === 'sqlite' ? ['switchboard.sqlite', 'switchboard.sqlite-wal'].map((f) => path.join(t.dir, f)).filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f).toString('latin1')) : []
    for (const s of [secret, rotated]) {
      for (const form of [s, s.slice(6)]) {
        expect(rows.includes(form)).toBe(false)
        for (const bytes of files) expect(bytes.includes(form)).toBe(false)
      }
    }
  })

  it('keys rotate re-wraps webhook signing secrets (and a previous one) under the new key, and they still sign', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const { endpoint } = await registerEndpoint(t, ws, URL)
    const rotated = (await api(t, ws.token, 'POST', `/webhook-endpoints/${endpoint.id}/rotate-secret`)).body.secret as string
    const result = await rotateKeyFile(t.store.db, t.config.dataDir)
    expect(result).toMatchObject({ total: 2, rewrapped: 2 })
    const row = await t.store.db.selectFrom('webhook_endpoints').select(['secret', 'previous_secret']).executeTakeFirstOrThrow()
    expect(row.secret.split(':')[1]).toBe(result.keyId)
    expect(row.previous_secret!.split(':')[1]).toBe(result.keyId)
    const box = createSecretBox(loadSecretKeys(undefined, t.config.dataDir))
    expect(box.open(row.secret, sealedSecretBinding(ws.workspaceId, endpoint.id, 'secret'))).toBe(rotated)
  })
})
