import type { Kysely } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * Several Outlook panes on one sign-in (issue 16). Each running pane keeps its own in-memory
 * copy of roaming settings, so one rotating refresh token shared by every pane was presented
 * twice and read as theft. Now a sign-in (`addin_sign_ins`, its token kept in roaming
 * settings) starts one refresh family per pane instance; a family rotates on its own, and
 * `successor_hash` lets a refresh retried within the grace window answer with the successor
 * it already issued instead of revoking.
 */
export async function up (db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.createTable('addin_sign_ins')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    // SHA-256 of the sign-in token that panes keep in roaming settings and start their families from.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_reason', 'text')
    .execute()
  await db.schema.createIndex('addin_sign_ins_user').on('addin_sign_ins').columns(['workspace_id', 'user_id']).execute()
  // Null for families made before this migration: they stand alone, as before.
  await db.schema.alterTable('addin_token_families').addColumn('sign_in_id', 'text', (c) => c.references('addin_sign_ins.id').onDelete('cascade')).execute()
  await db.schema.createIndex('addin_token_families_sign_in').on('addin_token_families').column('sign_in_id').execute()
  await db.schema.alterTable('addin_refresh_tokens').addColumn('successor_hash', 'text').execute()
}
