import type { Store } from '../backend/src/store/database.js'
import { newId, nowIso, type WorkspaceId } from '../backend/src/ids.js'

export interface SeededCrm {
  contacts: Array<{ id: string, email: string, phone: string }>
}

/**
 * Bulk-loads a realistic CRM: `count` contacts (one email, one valid US phone each),
 * one company per ten contacts, an open deal for every fifth contact, and a timeline
 * note per contact. Rows go straight in by batch (the repositories' one-by-one create
 * would take minutes) but through the typed schema, so a column change breaks this.
 */
export async function seedCrm (store: Store, ws: WorkspaceId, ownerId: string, count: number): Promise<SeededCrm> {
  const { db } = store
  const pipeline = await db.selectFrom('pipelines').select('id').where('workspace_id', '=', ws).executeTakeFirstOrThrow()
  const stage = await db.selectFrom('pipeline_stages').select('id').where('pipeline_id', '=', pipeline.id).orderBy('position').executeTakeFirstOrThrow()
  const now = nowIso()
  const contacts: SeededCrm['contacts'] = []
  const companyIds: string[] = []
  const BATCH = 500

  await db.transaction().execute(async (trx) => {
    const companyCount = Math.max(1, Math.floor(count / 10))
    for (let start = 0; start < companyCount; start += BATCH) {
      const rows = []
      for (let j = start; j < Math.min(companyCount, start + BATCH); j++) {
        const id = newId('company')
        companyIds.push(id)
        rows.push({ id, workspace_id: ws, name: `Company ${j}`, search_name: `company ${j}`, domain: `company${j}.example`, created_at: now, updated_at: now })
      }
      await trx.insertInto('companies').values(rows).execute()
    }

    for (let start = 0; start < count; start += BATCH) {
      const contactRows = []
      const emailRows = []
      const phoneRows = []
      const dealRows = []
      const dealContactRows = []
      const activityRows = []
      for (let i = start; i < Math.min(count, start + BATCH); i++) {
        const id = newId('contact')
        const companyId = companyIds[i % companyIds.length]!
        const email = `person${i}@company${i % companyIds.length}.example`
        // NANP exchange 2xx in New York: valid numbers for libphonenumber's full metadata.
        const phone = `+1212${String(2_000_000 + i).padStart(7, '0')}`
        contacts.push({ id, email, phone })
        contactRows.push({
          id, workspace_id: ws, name: `Person ${i}`, search_name: `person ${i}`, whatsapp_id: phone.slice(1), company_id: companyId,
          owner_user_id: ownerId, tags: '["bench"]', marketing_status: 'opted_in' as const, marketing_status_source: 'bench', marketing_status_at: now,
          source: 'api', created_at: now, updated_at: now,
        })
        emailRows.push({ workspace_id: ws, contact_id: id, email, position: 0 })
        phoneRows.push({ workspace_id: ws, contact_id: id, phone, position: 0 })
        activityRows.push({
          id: newId('activity'), workspace_id: ws, type: 'note' as const, occurred_at: now, contact_id: id, company_id: null, deal_id: null,
          author_user_id: ownerId, subject: null, body: `Called person ${i}`, data: '{}', source: 'api', created_at: now,
        })
        if (i % 5 === 0) {
          const dealId = newId('deal')
          dealRows.push({
            id: dealId, workspace_id: ws, title: `Deal ${i}`, search_title: `deal ${i}`, amount_minor: 100_000 + i, currency: 'USD', pipeline_id: pipeline.id, stage_id: stage.id,
            company_id: companyId, owner_user_id: ownerId, expected_close: null, status: 'open' as const, source: 'api', created_at: now, updated_at: now,
          })
          dealContactRows.push({ workspace_id: ws, deal_id: dealId, contact_id: id })
        }
      }
      await trx.insertInto('contacts').values(contactRows).execute()
      await trx.insertInto('contact_emails').values(emailRows).execute()
      await trx.insertInto('contact_phones').values(phoneRows).execute()
      if (dealRows.length > 0) {
        await trx.insertInto('deals').values(dealRows).execute()
        await trx.insertInto('deal_contacts').values(dealContactRows).execute()
      }
      await trx.insertInto('activities').values(activityRows).execute()
    }
  })
  return { contacts }
}
