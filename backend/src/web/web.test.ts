import { describe, expect, it } from 'vitest'
import { addUser, buildTestApp, createWorkspace } from '../../test/helper.js'
import { cookiesOf, csrfIn, form, HTML, post, signIn } from './web-test-helpers.js'

describe('web app sign-in and sessions', () => {
  it('signs in with email and password, sets an httpOnly SameSite session cookie, and shows the pages', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t, 'Acme')
    const page = await t.app.inject({ url: '/app/sign-in', headers: HTML })
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'")
    const response = await post(t, '/app/sign-in', { cookie: cookiesOf(page.headers['set-cookie']) }, { email: ws.ownerEmail, password: ws.ownerPassword, _csrf: csrfIn(page.body), next: '/app/deals' })
    expect(response.statusCode).toBe(303)
    expect(response.headers.location).toBe('/app/deals')
    const setCookie = String(response.headers['set-cookie'])
    expect(setCookie).toMatch(/sb_session=[^;]+;.*HttpOnly/i)
    expect(setCookie).toMatch(/SameSite=Lax/i)
    const board = await t.app.inject({ url: '/app/deals', headers: { ...HTML, cookie: cookiesOf(response.headers['set-cookie']) } })
    expect(board.statusCode).toBe(200)
    expect(board.body).toContain('Acme Owner')
    const logins = await t.app.services.audit.list(ws.workspaceId, { limit: 10, action: 'user.login' })
    expect(logins).toHaveLength(1)
  })

  it('never redirects off-site after sign-in', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t, 'Acme')
    const page = await t.app.inject({ url: '/app/sign-in', headers: HTML })
    const response = await post(t, '/app/sign-in', { cookie: cookiesOf(page.headers['set-cookie']) }, { email: ws.ownerEmail, password: ws.ownerPassword, _csrf: csrfIn(page.body), next: '//evil.example/app' })
    expect(response.headers.location).toBe('/app/contacts')
  })

  it('answers a wrong password on the page, and locks after repeated failures', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t, 'Acme')
    const page = await t.app.inject({ url: '/app/sign-in', headers: HTML })
    const browser = { cookie: cookiesOf(page.headers['set-cookie']) }
    const csrf = csrfIn(page.body)
    const wrong = await post(t, '/app/sign-in', browser, { email: ws.ownerEmail, password: 'not the password', _csrf: csrf })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.body).toContain('Email or password is wrong')
    expect(wrong.headers['set-cookie'] ?? '').not.toContain('sb_session=')
    for (let i = 0; i < 4; i++) await post(t, '/app/sign-in', browser, { email: ws.ownerEmail, password: 'not the password', _csrf: csrf })
    const locked = await post(t, '/app/sign-in', browser, { email: ws.ownerEmail, password: ws.ownerPassword, _csrf: csrf })
    expect(locked.statusCode).toBe(429)
    expect(locked.headers['retry-after']).toBeDefined()
  })

  it.each<{ description: string, path: string, session: boolean, fields: Record<string, string> }>([
    { description: 'sign-in form without its token', path: '/app/sign-in', session: false, fields: { email: 'a@b.example', password: 'x' } },
    { description: 'sign-in form with a token for another browser', path: '/app/sign-in', session: false, fields: { email: 'a@b.example', password: 'x', _csrf: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } },
    { description: 'new contact without the token', path: '/app/contacts', session: true, fields: { name: 'Forged' } },
    { description: 'new contact with a wrong token', path: '/app/contacts', session: true, fields: { name: 'Forged', _csrf: 'wrong' } },
    { description: 'sign-out without the token', path: '/app/sign-out', session: true, fields: {} },
  ])('refuses a POST without the CSRF token ($description)', async ({ path, session, fields }) => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t, 'Acme')
    const browser = session ? await signIn(t, ws.ownerEmail, ws.ownerPassword) : { cookie: cookiesOf((await t.app.inject({ url: '/app/sign-in', headers: HTML })).headers['set-cookie']) }
    const response = await post(t, path, browser, fields)
    expect(response.statusCode).toBe(403)
    expect(response.body).toContain('SB_WEB_CSRF_INVALID')
    const json = await t.app.inject({ method: 'POST', url: path, headers: { cookie: browser.cookie, origin: new URL(t.config.publicUrl).origin, 'content-type': 'application/x-www-form-urlencoded' }, payload: form(fields) })
    expect(json.json().code).toBe('SB_WEB_CSRF_INVALID')
    const listed = await t.app.services.crm.contacts.list(ws.workspaceId, { limit: 10 })
    expect(listed.items).toHaveLength(0)
  })

  it('accepts the session\'s token, and the token of one session does not work for another', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t, 'Acme')
    const first = await signIn(t, ws.ownerEmail, ws.ownerPassword)
    const second = await signIn(t, ws.ownerEmail, ws.ownerPassword)
    expect(first.csrf).not.toBe(second.csrf)
    const crossed = await post(t, '/app/contacts', first, { name: 'Ada', _csrf: second.csrf })
    expect(crossed.statusCode).toBe(403)
    const created = await post(t, '/app/contacts', first, { name: 'Ada', email: 'ada@acme.example', _csrf: first.csrf })
    expect(created.statusCode).toBe(303)
    expect(created.headers.location).toMatch(/^\/app\/contacts\/\w+\?notice=contact-created$/)
  })

  it('sends a browser without a session to sign-in, and an API client gets 401 JSON', async () => {
    const t = await buildTestApp()
    const browser = await t.app.inject({ url: '/app/campaigns', headers: HTML })
    expect(browser.statusCode).toBe(303)
    expect(browser.headers.location).toBe('/app/sign-in?next=%2Fapp%2Fcampaigns')
    const api = await t.app.inject({ url: '/app/campaigns' })
    expect(api.statusCode).toBe(401)
    expect(api.json().code).toBe('SB_UNAUTHENTICATED')
  })

  it('puts a deactivated user out at once, and refuses their sign-in', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t, 'Acme')
    const agent = await addUser(t, ws, 'agent')
    const browser = await signIn(t, agent.email, 'correct horse battery')
    const admin = await signIn(t, ws.ownerEmail, ws.ownerPassword)
    const deactivated = await post(t, `/app/team/${agent.userId}`, admin, { status: 'deactivated', _csrf: admin.csrf })
    expect(deactivated.statusCode).toBe(303)
    const next = await t.app.inject({ url: '/app/contacts', headers: { ...HTML, cookie: browser.cookie } })
    expect(next.statusCode).toBe(303)
    expect(next.headers.location).toContain('/app/sign-in')
    const page = await t.app.inject({ url: '/app/sign-in', headers: HTML })
    const again = await post(t, '/app/sign-in', { cookie: cookiesOf(page.headers['set-cookie']) }, { email: agent.email, password: 'correct horse battery', _csrf: csrfIn(page.body) })
    expect(again.statusCode).toBe(403)
    expect(again.body).toContain('This user is deactivated')
  })

  it('offers an admin on the Team page only what the user-action rule allows: no owner role, no controls on the owner', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t, 'Acme')
    const admin = await addUser(t, ws, 'admin')
    const agent = await addUser(t, ws, 'agent')
    const browser = await signIn(t, admin.email, 'correct horse battery')
    const page = await t.app.inject({ url: '/app/team', headers: { ...HTML, cookie: browser.cookie } })
    expect(page.statusCode).toBe(200)
    // No form targets the owner, and no select offers "owner"; the agent can be managed.
    expect(page.body).not.toContain(`action="/app/team/${ws.ownerId}"`)
    expect(page.body).not.toContain('<option value="owner"')
    expect(page.body).toContain(`action="/app/team/${agent.userId}"`)
    expect(page.body).toContain('<option value="admin"')
    // The owner's page still offers every role.
    const owner = await signIn(t, ws.ownerEmail, ws.ownerPassword)
    expect((await t.app.inject({ url: '/app/team', headers: { ...HTML, cookie: owner.cookie } })).body).toContain('<option value="owner"')
  })

  it('respects session expiry', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t, 'Acme')
    const browser = await signIn(t, ws.ownerEmail, ws.ownerPassword)
    await t.store.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).execute()
    const next = await t.app.inject({ url: '/app/contacts', headers: { ...HTML, cookie: browser.cookie } })
    expect(next.statusCode).toBe(303)
    expect(next.headers.location).toContain('/app/sign-in')
  })

  it('signs out: the session ends on the server', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t, 'Acme')
    const browser = await signIn(t, ws.ownerEmail, ws.ownerPassword)
    const out = await post(t, '/app/sign-out', browser, { _csrf: browser.csrf })
    expect(out.statusCode).toBe(303)
    expect(out.headers.location).toBe('/app/sign-in')
    const after = await t.app.inject({ url: '/app/contacts', headers: { ...HTML, cookie: browser.cookie } })
    expect(after.statusCode).toBe(303)
  })

  it('keeps admin pages from agents: no nav entry, and a 403 page', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t, 'Acme')
    const agent = await addUser(t, ws, 'agent')
    const browser = await signIn(t, agent.email, 'correct horse battery')
    const contacts = await t.app.inject({ url: '/app/contacts', headers: { ...HTML, cookie: browser.cookie } })
    expect(contacts.body).not.toContain('href="/app/team"')
    for (const url of ['/app/team', '/app/audit']) {
      const page = await t.app.inject({ url, headers: { ...HTML, cookie: browser.cookie } })
      expect(page.statusCode).toBe(403)
      expect(page.body).toContain('Your role does not allow this action')
    }
    const invite = await post(t, '/app/team', browser, { email: 'x@acme.example', displayName: 'X', role: 'admin', _csrf: browser.csrf })
    expect(invite.statusCode).toBe(403)
  })

  it('escapes what people typed', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t, 'Acme')
    const browser = await signIn(t, ws.ownerEmail, ws.ownerPassword)
    const created = await post(t, '/app/contacts', browser, { name: '<script>alert(1)</script>', _csrf: browser.csrf })
    const detail = await t.app.inject({ url: String(created.headers.location), headers: { ...HTML, cookie: browser.cookie } })
    expect(detail.body).not.toContain('<script>alert(1)</script>')
    expect(detail.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
  })

  it('filters the audit log by actor, action and date', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t, 'Acme')
    const browser = await signIn(t, ws.ownerEmail, ws.ownerPassword)
    const today = new Date().toISOString().slice(0, 10)
    const get = (query: string) => t.app.inject({ url: `/app/audit?${query}`, headers: { ...HTML, cookie: browser.cookie } })
    const byAction = await get(`action=user.login&actor=${ws.ownerId}&from=${today}&to=${today}`)
    expect(byAction.statusCode).toBe(200)
    expect(byAction.body).toContain('<td>user.login</td>')
    expect(byAction.body).not.toContain('<td>workspace.created</td>')
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
    const before = await get(`to=${yesterday}`)
    expect(before.body).toContain('No events match.')
    const bad = await get('from=2026-13-45')
    expect(bad.statusCode).toBe(400)
  })
})

describe('first run from the browser', () => {
  it('creates the first workspace from the machine itself and signs its owner in, once', async () => {
    const t = await buildTestApp()
    const signInPage = await t.app.inject({ url: '/app/sign-in', headers: HTML })
    expect(signInPage.body).toContain('href="/app/setup"')
    const page = await t.app.inject({ url: '/app/setup', headers: HTML })
    expect(page.statusCode).toBe(200)
    const browser = { cookie: cookiesOf(page.headers['set-cookie']) }
    const forged = await post(t, '/app/setup', browser, { name: 'Acme', ownerName: 'Ada', ownerEmail: 'ada@acme.example', password: 'a long first password' })
    expect(forged.statusCode).toBe(403)
    const weak = await post(t, '/app/setup', browser, { name: 'Acme', ownerName: 'Ada', ownerEmail: 'ada@acme.example', password: 'short', _csrf: csrfIn(page.body) })
    expect(weak.statusCode).toBe(400)
    const created = await post(t, '/app/setup', browser, { name: 'Acme', ownerName: 'Ada', ownerEmail: 'ada@acme.example', password: 'a long first password', _csrf: csrfIn(page.body) })
    expect(created.statusCode, created.body).toBe(303)
    expect(created.headers.location).toBe('/app/whatsapp')
    const session = cookiesOf(created.headers['set-cookie'])
    const whatsapp = await t.app.inject({ url: '/app/whatsapp', headers: { ...HTML, cookie: session } })
    expect(whatsapp.statusCode).toBe(200)
    expect(whatsapp.body).toContain('Ada (owner)')
    const again = await t.app.inject({ url: '/app/setup', headers: HTML })
    expect(again.statusCode).toBe(404)
    const secondTry = await post(t, '/app/setup', browser, { name: 'Other', ownerName: 'Eve', ownerEmail: 'eve@evil.example', password: 'a long first password', _csrf: csrfIn(page.body) })
    expect(secondTry.statusCode).toBe(404)
    expect((await t.app.inject({ url: '/app/sign-in', headers: HTML })).body).not.toContain('href="/app/setup"')
  })

  it('is not offered to other machines, through a proxy, or on a deployed server', async () => {
    const t = await buildTestApp()
    const page = await t.app.inject({ url: '/app/setup', headers: HTML, remoteAddress: '203.0.113.9' })
    expect(page.statusCode).toBe(404)
    const proxied = await t.app.inject({ url: '/app/setup', headers: { ...HTML, 'x-forwarded-for': '203.0.113.9' } })
    expect(proxied.statusCode).toBe(404)
    const deployed = await buildTestApp({ PUBLIC_URL: 'https://crm.acme.example' })
    expect((await deployed.app.inject({ url: '/app/setup', headers: HTML })).statusCode).toBe(404)
  })
})
