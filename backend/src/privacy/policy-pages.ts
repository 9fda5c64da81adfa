import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { DATA_CATEGORIES, INVENTORY_TABLES, resolvedColumns, type DataCategory, type Origin } from './data-inventory.js'
import { RETENTION_POLICIES, RETENTION_KEYS } from './retention-policies.js'
import { eventCategories, eventInventory } from './event-inventory.js'

/**
 * The published pages, rendered from the data inventory, the retention policies and the
 * add-on manifests, so what users read cannot drift from what the code stores:
 * `/privacy`, `/scopes` and `/data-deletion`.
 */

/** Google's Limited Use disclosure, in the wording its verification team asks for (under 500 characters). */
export const LIMITED_USE_DISCLOSURE = 'Switchboard\'s use and transfer of information received from Google APIs to any other app will adhere to the ' +
  '<a href="https://developers.google.com/terms/api-services-user-data-policy">Google API Services User Data Policy</a>, including the Limited Use requirements.'

/** Why each OAuth scope or permission of each add-on is requested: shown on /scopes and in verification. */
export const SCOPE_JUSTIFICATIONS: Readonly<Record<string, string>> = {
  'https://www.googleapis.com/auth/gmail.addons.execute': 'Runs the Gmail add-on inside Gmail.',
  'https://www.googleapis.com/auth/gmail.addons.current.message.metadata': 'Reads the sender and recipients of the email you have open, to show that person\'s CRM record beside it.',
  'https://www.googleapis.com/auth/gmail.addons.current.message.action': 'Reads the open email\'s subject and, only if you choose "include body", its body, when you click "Log to CRM".',
  'https://www.googleapis.com/auth/gmail.addons.current.action.compose': 'Lets the add-on start a reply draft when you ask it to; nothing is sent without you.',
  'https://www.googleapis.com/auth/script.external_request': 'Lets the add-on call the Switchboard backend (and nothing else: the manifest lists only our address).',
  'https://www.googleapis.com/auth/script.locale': 'Shows dates and numbers in your language.',
  'openid': 'Signs you in to Switchboard with your Google account (an identity token, no password).',
  'https://www.googleapis.com/auth/userinfo.email': 'Tells Switchboard which user you are, by the email address of your Google account.',
  'https://www.googleapis.com/auth/script.container.ui': 'Shows the Switchboard sidebar and menu inside Google Sheets.',
  'https://www.googleapis.com/auth/spreadsheets': 'A sensitive scope. Reads the rows you choose to send a campaign to, and writes each row\'s delivery status back to your sheet — also from the hourly background refresh, which runs with no sheet open and so must open your spreadsheet by its id (the narrower spreadsheets.currentonly scope does not allow that). The add-on opens only spreadsheets you used it in.',
  'https://www.googleapis.com/auth/script.scriptapp': 'Schedules the background refresh that writes statuses back to your sheet.',
  'ReadItem': 'Reads the email open in Outlook (sender, recipients, subject, and the body only if you choose to include it) when you log it to the CRM.',
}

export interface AddonScopes {
  addon: string
  scopes: string[]
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

/**
 * Each add-on's scopes, read from its built manifest in `dist/` when there is one (what
 * users are asked to grant), else from `manifests/`, which the build copies filling in
 * only URLs.
 */
export function manifestScopes (root = REPO_ROOT): AddonScopes[] {
  const pick = (built: string, source: string): string => fs.existsSync(path.join(root, built)) ? path.join(root, built) : path.join(root, source)
  const out: AddonScopes[] = []
  for (const [addon, dir, file] of [['Gmail add-on', 'gmail-addon', 'gmail-addon.appsscript.json'], ['Google Sheets add-on', 'sheets-plugin', 'sheets-plugin.appsscript.json']] as const) {
    const full = pick(`dist/${dir}/appsscript.json`, `manifests/${file}`)
    if (fs.existsSync(full)) out.push({ addon, scopes: (JSON.parse(fs.readFileSync(full, 'utf8')) as { oauthScopes?: string[] }).oauthScopes ?? [] })
  }
  const outlook = pick('dist/outlook-addin/manifest.xml', 'manifests/outlook-addin.manifest.xml')
  if (fs.existsSync(outlook)) {
    const permissions = [...fs.readFileSync(outlook, 'utf8').matchAll(/<Permissions>\s*([^<\s]+)\s*<\/Permissions>/g)].map((m) => m[1]!)
    out.push({ addon: 'Outlook add-in', scopes: permissions })
  }
  return out
}

function escape (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function page (title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} — Switchboard</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f4f4f6}code{font-size:.9em}</style>
</head><body><h1>${escape(title)}</h1>
${body}
</body></html>`
}

const ORIGIN_LABEL: Record<Origin, string> = {
  user: 'you and your team',
  google: 'Google (Gmail, Google Sheets), through our add-ons, when you use them',
  microsoft: 'Microsoft (Outlook), through our add-in, when you use it',
  meta: 'Meta (WhatsApp Cloud API)',
  system: 'Switchboard itself, as it runs',
}

export interface PolicyOptions {
  publicUrl: string
  contactEmail: string
}

/** The privacy policy, generated from the inventory: every category, its tables, origins and retention. */
export function renderPrivacyPolicy (options: PolicyOptions): string {
  const byCategory = new Map<DataCategory, Set<string>>()
  const origins = new Map<DataCategory, Set<Origin>>()
  for (const [table, decl] of INVENTORY_TABLES) {
    for (const column of resolvedColumns(table)) {
      byCategory.set(column.category, (byCategory.get(column.category) ?? new Set()).add(decl.description))
      const set = origins.get(column.category) ?? new Set<Origin>()
      for (const o of decl.origins) set.add(o)
      origins.set(column.category, set)
    }
  }
  const categories = (Object.keys(DATA_CATEGORIES) as DataCategory[]).map((c) => `<h3>${escape(DATA_CATEGORIES[c].label)}</h3>
<p>${escape(DATA_CATEGORIES[c].description)}</p>
<p>Comes from: ${[...(origins.get(c) ?? [])].map((o) => escape(ORIGIN_LABEL[o])).join('; ') || 'not collected'}.</p>
<ul>${[...(byCategory.get(c) ?? [])].map((d) => `<li>${escape(d)}</li>`).join('')}</ul>`).join('\n')
  const events = eventInventory().map((e) => `<tr><td><code>${escape(e.type)}</code></td><td>${escape(e.description)}</td><td>${eventCategories(e).map((c) => escape(DATA_CATEGORIES[c].label)).join(', ')}</td></tr>`).join('\n')
  const retention = RETENTION_KEYS.map((k) => {
    const p = RETENTION_POLICIES[k]
    return `<tr><td>${escape(p.label)}</td><td>${p.defaultDays} days</td><td>${escape(p.action)}</td><td>${p.scope === 'workspace' ? `yes, ${p.minDays}–${p.maxDays} days` : 'no'}</td></tr>`
  }).join('\n')
  return page('Privacy policy', `
<p>Switchboard is a WhatsApp Business CRM used from Gmail, Google Sheets and Outlook. This page is generated from the list of data the code stores, so it always matches what we keep.</p>
<h2>What we collect</h2>
${categories}
<h2>Why we use it</h2>
<ul>
<li>To provide the features you use: your CRM, logging emails to records, sending the WhatsApp messages and campaigns you start, and showing their statuses.</li>
<li>For security and to comply with the law: investigating abuse, keeping accounts safe, answering lawful requests. Such access is written to the audit log.</li>
<li>Aggregated counts for operating the service, never the content of your data.</li>
</ul>
<p>We never use your data, or data we receive from Google or Microsoft, for advertising, never sell it, and never use it to train artificial intelligence or machine learning models. Our code refuses these uses.</p>
<h2>Google user data (Limited Use)</h2>
<p>${LIMITED_USE_DISCLOSURE}</p>
<p>Data from Gmail and Google Sheets is used only for the features you see in the add-ons. No person at Switchboard reads it unless you give consent for specific records (for a support request; the consent expires and can be withdrawn, and every access is recorded), or when needed for security or to comply with the law. We apply the same rules to data from Microsoft Outlook.</p>
<h2>Sharing</h2>
<p>We do not sell or share your data. Our servers connect only to Meta's WhatsApp Cloud API, to deliver the messages you send, to the identity providers you sign in with (Google, Microsoft) to check your sign-in, and to the webhook endpoints your admins register, to send them the events they chose. Content from Google leaves Switchboard only when you send it, for example as the WhatsApp message you send from your sheet.</p>
<h3>Events sent to your webhook endpoints</h3>
<p>Your admins can register webhook endpoints (addresses of other tools, public https only) that receive these events, signed so the tool can tell they come from your workspace. Each event carries only the fields listed in our documentation, from these kinds of data; none carries a credential, or data from Gmail, Google Sheets or Outlook.</p>
<table><tr><th>Event</th><th>When</th><th>What it carries</th></tr>
${events}
</table>
<h2>How long we keep it</h2>
<table><tr><th>Data</th><th>Kept for</th><th>Then</th><th>Your admins can change it</th></tr>
${retention}
</table>
<p>Everything else is kept while your account exists and deleted when your workspace is deleted. Tokens and credentials are stored only as digests or encrypted.</p>
<h2>Your rights</h2>
<ul>
<li><strong>Access and portability:</strong> admins can export the whole workspace, and every user their own data, as a JSON archive.</li>
<li><strong>Correction:</strong> edit any record in Switchboard, or ask us.</li>
<li><strong>Deletion:</strong> admins can erase a contact (their messages, activities and campaign rows), close a user, or delete the workspace; see <a href="${escape(options.publicUrl)}/data-deletion">data deletion</a>.</li>
<li><strong>Disconnecting:</strong> disconnecting WhatsApp deletes its token; removing an add-on stops its access.</li>
<li><strong>Withdrawing consent:</strong> support consents can be revoked at any time.</li>
</ul>
<h2>Contact</h2>
<p>Questions or requests: <a href="mailto:${escape(options.contactEmail)}">${escape(options.contactEmail)}</a>. The scopes our add-ons request, and why, are on <a href="${escape(options.publicUrl)}/scopes">/scopes</a>.</p>
`)
}

/** Every scope of every add-on with its justification; a scope without one is shown as such (and fails a test). */
export function renderScopesPage (addons = manifestScopes()): string {
  const sections = addons.map((a) => `<h2>${escape(a.addon)}</h2><table><tr><th>Scope</th><th>Why</th></tr>
${a.scopes.map((s) => `<tr><td><code>${escape(s)}</code></td><td>${escape(SCOPE_JUSTIFICATIONS[s] ?? 'NO JUSTIFICATION RECORDED')}</td></tr>`).join('\n')}</table>`).join('\n')
  return page('Permissions our add-ons request', `<p>Read from the add-ons' manifests at build time. ${LIMITED_USE_DISCLOSURE}</p>\n${sections}`)
}

export function renderDataDeletionPage (options: PolicyOptions): string {
  return page('Deleting your data', `
<h2>If you use Switchboard</h2>
<ul>
<li>To erase one of your contacts (their messages, activities and campaign rows): an admin opens "Privacy" in the web app, picks the contact and chooses "Erase", or calls <code>POST /api/v1/privacy/erasure/contacts/:id</code>.</li>
<li>To close a user: an admin opens "Privacy" in the web app and chooses "Erase user" (or calls <code>POST /api/v1/privacy/erasure/users/:id</code>); their name and email are removed, the audit log keeps only an id.</li>
<li>To delete your workspace and everything in it: an owner calls <code>POST /api/v1/privacy/erasure/workspace</code>, or writes to us. You get a confirmation code and a page showing the deletion's status.</li>
<li>Before deleting, anyone can export their own data and an admin everything: "Export" on the web app's "Privacy" page, or <code>POST /api/v1/privacy/exports</code>.</li>
</ul>
<h2>If you signed in with Facebook or removed our app on Facebook</h2>
<p>Facebook sends us a data deletion request; we answer with a confirmation code and a status page at <code>${escape(options.publicUrl)}/data-deletion/status/&lt;code&gt;</code>.</p>
<h2>Contact</h2>
<p><a href="mailto:${escape(options.contactEmail)}">${escape(options.contactEmail)}</a></p>`)
}

export function renderDeletionStatusPage (status: { status: string, requestedAt: string, completedAt: string | null, summary: Record<string, unknown> }): string {
  return page('Data deletion status', `<table>
<tr><th>Status</th><td>${escape(status.status)}</td></tr>
<tr><th>Requested</th><td>${escape(status.requestedAt)}</td></tr>
<tr><th>Completed</th><td>${escape(status.completedAt ?? '—')}</td></tr>
<tr><th>What was removed</th><td>${escape(Object.entries(status.summary).map(([k, v]) => `${k}: ${String(v)}`).join(', ') || 'nothing was held')}</td></tr>
</table>`)
}
