import { Type } from 'typebox'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../../test/helper.js'
import { EVENT_TYPES } from '../events/catalog.js'
import { eventInventory, eventInventoryProblems, type Catalog } from './event-inventory.js'

/** A one-event catalog whose `data` has one field `value`, declared as `carried`. */
function catalogWith (carried: unknown, data = Type.Object({ value: Type.String() })): Catalog {
  return { 'test.event': { description: 'a test', data, carries: { value: carried } as never, orderingKey: () => 'k' } }
}

describe('what outbound webhook events carry', () => {
  it('declares every field of every event, from inventory columns, and no event carries a credential or Google- or Microsoft-derived data', () => {
    expect(eventInventoryProblems()).toEqual([])
    expect(eventInventory().map((e) => e.type)).toEqual(EVENT_TYPES)
  })

  it.each([
    { description: 'a Google-derived column (a sheet row\'s phone)', carried: 'campaign_recipients.phone', problem: 'may be Google- or Microsoft-derived' },
    { description: 'a column whose rows may be Google-derived, vouched for as Google\'s', carried: { from: 'wa_messages.body', origin: 'google' }, problem: 'carries google-derived data' },
    { description: 'an origin the table never has', carried: { from: 'email_logs.message_key', origin: 'meta' }, problem: 'never has' },
    { description: 'a credential', carried: 'api_tokens.token_hash', problem: 'would carry credentials data' },
    { description: 'the webhook secret itself', carried: 'webhook_endpoints.secret', problem: 'would carry credentials data' },
    { description: 'a column that does not exist', carried: 'contacts.shoe_size', problem: 'is not an inventory column' },
  ])('refuses an event that would carry $description', ({ carried, problem }) => {
    const problems = eventInventoryProblems(catalogWith(carried))
    expect(problems.join('\n')).toContain(problem)
  })

  it('refuses a field sent but not declared, and one declared but never sent', () => {
    const undeclared = eventInventoryProblems(catalogWith('contacts.name', Type.Object({ value: Type.String(), extra: Type.Object({ inner: Type.String() }) })))
    expect(undeclared).toEqual(['test.event: data.extra.inner is sent but not declared in carries'])
    const unsent = eventInventoryProblems({ 'test.event': { description: 'x', data: Type.Object({}), carries: { ghost: 'contacts.name' }, orderingKey: () => 'k' } })
    expect(unsent).toEqual(['test.event: carries declares ghost, which the data schema does not have'])
  })

  it('publishes each event and the kinds of data it carries on /privacy', async () => {
    const t = await buildTestApp()
    const page = (await t.app.inject({ url: '/privacy' })).body
    for (const type of EVENT_TYPES) expect(page).toContain(`<code>${type}</code>`)
    expect(page).toContain('webhook endpoints your admins register')
    const row = /<code>message\.received<\/code><\/td><td>[^<]*<\/td><td>([^<]*)<\/td>/.exec(page)![1]!
    expect(row).toContain('Message content')
    expect(row).not.toContain('Credentials')
    expect(page).toContain('Events sent to your webhook endpoints and their delivery log')
  })
})
