import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { apiDocument, CLIENT_SCHEMA_FILE, clientSchema } from './client-schema.js'

describe('the typed TypeScript client', () => {
  it('is generated from the current routes and events: regenerating changes nothing (run npm run client:generate when this fails)', async () => {
    const generated = await clientSchema(await apiDocument())
    const checkedIn = fs.readFileSync(CLIENT_SCHEMA_FILE, 'utf8')
    // A whole-file comparison would print 200 kB; the first differing line says what to look at.
    const a = generated.split('\n')
    const b = checkedIn.split('\n')
    const first = a.findIndex((line, i) => line !== b[i])
    expect(first === -1 && a.length === b.length ? 'identical' : `differs from line ${first + 1}: generated ${JSON.stringify(a[first])}, checked in ${JSON.stringify(b[first])}`).toBe('identical')
  }, 60_000)

  it('types every operation and every webhook event', async () => {
    const text = fs.readFileSync(CLIENT_SCHEMA_FILE, 'utf8')
    for (const operation of ['createWebhookEndpoint', 'listContacts', 'redeliverWebhookDelivery', 'messageReceivedEvent']) expect(text).toContain(`    ${operation}: {`)
    for (const event of ['message.received', 'message.status', 'campaign.finished', 'contact.created', 'contact.updated', 'deal.stage_changed']) expect(text).toContain(`    "${event}": {`)
  })
})
