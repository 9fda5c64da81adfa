import type { Kysely } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * Coexistence numbers: already in use in the WhatsApp Business app when onboarded, so they
 * are not registered again and run at Meta's fixed 20 messages per second (issue 20 item 9).
 */
export async function up (db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('whatsapp_numbers').addColumn('coexistence', 'integer', (c) => c.notNull().defaultTo(0)).execute()
}
