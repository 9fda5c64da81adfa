import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { buildTestApp, createWorkspace, type TestApp, type TestWorkspace } from '../../test/helper.js'
import { pkceChallenge, REFRESH_GRACE_MS } from './addin-auth.js'
import { ADDIN_LIMITS } from './addin-routes.js'

// Issue 16, defect 1: several Outlook panes run on one sign-in, each with its own in-memory
// copy of roaming settings. Each pane starts its own token family from the sign-in token;
// refreshing one never signs another out; a refresh retried within the grace window gets
// the same successor; a genuine replay after it still revokes the whole sign-in.

const CLIENT = 'outlook-addin'
interface Grant { accessToken: string, refreshToken: string, signInToken?: string, expiresIn: number }

function movableClock (start = Date.now()): { now: () => Date, advance: (ms: number) => void } {
  let at = start
  return { now: () => new Date(at), advance: (ms) => { at += ms } }
}

async function signIn (t: TestApp, ws: TestWorkspace): Promise<Grant> {
  const verifier = randomBytes(32).toString('base64url')
  const redirectUri = `${t.config.publicUrl}/outlook/signed-in.html`
  const form = new URLSearchParams({
    client_id: CLIENT, redirect_uri: redirectUri, response_type: 'code', code_challenge: pkceChallenge(verifier), code_challenge_method: 'S256',
    state: 'state-0123456789abcdef', email: ws.ownerEmail, password: ws.ownerPassword,
  })
  const posted = await t.app.inject({ method: 'POST', url: '/oauth/addin/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() })
  const code = new URL(String(posted.headers.location)).searchParams.get('code') ?? ''
  const response = await t.app.inject({ method: 'POST', url: '/oauth/addin/token', payload: { grantType: 'authorization_code', clientId: CLIENT, code, codeVerifier: verifier, redirectUri } })
  expect(response.statusCode, response.body).toBe(200)
  return response.json<Grant>()
}

const token = (t: TestApp, payload: object) => t.app.inject({ method: 'POST', url: '/oauth/addin/token', payload: { clientId: CLIENT, ...payload } })
const startPane = (t: TestApp, signInToken: string) => token(t, { grantType: 'sign_in', signInToken })
const refresh = (t: TestApp, refreshToken: string) => token(t, { grantType: 'refresh_token', refreshToken })
const me = async (t: TestApp, accessToken: string): Promise<number> => (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${accessToken}` } })).statusCode

describe('add-in sign-in with several panes', () => {
  it('gives the code exchange a sign-in token, stored only as a digest, from which each pane starts its own family', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const first = await signIn(t, ws)
    expect(first.signInToken).toMatch(/^sbs_/)
    const rows = await t.store.db.selectFrom('addin_sign_ins').selectAll().execute()
    expect(rows).toHaveLength(1)
    expect(JSON.stringify(rows)).not.toContain(first.signInToken)
    const second = await startPane(t, first.signInToken!)
    expect(second.statusCode, second.body).toBe(200)
    const pane = second.json<Grant>()
    // The sign-in token is not rotated and not handed out again.
    expect(pane.signInToken).toBeUndefined()
    const families = await t.store.db.selectFrom('addin_token_families').select(['id', 'sign_in_id']).execute()
    expect(families).toHaveLength(2)
    expect(new Set(families.map((f) => f.sign_in_id))).toEqual(new Set([rows[0]!.id]))
    expect(await me(t, first.accessToken)).toBe(200)
    expect(await me(t, pane.accessToken)).toBe(200)
  })

  it('keeps two panes signed in over 10 minutes of refreshes, neither invalidating the other\'s access token', async () => {
    const clock = movableClock()
    const t = await buildTestApp({}, { addinAuth: { now: clock.now, accessTtlMs: 60_000 } })
    const ws = await createWorkspace(t)
    const granted = await signIn(t, ws)
    const a = { access: granted.accessToken, refresh: granted.refreshToken }
    const second = (await startPane(t, granted.signInToken!)).json<Grant>()
    const b = { access: second.accessToken, refresh: second.refreshToken }
    let refreshes = 0
    for (let second = 0; second <= 600; second += 20) {
      clock.advance(20_000)
      // Each pane refreshes when its access token is refused, as the pane's session does.
      for (const pane of [a, b]) {
        if (await me(t, pane.access) === 401) {
          const rotated = await refresh(t, pane.refresh)
          expect(rotated.statusCode, rotated.body).toBe(200)
          const next = rotated.json<Grant>()
          pane.access = next.accessToken
          pane.refresh = next.refreshToken
          refreshes++
        }
        expect(await me(t, pane.access)).toBe(200)
      }
      // The other pane's token survives this pane's refresh.
      expect(await me(t, a.access)).toBe(200)
      expect(await me(t, b.access)).toBe(200)
    }
    expect(refreshes).toBeGreaterThanOrEqual(18)
    expect(await t.store.db.selectFrom('addin_sign_ins').select('revoked_at').executeTakeFirstOrThrow()).toEqual({ revoked_at: null })
  })

  it('answers a refresh retried within the grace window with the same successor, and a later replay revokes the sign-in', async () => {
    const clock = movableClock()
    const t = await buildTestApp({}, { addinAuth: { now: clock.now } })
    const ws = await createWorkspace(t)
    const granted = await signIn(t, ws)
    const other = (await startPane(t, granted.signInToken!)).json<Grant>()

    // The answer of this refresh is "lost"; the pane retries it a few seconds later.
    const lost = (await refresh(t, granted.refreshToken)).json<Grant>()
    clock.advance(REFRESH_GRACE_MS - 5_000)
    const retried = await refresh(t, granted.refreshToken)
    expect(retried.statusCode, retried.body).toBe(200)
    const again = retried.json<Grant>()
    expect(again.refreshToken).toBe(lost.refreshToken)
    expect(await me(t, again.accessToken)).toBe(200)
    // The successor works once the pane has it.
    const onward = await refresh(t, again.refreshToken)
    expect(onward.statusCode, onward.body).toBe(200)
    expect(await me(t, other.accessToken)).toBe(200)

    // Replayed after the grace window: two holders of one token, so the whole sign-in goes, every pane with it.
    clock.advance(REFRESH_GRACE_MS)
    const replayed = await refresh(t, granted.refreshToken)
    expect(replayed.statusCode).toBe(400)
    expect(replayed.json()).toMatchObject({ code: 'SB_ADDIN_GRANT_INVALID', field: 'refreshToken' })
    expect(await me(t, onward.json<Grant>().accessToken)).toBe(401)
    expect(await me(t, other.accessToken)).toBe(401)
    expect((await refresh(t, other.refreshToken)).statusCode).toBe(400)
    expect((await startPane(t, granted.signInToken!)).json()).toMatchObject({ code: 'SB_ADDIN_GRANT_INVALID', field: 'signInToken' })
    const signInRow = await t.store.db.selectFrom('addin_sign_ins').select('revoked_reason').executeTakeFirstOrThrow()
    expect(signInRow.revoked_reason).toBe('refresh_reuse')
  })

  it('treats a used token as replay within the grace window once its successor has been used', async () => {
    const clock = movableClock()
    const t = await buildTestApp({}, { addinAuth: { now: clock.now } })
    const ws = await createWorkspace(t)
    const granted = await signIn(t, ws)
    const next = (await refresh(t, granted.refreshToken)).json<Grant>()
    expect((await refresh(t, next.refreshToken)).statusCode).toBe(200)
    expect((await refresh(t, granted.refreshToken)).statusCode).toBe(400)
    expect((await startPane(t, granted.signInToken!)).statusCode).toBe(400)
  })

  it('signs every pane out when the sign-in token is revoked', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const granted = await signIn(t, ws)
    const other = (await startPane(t, granted.signInToken!)).json<Grant>()
    const revoked = await t.app.inject({ method: 'POST', url: '/oauth/addin/revoke', payload: { clientId: CLIENT, signInToken: granted.signInToken } })
    expect(revoked.statusCode).toBe(204)
    expect(await me(t, granted.accessToken)).toBe(401)
    expect(await me(t, other.accessToken)).toBe(401)
    expect((await startPane(t, granted.signInToken!)).statusCode).toBe(400)
  })

  it.each([
    { description: 'unknown sign-in token', signInToken: 'sbs_not-a-real-token' },
    { description: 'a refresh token as a sign-in token', signInToken: 'refresh' },
  ])('answers a bad sign-in token with SB_ADDIN_GRANT_INVALID ($description)', async ({ signInToken }) => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const granted = await signIn(t, ws)
    const response = await startPane(t, signInToken === 'refresh' ? granted.refreshToken : signInToken)
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'SB_ADDIN_GRANT_INVALID', field: 'signInToken' })
  })
})

describe('add-in sign-in budgets', () => {
  it('limits each credential on its own, so one office behind one address is not limited as a whole', async () => {
    const t = await buildTestApp()
    // More different credentials from one address than the old per-address budget (60) allowed.
    for (let i = 0; i < 70; i++) expect((await refresh(t, `sbr_unknown-token-${i}`)).statusCode).toBe(400)
    // One credential presented again and again is cut off…
    const statuses: number[] = []
    for (let i = 0; i < ADDIN_LIMITS.tokenPerCredential + 1; i++) statuses.push((await refresh(t, 'sbr_the-same-token')).statusCode)
    expect(statuses.slice(0, -1).every((s) => s === 400)).toBe(true)
    expect(statuses.at(-1)).toBe(429)
    // …while others from the same address go on.
    expect((await refresh(t, 'sbr_another-token')).statusCode).toBe(400)
  })

  it('limits sign-in attempts per email as well as per address', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    // Each attempt from its own address: the password lockout counts per email *and* address (5 tries), so only the
    // add-in's per-email budget can refuse these.
    const post = (email: string, remoteAddress = '198.51.100.7') => t.app.inject({
      method: 'POST', url: '/oauth/addin/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' }, remoteAddress,
      payload: new URLSearchParams({
        client_id: CLIENT, redirect_uri: `${t.config.publicUrl}/outlook/signed-in.html`, response_type: 'code', code_challenge: pkceChallenge(randomBytes(32).toString('base64url')),
        code_challenge_method: 'S256', state: 'state-0123456789abcdef', email, password: 'not the password',
      }).toString(),
    })
    const statuses: number[] = []
    for (let i = 0; i < ADDIN_LIMITS.signInPerEmail + 1; i++) statuses.push((await post('someone@acme.example', `203.0.113.${i + 1}`)).statusCode)
    expect(statuses.at(-1)).toBe(429)
    expect(statuses.slice(0, -1)).not.toContain(429)
    // A colleague behind the same address still signs in.
    expect((await post(ws.ownerEmail)).statusCode).not.toBe(429)
  })
})
