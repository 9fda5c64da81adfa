import type { Kysely } from 'kysely'
import type { Dialect } from '../database.js'
import * as foundation from './0001-foundation.js'
import * as whatsapp from './0002-whatsapp.js'
import * as campaigns from './0003-campaigns.js'
import * as emailLogs from './0004-email-logs.js'
import * as addinSignIn from './0005-addin-sign-in.js'
import * as privacy from './0006-privacy.js'
import * as emailAttachments from './0007-email-attachments.js'
import * as outboundWebhooks from './0012-outbound-webhooks.js'
import * as trust from './0008-trust.js'
import * as addinPaneSignIns from './0010-addin-pane-sign-ins.js'
import * as whatsappCoexistence from './0011-whatsapp-coexistence.js'

export interface Migration {
  name: string
  up: (db: Kysely<any>, dialect: Dialect) => Promise<void>
}

/**
 * Every migration, in order. Listed explicitly (not read from a folder) so the bundle
 * and the type checker see them; names sort in the order they must run.
 */
export const MIGRATIONS: readonly Migration[] = [
  { name: '0001-foundation', up: foundation.up },
  { name: '0002-whatsapp', up: whatsapp.up },
  { name: '0003-campaigns', up: campaigns.up },
  { name: '0004-email-logs', up: emailLogs.up },
  { name: '0005-addin-sign-in', up: addinSignIn.up },
  { name: '0006-privacy', up: privacy.up },
  { name: '0007-email-attachments', up: emailAttachments.up },
  { name: '0012-outbound-webhooks', up: outboundWebhooks.up },
  { name: '0008-trust', up: trust.up },
  { name: '0010-addin-pane-sign-ins', up: addinPaneSignIns.up },
  { name: '0011-whatsapp-coexistence', up: whatsappCoexistence.up },
]
