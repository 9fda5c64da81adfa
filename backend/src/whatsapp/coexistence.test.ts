import { describe, expect, it } from 'vitest'
import { buildTestApp, createWorkspace } from '../../test/helper.js'

describe('coexistence numbers (issue 20 item 9)', () => {
  it('are not registered again and run at the fixed 20 messages/s', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const ws = await createWorkspace(t)
    const popup = t.sandbox!.signup({ verifiedName: 'Cafe', coexistence: true })
    const connection = await t.app.services.whatsapp.connection.signup(ws.workspaceId, {
      code: popup.code, wabaId: popup.waba_id, phoneNumberId: popup.phone_number_id, businessId: popup.business_id, pin: '123456', coexistence: true,
    }, { userId: ws.ownerId })
    // The sandbox refuses a register call on a coexistence number: reaching `done` proves none was made.
    expect(connection).toMatchObject({ status: 'connected', signupStep: 'done', signupError: null })
    const [number] = await t.app.services.whatsapp.connections.listNumbers(ws.workspaceId)
    expect(number).toMatchObject({ id: popup.phone_number_id, coexistence: true, throughputPerSecond: 20, registered: true })
  })

  it('a number onboarded the usual way is registered and keeps the standard rate', async () => {
    const t = await buildTestApp({}, { sandbox: true })
    const ws = await createWorkspace(t)
    const popup = t.sandbox!.signup({ verifiedName: 'Shop' })
    await t.app.services.whatsapp.connection.signup(ws.workspaceId, { code: popup.code, wabaId: popup.waba_id, phoneNumberId: popup.phone_number_id, pin: '123456' }, { userId: ws.ownerId })
    const [number] = await t.app.services.whatsapp.connections.listNumbers(ws.workspaceId)
    expect(number).toMatchObject({ coexistence: false, throughputPerSecond: 80 })
  })
})
