import { describe, expect, it } from 'vitest'
import { addUser, buildTestApp, createWorkspace, type TestApp } from '../../test/helper.js'
import { csrfIn, HTML, post, signIn, type Browser } from './web-test-helpers.js'

/** The web app's Privacy page keeps what the generated /data-deletion page promises. */

async function privacyPage (t: TestApp, browser: Browser): Promise<string> {
  const r = await t.app.inject({ url: '/app/privacy', headers: { ...HTML, cookie: browser.cookie } })
  expect(r.statusCode).toBe(200)
  return r.body
}

describe('web app: Privacy page', () => {
  it('does what /data-deletion says: Export, Erase a contact and Erase user on "Privacy"', async () => {
    const t = await buildTestApp()
    const promises = (await t.app.inject({ url: '/data-deletion' })).body
    expect(promises).toContain('opens "Privacy" in the web app, picks the contact and chooses "Erase"')
    expect(promises).toContain('chooses "Erase user"')
    expect(promises).toContain('"Export" on the web app\'s "Privacy" page')
    const ws = await createWorkspace(t)
    const owner = await signIn(t, ws.ownerEmail, ws.ownerPassword)
    const body = await privacyPage(t, owner)
    expect(body).toContain('<a href="/app/privacy" aria-current="page">Privacy</a>')
    for (const control of ['>Export</button>', '>Erase</button>', '>Erase user</button>', '>Show status</button>']) expect(body).toContain(control)
  })

  it('exports my data in the background with progress, then downloads it with the session', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const owner = await signIn(t, ws.ownerEmail, ws.ownerPassword)
    const asked = await post(t, '/app/privacy/exports', owner, { _csrf: owner.csrf, kind: 'workspace' })
    expect(asked.statusCode).toBe(303)
    let body = ''
    for (let i = 0; i < 200 && !body.includes('Download ('); i++) {
      body = await privacyPage(t, owner)
      if (!body.includes('Download (')) {
        // While it is built the page shows progress and reloads itself.
        expect(body).toMatch(/<progress [^>]*max="100"|Download \(/)
        expect(body).toContain('http-equiv="refresh"')
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    }
    const link = /href="(\/app\/privacy\/exports\/[^"]+\/download)"/.exec(body)?.[1]
    expect(link).toBeDefined()
    const archive = await t.app.inject({ url: link!, headers: { ...HTML, cookie: owner.cookie } })
    expect(archive.statusCode).toBe(200)
    expect(archive.json()).toMatchObject({ format: 'switchboard-export/1', kind: 'workspace' })
    // Someone else's session cannot take it.
    const agent = await addUser(t, ws, 'agent')
    const other = await signIn(t, agent.email, 'correct horse battery')
    expect((await t.app.inject({ url: link!, headers: { ...HTML, cookie: other.cookie } })).statusCode).toBe(404)
  })

  it('erases a contact only with the confirmation ticked, and closes users under the one user-action rule', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const contact = (await t.app.inject({ method: 'POST', url: '/api/v1/contacts', headers: { authorization: `Bearer ${ws.token}` }, payload: { name: 'Grace Hopper' } })).json() as { id: string }
    const admin = await addUser(t, ws, 'admin')
    const agent = await addUser(t, ws, 'agent')
    const browser = await signIn(t, admin.email, 'correct horse battery')
    const body = await privacyPage(t, browser)
    // An admin is offered the agent, never the owner.
    expect(body).toContain(`value="${agent.userId}"`)
    expect(body).not.toContain(`value="${ws.ownerId}"`)
    expect((await post(t, '/app/privacy/erase-contact', browser, { _csrf: browser.csrf, id: contact.id })).statusCode).toBe(400)
    expect((await t.app.inject({ url: `/api/v1/contacts/${contact.id}`, headers: { authorization: `Bearer ${ws.token}` } })).statusCode).toBe(200)
    expect((await post(t, '/app/privacy/erase-contact', browser, { _csrf: browser.csrf, id: contact.id, confirm: 'yes' })).statusCode).toBe(303)
    expect((await t.app.inject({ url: `/api/v1/contacts/${contact.id}`, headers: { authorization: `Bearer ${ws.token}` } })).statusCode).toBe(404)
    expect((await post(t, '/app/privacy/erase-user', browser, { _csrf: browser.csrf, id: ws.ownerId, confirm: 'yes' })).statusCode).toBe(403)
    expect((await post(t, '/app/privacy/erase-user', browser, { _csrf: browser.csrf, id: agent.userId, confirm: 'yes' })).statusCode).toBe(303)
    const erased = await t.app.services.users.get(ws.workspaceId, agent.userId)
    expect(erased).toMatchObject({ displayName: 'Erased user', status: 'deactivated' })
  })

  it('gives agents their own export only, and sends a confirmation code to its status page', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const agent = await addUser(t, ws, 'agent')
    const browser = await signIn(t, agent.email, 'correct horse battery')
    const body = await privacyPage(t, browser)
    expect(body).not.toContain('value="workspace"')
    expect(body).not.toContain('>Erase</button>')
    expect(csrfIn(body)).toBe(browser.csrf)
    expect((await post(t, '/app/privacy/exports', browser, { _csrf: browser.csrf, kind: 'workspace' })).statusCode).toBe(403)
    expect((await post(t, '/app/privacy/erase-contact', browser, { _csrf: browser.csrf, id: 'ct_x', confirm: 'yes' })).statusCode).toBe(403)
    const lookup = await t.app.inject({ url: '/app/privacy/deletion?code=abcdEFGH1234', headers: { ...HTML, cookie: browser.cookie } })
    expect(lookup.statusCode).toBe(303)
    expect(lookup.headers.location).toBe('/data-deletion/status/abcdEFGH1234')
  })
})
