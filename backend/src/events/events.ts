import type { Store } from '../store/database.js'
import type { AuditLog } from '../privacy/audit-log.js'
import type { SecretBox } from '../privacy/secret-box.js'
import { createEventOutbox } from './outbox.js'
import { createEndpointsRepository } from './endpoints-repository.js'
import { createDeliveriesRepository } from './deliveries-repository.js'
import { createWebhookService } from './webhook-service.js'
import { createDeliveryWorker, type DeliveryWorker, type DeliveryWorkerOptions } from './delivery-worker.js'

export interface EventsDeps {
  store: Store
  audit: AuditLog
  secretBox: SecretBox
  /** `WEBHOOKS_ALLOW_PRIVATE`. */
  allowPrivate: boolean
}

/**
 * Events for other tools: the outbox producers emit into, endpoint management and the
 * delivery log, and the delivery worker (started by `main.ts` and `npm run worker`).
 */
export function createEvents (deps: EventsDeps) {
  const { store, audit, secretBox, allowPrivate } = deps
  const { db } = store
  const outbox = createEventOutbox()
  const endpoints = createEndpointsRepository(db)
  const deliveries = createDeliveriesRepository(db, store.dialect)
  const webhooks = createWebhookService({ db, audit, secretBox, endpoints, deliveries, allowPrivate, wake: () => outbox.queued() })
  const workerDeps = { db, secretBox, audit, endpoints, deliveries, allowPrivate, onQueued: outbox.onQueued }
  return {
    /** Where producers emit, inside their transactions. */
    outbox,
    endpoints,
    deliveries,
    webhooks,
    /** This process's delivery worker (not started). */
    worker: createDeliveryWorker(workerDeps),
    /** Another worker over the same store, with other options (tests, tools). */
    createWorker: (options: DeliveryWorkerOptions = {}): DeliveryWorker => createDeliveryWorker(workerDeps, options),
  }
}

export type Events = ReturnType<typeof createEvents>
