import type { Kysely } from 'kysely'

/**
 * Which emails were logged to which record, keyed by the normalised Message-ID (or a
 * fingerprint when a client has none): the same email logged twice to the same record
 * is one activity, and every pane can say "logged by … at …".
 */
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('email_logs')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('message_key', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('activity_id', 'text', (c) => c.notNull().references('activities.id').onDelete('cascade'))
    .addColumn('logged_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('logged_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('email_logs_pk', ['workspace_id', 'message_key', 'target_type', 'target_id'])
    .execute()
}
