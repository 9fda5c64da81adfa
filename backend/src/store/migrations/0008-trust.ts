import type { Kysely } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * Failed sign-ins counted per account and source address, so a stranger elsewhere cannot
 * lock a person out of their own network, and counted the same way for emails with no
 * account, so a lock reveals nothing about which accounts exist. The key is a digest of
 * the email and the address; neither is stored in clear. Rows older than a day go.
 */
export async function up (db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.createTable('login_attempts')
    .addColumn('attempt_key', 'text', (c) => c.primaryKey())
    .addColumn('failed_count', 'integer', (c) => c.notNull())
    .addColumn('locked_until', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('login_attempts_updated').on('login_attempts').column('updated_at').execute()

  // The Google account (its stable `sub`) a user first signed in with: a later token for the
  // same email from another Google account (a recycled address) is refused.
  await db.schema.alterTable('users').addColumn('google_sub', 'text').execute()
  // When set, only Google accounts of this Workspace domain (the ID token's `hd`) sign in.
  await db.schema.alterTable('workspaces').addColumn('allowed_domain', 'text').execute()
}
