import type { Kysely } from 'kysely'

/**
 * Sign-in for first-party add-in clients (the Outlook add-in): single-use authorization
 * codes bound to a PKCE challenge, and token families. A family is one sign-in on one
 * client; every refresh rotates its refresh token, and presenting a rotated one again
 * revokes the whole family. Codes and tokens are kept only as SHA-256 hashes.
 */
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('addin_auth_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('code_challenge', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    // The family the code was exchanged for: revoked if the code is presented again.
    .addColumn('family_id', 'text')
    .execute()
  await db.schema.createIndex('addin_auth_codes_expiry').on('addin_auth_codes').column('expires_at').execute()

  await db.schema.createTable('addin_token_families')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    // A family cannot be refreshed forever: the user signs in again after this.
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_reason', 'text')
    .execute()
  await db.schema.createIndex('addin_token_families_user').on('addin_token_families').columns(['workspace_id', 'user_id']).execute()

  await db.schema.createTable('addin_refresh_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('family_id', 'text', (c) => c.notNull().references('addin_token_families.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    // Set when rotated: from then on, presenting this token is reuse.
    .addColumn('used_at', 'text')
    .execute()
  await db.schema.createIndex('addin_refresh_tokens_family').on('addin_refresh_tokens').column('family_id').execute()

  await db.schema.createTable('addin_access_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('family_id', 'text', (c) => c.notNull().references('addin_token_families.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('addin_access_tokens_family').on('addin_access_tokens').column('family_id').execute()
}
