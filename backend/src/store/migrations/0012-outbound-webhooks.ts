import { sql, type Kysely } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * Outbound webhooks: the endpoints a workspace's admins register, the events written in
 * the same transaction as the change that caused them (the outbox), one delivery per
 * event and endpoint with its retry state, and the log of every attempt.
 *
 * Deliveries carry a store-assigned sequence: transactions that emit events commit one at
 * a time (SQLite's BEGIN IMMEDIATE, the PostgreSQL write lock), so the sequence is commit
 * order, which is what "in order per contact" is measured against.
 */
export async function up (db: Kysely<any>, dialect: Dialect): Promise<void> {
  const serial = dialect === 'postgres' ? 'bigserial' : 'integer'
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer'

  await db.schema.createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    // JSON array of event types.
    .addColumn('event_types', 'text', (c) => c.notNull())
    // Sealed with the secret box; the previous secret keeps signing for a day after a rotation.
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_until', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'disabled')`))
    .addColumn('disabled_reason', 'text')
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('webhook_endpoints_workspace').on('webhook_endpoints').columns(['workspace_id', 'status']).execute()

  await db.schema.createTable('webhook_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    // `contact:<id>`, `deal:<id>`…: deliveries of one key go out one at a time, in order.
    .addColumn('ordering_key', 'text', (c) => c.notNull())
    // The exact bytes every delivery of the event sends and signs.
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('webhook_events_key').on('webhook_events').columns(['workspace_id', 'ordering_key']).execute()
  await db.schema.createIndex('webhook_events_age').on('webhook_events').columns(['workspace_id', 'created_at']).execute()

  await db.schema.createTable('webhook_deliveries')
    .addColumn('seq', serial, (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
    .addColumn('event_id', 'text', (c) => c.notNull().references('webhook_events.id').onDelete('cascade'))
    .addColumn('ordering_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'delivering', 'delivered', 'failed')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    // A manual redelivery is a new delivery of the same event; this names the one it repeats.
    .addColumn('redelivery_of', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .execute()
  await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute()
  await db.schema.createIndex('webhook_deliveries_queue').on('webhook_deliveries').columns(['endpoint_id', 'ordering_key', 'seq']).execute()
  await db.schema.createIndex('webhook_deliveries_log').on('webhook_deliveries').columns(['workspace_id', 'seq']).execute()
  await db.schema.createIndex('webhook_deliveries_event').on('webhook_deliveries').column('event_id').execute()

  await db.schema.createTable('webhook_attempts')
    .addColumn('id', serial, (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('delivery_seq', bigint, (c) => c.notNull().references('webhook_deliveries.seq').onDelete('cascade'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('attempted_at', 'text', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .execute()
  await db.schema.createIndex('webhook_attempts_delivery').on('webhook_attempts').columns(['delivery_seq', 'attempt']).execute()
}
