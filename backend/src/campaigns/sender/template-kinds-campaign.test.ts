import { describe, expect, it } from 'vitest'
import { SEED_TEMPLATES } from '../../whatsapp/sandbox/seed-templates.js'
import { sampleValue } from '../../whatsapp/template-samples.test-helpers.js'
import { templateVariables } from '../../whatsapp/template-variables.js'
import { senderHarness } from './sender-test-helpers.js'

describe('campaigns send every seeded template kind (issue 20 item 1)', () => {
  it('coupon, URL, quick reply, image / video / document / location headers, named and positional: all sent', async () => {
    const h = await senderHarness()
    await h.limits({ perSecond: 1000, tier: 'TIER_UNLIMITED' })
    const approved = SEED_TEMPLATES.filter((t) => t.status === 'APPROVED')
    const campaigns: string[] = []
    for (const [i, t] of approved.entries()) {
      const variables = Object.fromEntries(templateVariables(t).map((v) => [v.key, sampleValue(v)]))
      const campaign = await h.campaign(2, { template: { name: t.name, language: t.language }, variables: () => variables, from: i * 10 })
      campaigns.push(campaign.id)
    }
    await h.sender().drain()
    for (const [i, id] of campaigns.entries()) {
      const c = await h.get(id)
      expect(c, `${approved[i]!.name} ${approved[i]!.language}`).toMatchObject({ state: 'completed', counts: { failed: 0, sent: 2 } })
    }
    expect(h.sandbox.inspect().acceptedTotal).toBe(approved.length * 2)
  })
})
