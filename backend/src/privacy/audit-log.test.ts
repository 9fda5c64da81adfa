import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { buildTestApp, createWorkspace } from '../../test/helper.js'

describe('audit log', () => {
  it('records workspace creation, owner and token creation as a chain that verifies', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const { audit } = t.app.services
    const actions = (await audit.list(ws.workspaceId, { limit: 10 })).map((e) => e.action).reverse()
    expect(actions).toEqual(['workspace.created', 'user.created', 'token.created'])
    expect(await audit.verify(ws.workspaceId)).toEqual({ events: 3, brokenAtSeq: null })
  })

  it('is append-only in the database itself: UPDATE and DELETE are refused', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    const db = t.store.db
    await expect(db.updateTable('audit_events').set({ action: 'user.login' }).where('workspace_id', '=', ws.workspaceId).execute()).rejects.toThrow(/append-only/)
    await expect(db.deleteFrom('audit_events').where('workspace_id', '=', ws.workspaceId).execute()).rejects.toThrow(/append-only/)
    expect(await t.app.services.audit.verify(ws.workspaceId)).toMatchObject({ brokenAtSeq: null })
  })

  it('verification finds the first tampered event when someone bypasses the triggers', async () => {
    const t = await buildTestApp()
    const ws = await createWorkspace(t)
    // Someone with direct database access switches the guard off (each engine its own way).
    if (t.store.dialect === 'sqlite') await sql`drop trigger audit_events_no_update`.execute(t.store.db)
    else await sql`alter table audit_events disable trigger audit_events_no_change`.execute(t.store.db)
    await t.store.db.updateTable('audit_events').set({ details: '{"role":"agent"}' }).where('workspace_id', '=', ws.workspaceId).where('seq', '=', 2).execute()
    expect(await t.app.services.audit.verify(ws.workspaceId)).toEqual({ events: 3, brokenAtSeq: 2 })
  })

  it('keeps one chain per workspace', async () => {
    const t = await buildTestApp()
    const a = await createWorkspace(t, 'Acme')
    const b = await createWorkspace(t, 'Bravo')
    const { audit } = t.app.services
    await audit.record(a.workspaceId, { action: 'user.logout', actorUserId: a.ownerId })
    expect((await audit.list(a.workspaceId, { limit: 1 }))[0]!.seq).toBe(4)
    expect((await audit.list(b.workspaceId, { limit: 1 }))[0]!.seq).toBe(3)
    expect(await audit.verify(a.workspaceId)).toMatchObject({ brokenAtSeq: null })
  })
})
