import { escapeHtml } from '../identity/addin-sign-in-page.js'
import type { Role } from '../identity/access.js'

export { escapeHtml }

/** Markup that is already safe; only the helpers below make it, so user text is escaped exactly once. */
export interface Html {
  readonly html: string
}

/** Tagged template: interpolated strings are escaped, `Html` values and arrays of them are inserted as they are. */
export function html (strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? ''
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '')
  })
  return { html: out }
}

function render (value: unknown): string {
  if (value === null || value === undefined || value === false) return ''
  if (Array.isArray(value)) return value.map(render).join('')
  if (typeof value === 'object' && 'html' in value) return String((value as Html).html)
  return escapeHtml(String(value))
}

/** The signed-in person as the page chrome shows them. */
export interface Viewer {
  displayName: string
  email: string
  role: Role
}

export interface PageInput {
  title: string
  /** The nav entry to mark as the current page. */
  nav?: NavKey
  viewer?: Viewer
  csrf?: string
  /** A fixed status line (never echoed input), e.g. after a redirect. */
  notice?: string | undefined
  body: Html
  /** Scripts from /app/assets, for the few pages that update themselves. */
  scripts?: string[]
  /** Reload the page after this many seconds (work in progress, e.g. an export being built). */
  refreshSeconds?: number
}

export type NavKey = 'contacts' | 'companies' | 'deals' | 'campaigns' | 'templates' | 'whatsapp' | 'tokens' | 'team' | 'audit' | 'settings' | 'webhooks' | 'privacy'

const NAV: Array<{ key: NavKey, href: string, label: string, admin: boolean }> = [
  { key: 'contacts', href: '/app/contacts', label: 'Contacts', admin: false },
  { key: 'companies', href: '/app/companies', label: 'Companies', admin: false },
  { key: 'deals', href: '/app/deals', label: 'Deals', admin: false },
  { key: 'campaigns', href: '/app/campaigns', label: 'Campaigns', admin: false },
  { key: 'templates', href: '/app/templates', label: 'Templates', admin: false },
  { key: 'whatsapp', href: '/app/whatsapp', label: 'WhatsApp', admin: false },
  { key: 'tokens', href: '/app/tokens', label: 'API tokens', admin: false },
  { key: 'team', href: '/app/team', label: 'Team', admin: true },
  { key: 'audit', href: '/app/audit', label: 'Audit log', admin: true },
  { key: 'webhooks', href: '/app/webhooks', label: 'Webhooks', admin: true },
  { key: 'settings', href: '/app/settings', label: 'Settings', admin: false },
  { key: 'privacy', href: '/app/privacy', label: 'Privacy', admin: false },
]

/** The hidden field every form carries; see csrf.ts. */
export function csrfField (token: string | undefined): Html {
  return token === undefined ? html`` : html`<input type="hidden" name="_csrf" value="${token}">`
}

// Colours are chosen for WCAG AA contrast on white (text ≥ 4.5:1): #1b1b1b, #075e54, #a4262c, #4a4a4a.
const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#fff}
a{color:#064e46}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:8px}
.skip:focus{left:8px;z-index:10}
header.top{background:#075e54;color:#fff;display:flex;flex-wrap:wrap;align-items:center;gap:16px;padding:8px 16px}
header.top a{color:#fff}
.brand{font-weight:700;font-size:17px;margin-right:8px}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:4px 14px;margin:0;padding:0}
nav a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
.who{margin-left:auto;display:flex;gap:10px;align-items:center}
.who button{background:#fff;color:#075e54}
main{padding:16px 20px;max-width:1200px}
h1{font-size:24px;margin:8px 0 16px}
h2{font-size:18px;margin:20px 0 8px}
label{display:block;font-weight:600;margin:8px 0 2px}
input,select,textarea{font:inherit;padding:6px 8px;border:1px solid #6b6b6b;border-radius:3px;max-width:100%}
textarea{width:100%;min-height:90px}
button{font:inherit;background:#075e54;color:#fff;border:1px solid #075e54;border-radius:3px;padding:6px 14px;cursor:pointer}
button.secondary{background:#fff;color:#064e46}
button.danger{background:#a4262c;border-color:#a4262c}
:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{text-align:left;border-bottom:1px solid #d0d0d0;padding:6px 8px;vertical-align:top}
caption{text-align:left;font-weight:600;padding:4px 0}
.notice{background:#e6f4ea;border:1px solid #1e7b34;padding:8px 12px;border-radius:3px}
.error{color:#a4262c;font-weight:600}
.muted{color:#4a4a4a}
.row{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-end}
.row label{margin-top:0}
.board{display:flex;gap:12px;overflow-x:auto;align-items:flex-start}
.board section{flex:0 0 240px;background:#f4f4f4;border-radius:4px;padding:8px}
.board h2{font-size:16px;margin:4px 0 8px}
.board ul{list-style:none;margin:0;padding:0}
.board li{background:#fff;border:1px solid #c8c8c8;border-radius:4px;padding:8px;margin-bottom:8px}
.counters{display:flex;flex-wrap:wrap;gap:8px;list-style:none;padding:0}
.counters li{border:1px solid #c8c8c8;border-radius:4px;padding:6px 10px;min-width:90px}
.counters strong{display:block;font-size:20px}
.token{font-family:ui-monospace,monospace;background:#f4f4f4;padding:8px;word-break:break-all;border:1px solid #6b6b6b}
.thread li{margin-bottom:6px}
form.inline{display:inline}
`

/**
 * One whole page: landmarks (banner, navigation, main), a skip link, one h1, and the
 * signed-in person's name and sign-out button. No inline script, so the CSP forbids all but ours.
 */
export function page (input: PageInput): string {
  const viewer = input.viewer
  const isAdmin = viewer !== undefined && viewer.role !== 'agent'
  const nav = viewer === undefined
    ? html``
    : html`<nav aria-label="Main"><ul>${NAV.filter((n) => !n.admin || isAdmin).map((n) =>
        html`<li><a href="${n.href}"${n.key === input.nav ? html` aria-current="page"` : html``}>${n.label}</a></li>`)}</ul></nav>
      <div class="who"><span>${viewer.displayName} (${viewer.role})</span>
        <form method="post" action="/app/sign-out" class="inline">${csrfField(input.csrf)}<button type="submit" class="secondary">Sign out</button></form></div>`
  const notice = input.notice === undefined ? html`` : html`<p class="notice" role="status">${input.notice}</p>`
  const scripts = (input.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)
  return `<!DOCTYPE html>${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${input.title} · Switchboard</title>
${input.refreshSeconds === undefined ? '' : html`<meta http-equiv="refresh" content="${String(input.refreshSeconds)}">`}
<style>${{ html: STYLE }}</style>
${scripts}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><span class="brand">Switchboard</span>${nav}</header>
<main id="main">
<h1>${input.title}</h1>
${notice}
${input.body}
</main>
</body>
</html>
`.html}`
}

/** "2026-11-23 21:40 UTC": plain, sortable, and the same for every viewer. */
export function when (iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—'
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`
}
