import type { Store } from '../store/database.js'
import { createActivitiesRepository } from './activities-repository.js'
import { createCompaniesRepository } from './companies-repository.js'
import { createContactsRepository } from './contacts-repository.js'
import { createDealsRepository } from './deals-repository.js'
import { createPipelinesRepository } from './pipelines-repository.js'
import { NO_EVENTS, type EventSink } from '../events/outbox.js'

/** The CRM's repositories over one store; contact and deal changes are announced to `events`. */
export function createCrmRepositories (store: Store, events: EventSink = NO_EVENTS) {
  const { db } = store
  return {
    pipelines: createPipelinesRepository(db),
    companies: createCompaniesRepository(db),
    contacts: createContactsRepository(db, store.dialect, events),
    deals: createDealsRepository(db, events),
    activities: createActivitiesRepository(db),
  }
}

export type CrmRepositories = ReturnType<typeof createCrmRepositories>
