import { describe, expect, it } from 'vitest'
import { senderHarness } from '../../campaigns/sender/sender-test-helpers.js'
import { tierOf } from './account-envelope.js'

describe('quality, limit and account webhooks are applied (issue 20 item 5)', () => {
  it('reads max_daily_conversations_per_business first and current_limit as the fallback', () => {
    expect(tierOf({ max_daily_conversations_per_business: '10000', current_limit: 'TIER_1K' })).toBe('TIER_10K')
    expect(tierOf({ max_daily_conversations_per_business: -1 })).toBe('TIER_UNLIMITED')
    expect(tierOf({ current_limit: 'TIER_2K' })).toBe('TIER_2K')
    expect(tierOf({ event: 'FLAGGED' })).toBeNull()
  })

  it('a tier change by webhook updates the number, from either field', async () => {
    const h = await senderHarness()
    h.sandbox.qualityUpdate({ phoneNumberId: h.phoneNumberId, event: 'UPGRADE', tier: 'TIER_1K', maxDaily: 2000 })
    await h.settle()
    const number = () => h.t.app.services.whatsapp.connections.getNumber(h.workspaceId, h.phoneNumberId)
    expect((await number())!.messagingLimitTier).toBe('TIER_2K')
    h.sandbox.qualityUpdate({ phoneNumberId: h.phoneNumberId, event: 'UPGRADE', tier: 'TIER_10K', legacy: true })
    await h.settle()
    expect((await number())!.messagingLimitTier).toBe('TIER_10K')
    h.sandbox.qualityUpdate({ phoneNumberId: h.phoneNumberId, event: 'THROUGHPUT_UPGRADE' })
    await h.settle()
    expect((await number())!.throughputPerSecond).toBe(1000)
  })

  it('a ban pauses the number and the running campaigns with the reason; a reinstatement resumes the number', async () => {
    const h = await senderHarness()
    await h.limits({ perSecond: 1000, tier: 'TIER_UNLIMITED' })
    const campaign = await h.campaign(3)
    h.sandbox.accountUpdate({ phoneNumberId: h.phoneNumberId, event: 'ACCOUNT_VIOLATION', banState: 'DISABLE' })
    await h.settle()
    const c = await h.get(campaign.id)
    expect(c.state).toBe('paused')
    expect(c.stateReason).toMatch(/banned/)
    const number = await h.t.app.services.whatsapp.connections.getNumber(h.workspaceId, h.phoneNumberId)
    expect(number).toMatchObject({ status: 'paused' })
    await h.sender().drain()
    expect(h.sandbox.inspect().acceptedTotal).toBe(0)
    h.sandbox.accountUpdate({ phoneNumberId: h.phoneNumberId, event: 'ACCOUNT_UPDATE', banState: 'REINSTATE' })
    await h.settle()
    expect((await h.t.app.services.whatsapp.connections.getNumber(h.workspaceId, h.phoneNumberId))!.status).toBe('active')
  })
})
