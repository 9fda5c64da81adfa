import { describe, expect, it } from 'vitest'
import { addUser, buildTestApp, createWorkspace, type TestApp } from '../../test/helper.js'
import { HTML, post, signIn, type Browser } from './web-test-helpers.js'

/** The pages' forms over app.inject, each through the same services the API uses. */

async function signedInOwner (t: TestApp) {
  const ws = await createWorkspace(t, 'Acme')
  const browser = await signIn(t, ws.ownerEmail, ws.ownerPassword)
  return { ws, browser }
}

function get (t: TestApp, url: string, browser: Browser) {
  return t.app.inject({ url, headers: { ...HTML, cookie: browser.cookie } })
}

describe('web app pages', () => {
  it('shows a contact\'s timeline and WhatsApp thread', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const { ws, browser } = await signedInOwner(t)
    const { crm, whatsapp } = t.app.services
    const contact = await crm.contacts.create(ws.workspaceId, { name: 'Ada', phones: ['+14155550100'] }, { source: 'web' })
    await crm.activities.log(ws.workspaceId, { type: 'note', body: 'Met at the fair', contactId: contact.id }, { userId: ws.ownerId, source: 'web' })
    const connected = await post(t, '/app/whatsapp/sandbox', browser, { _csrf: browser.csrf })
    expect(connected.statusCode, connected.body).toBe(303)
    await whatsapp.messaging.send(ws.workspaceId, contact.id, { kind: 'template', name: 'hello_world', language: 'en_US', parameters: {} }, { authorUserId: ws.ownerId, source: 'web' })
    const page = await get(t, `/app/contacts/${contact.id}`, browser)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Met at the fair')
    expect(page.body).toContain('Template hello_world')
    expect(page.body).toContain('Reply window closed')
  })

  it('revokes a token from the tokens page; an agent cannot see or revoke another person\'s token', async () => {
    const t = await buildTestApp()
    const { ws, browser } = await signedInOwner(t)
    const agent = await addUser(t, ws, 'agent')
    const agentBrowser = await signIn(t, agent.email, 'correct horse battery')
    const ownerToken = (await t.app.services.apiTokens.list(ws.workspaceId, ws.ownerId))[0]!
    const agentPage = await get(t, '/app/tokens', agentBrowser)
    expect(agentPage.body).not.toContain(ownerToken.id)
    const refused = await post(t, `/app/tokens/${ownerToken.id}/revoke`, agentBrowser, { _csrf: agentBrowser.csrf })
    expect(refused.statusCode).toBe(404)
    const revoked = await post(t, `/app/tokens/${ownerToken.id}/revoke`, browser, { _csrf: browser.csrf })
    expect(revoked.statusCode).toBe(303)
    const me = await t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${ws.token}` } })
    expect(me.statusCode).toBe(401)
  })

  it('adds a person, changes their role, and refuses to demote the last owner', async () => {
    const t = await buildTestApp()
    const { ws, browser } = await signedInOwner(t)
    const short = await post(t, '/app/team', browser, { email: 'grace@acme.example', displayName: 'Grace', role: 'agent', password: 'short', _csrf: browser.csrf })
    expect(short.statusCode).toBe(400)
    const invited = await post(t, '/app/team', browser, { email: 'grace@acme.example', displayName: 'Grace', role: 'agent', password: 'a fine first password', _csrf: browser.csrf })
    expect(invited.statusCode).toBe(303)
    const grace = (await t.app.services.users.list(ws.workspaceId)).find((u) => u.email === 'grace@acme.example')!
    const promoted = await post(t, `/app/team/${grace.id}`, browser, { role: 'admin', _csrf: browser.csrf })
    expect(promoted.statusCode).toBe(303)
    expect((await t.app.services.users.get(ws.workspaceId, grace.id))?.role).toBe('admin')
    const lastOwner = await post(t, `/app/team/${ws.ownerId}`, browser, { role: 'agent', _csrf: browser.csrf })
    expect(lastOwner.statusCode).toBe(409)
    expect(lastOwner.body).toContain('SB_USER_LAST_OWNER')
    await signIn(t, 'grace@acme.example', 'a fine first password')
  })

  it('sends a campaign from a pasted list, then pauses, resumes and cancels it', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const { ws, browser } = await signedInOwner(t)
    await post(t, '/app/whatsapp/sandbox', browser, { _csrf: browser.csrf })
    const list = await get(t, '/app/campaigns', browser)
    expect(list.body).toContain('value="hello_world|en_US"')
    const sent = await post(t, '/app/campaigns', browser, { name: 'Launch', template: 'hello_world|en_US', recipients: '+14155550101\n\n+1 415 555 0102\nnot a phone\n', _csrf: browser.csrf })
    expect(sent.statusCode, sent.body).toBe(303)
    const detailUrl = String(sent.headers.location)
    const id = /\/app\/campaigns\/(\w+)/.exec(detailUrl)![1]!
    const campaign = await t.app.services.campaigns.get(ws.workspaceId, id)
    expect(campaign).toMatchObject({ state: 'running', source: 'web', counts: { total: 2 } })
    const detail = await get(t, detailUrl, browser)
    expect(detail.body).toContain('<strong data-counter="total">2</strong>')
    expect(detail.body).toContain('src="/app/assets/live.js"')
    for (const [verb, state] of [['pause', 'paused'], ['resume', 'running'], ['cancel', 'cancelled']] as const) {
      const answer = await post(t, `/app/campaigns/${id}/${verb}`, browser, { _csrf: browser.csrf })
      expect(answer.statusCode, `${verb}: ${answer.body}`).toBe(303)
      expect((await t.app.services.campaigns.get(ws.workspaceId, id)).state).toBe(state)
    }
    const final = await get(t, detailUrl, browser)
    expect(final.body).toContain('data-final="true"')
    expect(final.body).not.toContain('live.js')
    const audited = await t.app.services.audit.list(ws.workspaceId, { limit: 10, actorUserId: ws.ownerId })
    expect(audited.map((e) => e.action)).toEqual(expect.arrayContaining(['campaign.started', 'campaign.cancelled']))
  })

  it('starts one campaign when the same form is posted twice', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const { ws, browser } = await signedInOwner(t)
    await post(t, '/app/whatsapp/sandbox', browser, { _csrf: browser.csrf })
    const submission = /name="submission" value="([^"]+)"/.exec((await get(t, '/app/campaigns', browser)).body)![1]!
    const fields = { name: 'Once', template: 'hello_world|en_US', recipients: '+14155550101', submission, _csrf: browser.csrf }
    const first = await post(t, '/app/campaigns', browser, fields)
    const second = await post(t, '/app/campaigns', browser, fields)
    expect(second.statusCode).toBe(303)
    expect(second.headers.location).toBe(first.headers.location)
    expect(await t.app.services.campaigns.list(ws.workspaceId, { limit: 10 })).toHaveLength(1)
  })

  it('pages through contacts, keeping the search', async () => {
    const t = await buildTestApp()
    const { ws, browser } = await signedInOwner(t)
    for (let i = 0; i < 101; i++) await t.app.services.crm.contacts.create(ws.workspaceId, { name: `Person ${i}` }, { source: 'web' })
    const first = await get(t, '/app/contacts?q=person', browser)
    const link = /href="(\/app\/contacts\?q=person&amp;cursor=[^"]+)"/.exec(first.body)?.[1]
    expect(link, 'an Older contacts link').toBeDefined()
    const second = await get(t, link!.replaceAll('&amp;', '&'), browser)
    expect(second.statusCode).toBe(200)
    expect(second.body).toContain('Person 0<')
    expect(second.body).not.toContain('Older contacts')
  })

  it('serves the live script as JavaScript', async () => {
    const t = await buildTestApp()
    const script = await t.app.inject({ url: '/app/assets/live.js' })
    expect(script.statusCode).toBe(200)
    expect(script.headers['content-type']).toContain('text/javascript')
    expect(script.body).toContain('data-live')
    expect(script.body).not.toContain('declare ')
  })
})
