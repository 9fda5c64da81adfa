import { expect } from 'vitest'
import type { TestApp } from '../../test/helper.js'

/** Drives the web app through app.inject the way a browser would: cookies, Accept: text/html, our Origin, form bodies. */

/** What a browser holds after signing in: its cookies and the page's CSRF token. */
export interface Browser {
  cookie: string
  csrf: string
}

export const HTML = { accept: 'text/html' }

export function cookiesOf (setCookie: string | string[] | undefined): string {
  const list = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie]
  return list.map((c) => c.split(';')[0]).join('; ')
}

export function csrfIn (body: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(body)
  if (match?.[1] === undefined) throw new Error('no CSRF field on the page')
  return match[1]
}

export function form (fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString()
}

/** Posts a form as a browser on our origin would. */
export function post (t: TestApp, url: string, browser: { cookie: string }, fields: Record<string, string>) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { ...HTML, cookie: browser.cookie, origin: new URL(t.config.publicUrl).origin, 'content-type': 'application/x-www-form-urlencoded' },
    payload: form(fields),
  })
}

export async function signIn (t: TestApp, email: string, password: string): Promise<Browser> {
  const page = await t.app.inject({ url: '/app/sign-in', headers: HTML })
  const preSession = cookiesOf(page.headers['set-cookie'])
  const response = await post(t, '/app/sign-in', { cookie: preSession }, { email, password, _csrf: csrfIn(page.body) })
  expect(response.statusCode, response.body).toBe(303)
  const cookie = cookiesOf(response.headers['set-cookie'])
  expect(cookie).toContain('sb_session=')
  const contacts = await t.app.inject({ url: '/app/contacts', headers: { ...HTML, cookie } })
  expect(contacts.statusCode).toBe(200)
  return { cookie, csrf: csrfIn(contacts.body) }
}
