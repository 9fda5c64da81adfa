import type { Store } from '../store/database.js'
import { createActivitiesRepository } from './activities-repository.js'
import { createAddonView } from './addon-view.js'
import { createCompaniesRepository } from './companies-repository.js'
import { createContactsRepository } from './contacts-repository.js'
import { createDealsRepository } from './deals-repository.js'
import { createPipelinesRepository } from './pipelines-repository.js'

/** The CRM's repositories over one store. */
export function createCrmRepositories (store: Store) {
  const { db } = store
  return {
    pipelines: createPipelinesRepository(db),
    companies: createCompaniesRepository(db),
    contacts: createContactsRepository(db, store.dialect),
    deals: createDealsRepository(db),
    activities: createActivitiesRepository(db),
    addon: createAddonView(db),
  }
}

export type CrmRepositories = ReturnType<typeof createCrmRepositories>
