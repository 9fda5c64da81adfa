import type { Kysely } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * Attachment files of logged emails, when the person chose to upload them (the Outlook
 * add-in, size-capped). Names and sizes stay in the activity's data as before; the bytes
 * live here so timelines never load them. They go with their activity.
 */
export async function up (db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema.createTable('email_attachments')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('activity_id', 'text', (c) => c.notNull().references('activities.id').onDelete('cascade'))
    // Index into the activity's data.attachments list.
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text')
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('content', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('email_attachments_pk', ['workspace_id', 'activity_id', 'position'])
    .execute()
}
