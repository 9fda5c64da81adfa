import { sql, type Kysely } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * The WhatsApp channel: each workspace's connection (business token sealed), its numbers
 * and templates, the message thread, delivery statuses (deduplicated, kept even for
 * messages not recorded yet) and the durable inbox webhooks land in before processing.
 */
export async function up (db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema.createTable('whatsapp_connections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().unique().references('workspaces.id').onDelete('cascade'))
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('sandbox', 'meta')`))
    .addColumn('business_id', 'text')
    .addColumn('waba_id', 'text', (c) => c.unique())
    // Sealed with the secret box (AES-256-GCM bound to this row); the plaintext never touches the store.
    .addColumn('access_token', 'text', (c) => c.check(sql`access_token is null or access_token like 'v1:%'`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'connected', 'failed')`))
    .addColumn('signup_step', 'text')
    .addColumn('signup_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()

  await db.schema.createTable('whatsapp_numbers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('connection_id', 'text', (c) => c.notNull().references('whatsapp_connections.id').onDelete('cascade'))
    .addColumn('display_phone_number', 'text', (c) => c.notNull())
    .addColumn('verified_name', 'text')
    .addColumn('quality_rating', 'text')
    .addColumn('messaging_limit_tier', 'text')
    .addColumn('throughput_level', 'text')
    .addColumn('throughput_per_second', 'integer', (c) => c.notNull())
    .addColumn('registered', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'paused')`))
    .addColumn('paused_reason', 'text')
    .addColumn('paused_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('whatsapp_numbers_workspace').on('whatsapp_numbers').columns(['workspace_id', 'id']).execute()

  await db.schema.createTable('whatsapp_templates')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('template_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('parameter_format', 'text', (c) => c.notNull())
    .addColumn('components', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('whatsapp_templates_pk', ['workspace_id', 'name', 'language'])
    .execute()

  await db.schema.createTable('wa_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('contact_id', 'text', (c) => c.references('contacts.id').onDelete('cascade'))
    .addColumn('phone_number_id', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('in', 'out')`))
    // Null until Meta accepts the send; unique so a duplicate webhook never stores an inbound message twice.
    .addColumn('wamid', 'text', (c) => c.unique())
    .addColumn('wa_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('body', 'text')
    .addColumn('template_name', 'text')
    .addColumn('template_language', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_at', 'text', (c) => c.notNull())
    .addColumn('error_code', 'integer')
    .addColumn('error_title', 'text')
    .addColumn('context_wamid', 'text')
    .addColumn('author_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('wa_messages_contact').on('wa_messages').columns(['contact_id', 'workspace_id', 'created_at']).execute()

  // One row per (wamid, status): a redelivered webhook is a no-op. Rows for wamids not
  // recorded yet wait here (applied = 0) until the send that produced them is stored.
  await db.schema.createTable('wa_status_events')
    .addColumn('wamid', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('phone_number_id', 'text', (c) => c.notNull())
    .addColumn('recipient_id', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('error_code', 'integer')
    .addColumn('error_title', 'text')
    .addColumn('biz_opaque_callback_data', 'text')
    .addColumn('applied', 'integer', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('wa_status_events_pk', ['wamid', 'status'])
    .execute()
  await db.schema.createIndex('wa_status_events_unapplied').on('wa_status_events').columns(['applied', 'wamid']).execute()

  // The raw bytes of every verified webhook, written before Meta gets its 200 and
  // processed afterwards: a crash between the two loses nothing.
  await db.schema.createTable('webhook_inbox')
    .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => c.primaryKey())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('processed_at', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .execute()
  await db.schema.createIndex('webhook_inbox_pending').on('webhook_inbox').columns(['processed_at', 'id']).execute()

  await db.schema.alterTable('contacts').addColumn('last_inbound_at', 'text').execute()
}
