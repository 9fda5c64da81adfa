import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { limitedUseTables } from './data-inventory.js'

/**
 * Google- and Microsoft-derived rows are read directly only by the user's own features
 * (which the purpose guard allows without ceremony) and by the privacy machinery; any
 * other purpose must go through `purpose-guard.ts`. This list is that claim, file by
 * file: a new module that queries these tables fails here until it is added with its
 * reason — or, if it serves another purpose (support, analytics, reporting), until it
 * reads through the guard instead.
 */
const ALLOWED: Record<string, string> = {
  'crm/activities-repository.ts': 'own feature: the timeline users see on their records',
  'addon/view-query.ts': 'own feature: the Gmail/Outlook pane of the user who opened the email',
  'crm/email-logs.ts': 'own feature: logging an email, and "already logged by" in the pane',
  'campaigns/campaign-service.ts': 'own feature: the user\'s campaigns from their sheet',
  'campaigns/campaigns-repository.ts': 'own feature: campaign state, rows and the change feed back to the sheet',
  'campaigns/sender/outbox-repository.ts': 'own feature: sending the campaign the user started (the only way sheet data leaves, to Meta)',
  'campaigns/sender/tracking.ts': 'own feature: delivery statuses written back to the user\'s rows',
  'campaigns/sender/sender-test-helpers.ts': 'test support',
  'whatsapp/messages-repository.ts': 'own feature: the user\'s WhatsApp thread with a contact',
  'privacy/purpose-guard.ts': 'the guard itself',
  'privacy/erasure.ts': 'deletes, never reads content out',
  'privacy/retention.ts': 'empties content when its period ends',
  'privacy/exports.ts': 'the user\'s own export (audited)',
  'campaigns/finished-event.ts': 'events: a finished campaign\'s name and counts for campaign.finished; no derived column travels (event-inventory.test.ts)',
  'events/whatsapp-events.ts': 'events: a message\'s id and contact, and its campaign\'s id, for message.status; no derived column travels (event-inventory.test.ts)',
  'whatsapp/webhooks/account-events.ts': 'own feature: pauses the workspace\'s campaigns (state and reason only) when Meta bans or restricts its account; reads no row content',
  'system/metrics.ts': 'operations: counts campaign rows by status for the queue-depth metric, never a row\'s content, no workspace label',
}

describe('Limited Use readers', () => {
  it('only declared modules query Google- or Microsoft-derived tables directly', () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
    const tables = limitedUseTables()
    expect(tables.length).toBeGreaterThan(0)
    const pattern = new RegExp(`(selectFrom|updateTable|deleteFrom|innerJoin|leftJoin|insertInto)\\(\\s*['"](${tables.join('|')})( as \\w+)?['"]`)
    const found: string[] = []
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name)
        if (entry.isDirectory()) { walk(full); continue }
        const rel = path.relative(root, full).split(path.sep).join('/')
        if (!rel.endsWith('.ts') || rel.endsWith('.test.ts') || rel.startsWith('store/')) continue
        if (pattern.test(fs.readFileSync(full, 'utf8'))) found.push(rel)
      }
    }
    walk(root)
    expect(found.filter((f) => !(f in ALLOWED)), 'modules reading Limited Use tables without a declared reason').toEqual([])
  })
})
