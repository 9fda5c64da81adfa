import { sql, type Kysely } from 'kysely'
import type { Database } from '../store/schema.js'
import type { WorkspaceId } from '../ids.js'
import type { Activity } from '../crm/activity-schemas.js'
import type { CrmAddonView, OpenDealSummary } from './schemas.js'
import type { Company } from '../crm/company-schemas.js'
import { toActivity } from '../crm/activities-repository.js'
import { toCompany } from '../crm/companies-repository.js'
import { withValues } from '../crm/contacts-repository.js'
import { fromMinorUnits } from '../crm/money.js'
import { normaliseDomain, normaliseEmail } from '../crm/normalise.js'
import { unique } from '../crm/references.js'

/** How many timeline entries each contact card shows. */
export const RECENT_ACTIVITIES = 5
/** Open deals shown per contact; a card has no room for more. */
export const OPEN_DEALS_SHOWN = 20

function domainOf (email: string): string | undefined {
  try {
    return normaliseDomain(email.slice(email.lastIndexOf('@') + 1))
  } catch {
    return undefined
  }
}

/**
 * The query behind every add-on screen: what the CRM knows about the people on one email.
 * Apps Script and Office hosts pay dearly per request, so it is one request; the store
 * pays per query, so it is five, however many addresses and contacts: matched contacts,
 * their emails and phones, companies, open deals, recent activities, each batched with
 * `in (…)` and the per-contact limit done by a window function.
 */
export function createAddonView (db: Kysely<Database>) {
  return {
    async view (ws: WorkspaceId, addresses: readonly string[]): Promise<CrmAddonView> {
      const emails = unique(addresses.map(normaliseEmail))
      const matches = await db.selectFrom('contact_emails as k').innerJoin('contacts as c', 'c.id', 'k.contact_id')
        .selectAll('c').select('k.email as matched_email')
        .where('k.workspace_id', '=', ws).where('k.email', 'in', emails).where('c.workspace_id', '=', ws)
        .execute()

      // One card per contact, in the order of the first address on the email that matched it.
      const byEmail = new Map(matches.map(({ matched_email: email, ...row }) => [email, row]))
      const seen = new Set<string>()
      const rows = emails.flatMap((e) => {
        const row = byEmail.get(e)
        if (row === undefined || seen.has(row.id)) return []
        seen.add(row.id)
        return [row]
      })
      const unmatchedEmails = emails.filter((e) => !byEmail.has(e))
      const strangerDomains = unique(unmatchedEmails.flatMap((e) => domainOf(e) ?? []))

      const contactIds = rows.map((r) => r.id)
      const companyIds = unique(rows.flatMap((r) => r.company_id ?? []))
      const [contacts, companies, deals, activities] = await Promise.all([
        withValues(db, ws, rows),
        companiesFor(ws, companyIds, strangerDomains),
        openDealsOf(ws, contactIds),
        recentActivitiesOf(ws, contactIds),
      ])

      const companyById = new Map(companies.map((c) => [c.id, c]))
      return {
        contacts: contacts.map((contact) => ({
          contact,
          company: contact.companyId === null ? null : companyById.get(contact.companyId) ?? null,
          openDeals: (deals.get(contact.id) ?? []).slice(0, OPEN_DEALS_SHOWN),
          recentActivities: activities.get(contact.id) ?? [],
        })),
        unmatchedEmails,
        companiesByDomain: strangerDomains.flatMap((domain) => {
          const company = companies.find((c) => c.domain === domain)
          return company === undefined ? [] : [{ domain, company }]
        }),
      }
    },
  }

  async function companiesFor (ws: WorkspaceId, ids: string[], domains: string[]): Promise<Company[]> {
    if (ids.length === 0 && domains.length === 0) return []
    // A union, not `id in (…) or domain in (…)`: each half then probes its own index.
    const byId = db.selectFrom('companies').selectAll().where('workspace_id', '=', ws).where('id', 'in', ids.length === 0 ? [''] : ids)
    const byDomain = db.selectFrom('companies').selectAll().where('workspace_id', '=', ws).where('domain', 'in', domains.length === 0 ? [''] : domains)
    const rows = await byId.union(byDomain).execute()
    return rows.map(toCompany)
  }

  async function openDealsOf (ws: WorkspaceId, contactIds: string[]): Promise<Map<string, OpenDealSummary[]>> {
    const byContact = new Map<string, OpenDealSummary[]>()
    if (contactIds.length === 0) return byContact
    // CROSS JOIN fixes the join order on SQLite (PostgreSQL plans it as an inner join):
    // without statistics SQLite would rather walk the workspace's deals than probe a few links.
    const rows = await db.selectFrom('deal_contacts as dc')
      .crossJoin('deals as d')
      .innerJoin('pipelines as p', 'p.id', 'd.pipeline_id')
      .innerJoin('pipeline_stages as s', 's.id', 'd.stage_id')
      .select(['dc.contact_id', 'd.id', 'd.title', 'd.amount_minor', 'd.currency', 'd.pipeline_id', 'p.name as pipeline_name', 'd.stage_id', 's.name as stage_name', 'd.status'])
      .where('dc.workspace_id', '=', ws).where('dc.contact_id', 'in', contactIds)
      .whereRef('d.id', '=', 'dc.deal_id').where('d.workspace_id', '=', ws).where('d.status', '=', 'open')
      .execute()
    // Sorted here: an ORDER BY on d.id tempts SQLite into walking every deal of the workspace in id order.
    rows.sort((a, b) => a.id < b.id ? 1 : a.id > b.id ? -1 : 0)
    for (const row of rows) {
      const list = byContact.get(row.contact_id) ?? []
      list.push({
        id: row.id,
        title: row.title,
        amount: row.amount_minor === null || row.currency === null ? null : fromMinorUnits(row.amount_minor, row.currency),
        currency: row.currency,
        pipelineId: row.pipeline_id,
        pipelineName: row.pipeline_name,
        stageId: row.stage_id,
        stageName: row.stage_name,
        status: row.status,
      })
      byContact.set(row.contact_id, list)
    }
    return byContact
  }

  /** The newest activities on each contact or on its open deals; an activity on both counts once. */
  async function recentActivitiesOf (ws: WorkspaceId, contactIds: string[]): Promise<Map<string, Activity[]>> {
    const byContact = new Map<string, Activity[]>()
    if (contactIds.length === 0) return byContact
    const onContact = db.selectFrom('activities as a')
      .select(['a.id as activity_id', sql<string>`a.contact_id`.as('for_contact')])
      .where('a.workspace_id', '=', ws).where('a.contact_id', 'in', contactIds)
    // Join order fixed as in openDealsOf: the contacts' links, their open deals, then those deals' activities.
    const onOpenDeal = db.selectFrom('deal_contacts as dc')
      .crossJoin('deals as d')
      .crossJoin('activities as a')
      .select(['a.id as activity_id', sql<string>`dc.contact_id`.as('for_contact')])
      .where('dc.workspace_id', '=', ws).where('dc.contact_id', 'in', contactIds)
      .whereRef('d.id', '=', 'dc.deal_id').where('d.workspace_id', '=', ws).where('d.status', '=', 'open')
      .whereRef('a.deal_id', '=', 'd.id').where('a.workspace_id', '=', ws)
      // Those on the contact itself come from the first half: UNION ALL then has no repeats to sort away.
      .where((eb) => eb.or([eb('a.contact_id', 'is', null), eb('a.contact_id', '!=', eb.ref('dc.contact_id'))]))
    const ranked = db.selectFrom(onContact.unionAll(onOpenDeal).as('l'))
      .innerJoin('activities as a', 'a.id', 'l.activity_id')
      .selectAll('a')
      .select(['l.for_contact', sql<number>`row_number() over (partition by l.for_contact order by a.occurred_at desc, a.id desc)`.as('rank')])
    const rows = await db.selectFrom(ranked.as('r')).selectAll()
      .where('r.rank', '<=', RECENT_ACTIVITIES)
      .orderBy('r.for_contact').orderBy('r.rank')
      .execute()
    for (const { for_contact: contactId, rank: _rank, ...row } of rows) {
      const list = byContact.get(contactId) ?? []
      list.push(toActivity(row))
      byContact.set(contactId, list)
    }
    return byContact
  }
}

export type AddonViewQuery = ReturnType<typeof createAddonView>
