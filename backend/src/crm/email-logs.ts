import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.js'
import { nowIso, type WorkspaceId } from '../ids.js'
import { SwitchboardError } from '../errors.js'
import { isUniqueViolation } from '../store/constraint-errors.js'
import type { Activity } from './activity-schemas.js'
import { writeActivity } from './activities-repository.js'
import { normaliseEmail } from './normalise.js'
import { MAX_ATTACHMENT_UPLOAD_BYTES } from './email-log-schemas.js'

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** Decodes the uploaded attachment files; refuses malformed base64 and uploads over the cap before anything is written. */
export function decodeAttachmentFiles (attachments: EmailToLog['attachments']): Map<number, Buffer> {
  const files = new Map<number, Buffer>()
  let total = 0
  for (const [position, attachment] of (attachments ?? []).entries()) {
    if (attachment.content === undefined) continue
    if (attachment.content.length % 4 !== 0 || !BASE64.test(attachment.content)) throw new SwitchboardError('SB_VALIDATION', `email/attachments/${position}/content`, { detail: 'must be base64' })
    const bytes = Buffer.from(attachment.content, 'base64')
    total += bytes.length
    if (total > MAX_ATTACHMENT_UPLOAD_BYTES) throw new SwitchboardError('SB_EMAIL_ATTACHMENTS_TOO_LARGE', 'email/attachments')
    files.set(position, bytes)
  }
  return files
}

/** An email as the Gmail add-on or the Outlook add-in reads it from the open message. */
export interface EmailToLog {
  messageId?: string | undefined
  threadId?: string | undefined
  subject: string
  from: string
  to: readonly string[]
  cc: readonly string[]
  /** When it was sent (ISO 8601). */
  date: string
  /** Only when the user chose to include it. */
  body?: string | undefined
  /** `content` (base64) only when the person chose to upload the file; see MAX_ATTACHMENT_UPLOAD_BYTES. */
  attachments?: ReadonlyArray<{ name: string, size: number, contentType?: string | undefined, content?: string | undefined }> | undefined
}

export type LogTarget = { dealId: string } | { contactId: string }

export interface EmailLog {
  targetType: 'contact' | 'deal'
  targetId: string
  targetName: string
  activityId: string
  loggedBy: { id: string, displayName: string } | null
  loggedAt: string
  source: string
}

/**
 * The same email has the same Message-ID in every mailbox, but clients differ in case
 * and angle brackets (old Outlook for Mac drops them): trimmed, lower-cased, unbracketed.
 */
export function normaliseMessageId (messageId: string): string {
  return messageId.trim().toLowerCase().replace(/^<+/, '').replace(/>+$/, '').trim()
}

/**
 * When a client has no Message-ID (Outlook right after sending), the email is known by
 * sender, recipients, subject and the minute it was sent.
 */
export function emailFingerprint (email: Pick<EmailToLog, 'from' | 'to' | 'cc' | 'subject' | 'date'>): string {
  const recipients = [...email.to, ...email.cc].map(normaliseEmail).sort().join(',')
  const minute = new Date(Math.floor(Date.parse(email.date) / 60_000) * 60_000).toISOString()
  const material = [normaliseEmail(email.from), recipients, email.subject.trim().toLowerCase(), minute].join('\n')
  return createHash('sha256').update(material).digest('hex')
}

/** The key an email is deduplicated by. */
export function messageKeyOf (email: Pick<EmailToLog, 'messageId' | 'from' | 'to' | 'cc' | 'subject' | 'date'>): string {
  const id = email.messageId === undefined ? '' : normaliseMessageId(email.messageId)
  return id === '' ? `fp:${emailFingerprint(email)}` : `mid:${id}`
}

/**
 * Every identity an email has, so one email is logged once whatever a client reveals later
 * (Outlook has no Message-ID for a sent item until it syncs, then has one). A log stores its
 * primary key (`mid:` or, without a Message-ID, `fp:`) and, with a Message-ID, its
 * fingerprint as `fpm:` (a fingerprint of an email whose Message-ID is known).
 * - With a Message-ID, an email matches its `mid:` and fingerprints logged without one
 *   (`fp:`), never `fpm:`: another email with the same sender, recipients, subject and
 *   minute but its own Message-ID is a different email.
 * - Without one, it matches both kinds of fingerprint.
 */
export function messageIdentities (email: Pick<EmailToLog, 'messageId' | 'from' | 'to' | 'cc' | 'subject' | 'date'>): { primary: string, companion: string | null, lookup: string[] } {
  const fingerprint = emailFingerprint(email)
  const primary = messageKeyOf(email)
  return primary.startsWith('mid:')
    ? { primary, companion: `fpm:${fingerprint}`, lookup: [primary, `fp:${fingerprint}`] }
    : { primary, companion: null, lookup: [primary, `fpm:${fingerprint}`] }
}

/**
 * Logging emails to contacts and deals from Gmail and Outlook. A second log of the same
 * email to the same record stores nothing and answers with who logged it and when, so
 * nobody has to wonder; the body is kept only when the person chose to include it.
 */
export function createEmailLogService (db: Kysely<Database>) {
  async function logsOf (ws: WorkspaceId, keys: readonly string[], executor: Kysely<Database> = db): Promise<EmailLog[]> {
    const rows = await executor.selectFrom('email_logs as l')
      .leftJoin('users as u', 'u.id', 'l.logged_by')
      .leftJoin('deals as d', (join) => join.onRef('d.id', '=', 'l.target_id').on('l.target_type', '=', 'deal'))
      .leftJoin('contacts as c', (join) => join.onRef('c.id', '=', 'l.target_id').on('l.target_type', '=', 'contact'))
      .select(['l.target_type', 'l.target_id', 'l.activity_id', 'l.logged_at', 'l.source', 'u.id as user_id', 'u.display_name', 'd.title', 'c.name'])
      .where('l.workspace_id', '=', ws).where('l.message_key', 'in', keys)
      .orderBy('l.logged_at').execute()
    // One log can match under two of the email's identities: each record once.
    const seen = new Set<string>()
    return rows.filter((r) => !seen.has(r.activity_id) && seen.add(r.activity_id) !== undefined).map((r) => ({
      targetType: r.target_type,
      targetId: r.target_id,
      targetName: r.title ?? r.name ?? '',
      activityId: r.activity_id,
      loggedBy: r.user_id === null || r.display_name === null ? null : { id: r.user_id, displayName: r.display_name },
      loggedAt: r.logged_at,
      source: r.source,
    }))
  }

  /**
   * A log made without a Message-ID is found again by one that has it: the log learns the
   * Message-ID, and its fingerprint becomes that of an email whose Message-ID is known, so a
   * different email with the same fingerprint is not taken for it.
   */
  async function learnMessageId (ws: WorkspaceId, log: EmailLog, midKey: string, companion: string): Promise<void> {
    const byFingerprint = `fp:${companion.slice('fpm:'.length)}`
    const stored = await db.selectFrom('email_logs').selectAll().where('workspace_id', '=', ws).where('message_key', '=', byFingerprint)
      .where('target_type', '=', log.targetType).where('target_id', '=', log.targetId).where('activity_id', '=', log.activityId).executeTakeFirst()
    if (stored === undefined) return
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('email_logs').values({ ...stored, message_key: midKey }).onConflict((oc) => oc.doNothing()).execute()
      await trx.insertInto('email_logs').values({ ...stored, message_key: companion }).onConflict((oc) => oc.doNothing()).execute()
      await trx.deleteFrom('email_logs').where('workspace_id', '=', ws).where('message_key', '=', byFingerprint)
        .where('target_type', '=', log.targetType).where('target_id', '=', log.targetId).execute()
    })
  }

  return {
    /** What this email has been logged to already (for the pane's "Logged to … by … at …"). */
    async status (ws: WorkspaceId, email: Pick<EmailToLog, 'messageId' | 'from' | 'to' | 'cc' | 'subject' | 'date'>): Promise<EmailLog[]> {
      return logsOf(ws, messageIdentities(email).lookup)
    },

    /** An uploaded attachment file of a logged email, or undefined (none uploaded, or not this workspace's). */
    async attachmentFile (ws: WorkspaceId, activityId: string, position: number): Promise<{ name: string, contentType: string | null, content: Buffer } | undefined> {
      const row = await db.selectFrom('email_attachments').select(['name', 'content_type', 'content'])
        .where('workspace_id', '=', ws).where('activity_id', '=', activityId).where('position', '=', position).executeTakeFirst()
      return row === undefined ? undefined : { name: row.name, contentType: row.content_type, content: Buffer.from(row.content) }
    },

    async statusByKey (ws: WorkspaceId, key: string): Promise<EmailLog[]> {
      return logsOf(ws, [key])
    },

    async log (ws: WorkspaceId, email: EmailToLog, target: LogTarget, author: { userId: string, source: string }): Promise<{ alreadyLogged: boolean, log: EmailLog, activity: Activity | null }> {
      const identities = messageIdentities(email)
      const key = identities.primary
      const targetType = 'dealId' in target ? 'deal' as const : 'contact' as const
      const targetId = 'dealId' in target ? target.dealId : target.contactId
      const find = async (): Promise<EmailLog | undefined> => (await logsOf(ws, identities.lookup)).find((l) => l.targetType === targetType && l.targetId === targetId)

      const earlier = await find()
      if (earlier !== undefined) {
        if (identities.companion !== null) await learnMessageId(ws, earlier, identities.primary, identities.companion)
        return { alreadyLogged: true, log: earlier, activity: null }
      }
      const files = decodeAttachmentFiles(email.attachments)

      let activity: Activity
      try {
        activity = await db.transaction().execute(async (trx) => {
          const exists = targetType === 'deal'
            ? await trx.selectFrom('deals').select('id').where('workspace_id', '=', ws).where('id', '=', targetId).executeTakeFirst()
            : await trx.selectFrom('contacts').select('id').where('workspace_id', '=', ws).where('id', '=', targetId).executeTakeFirst()
          if (exists === undefined) throw new SwitchboardError(targetType === 'deal' ? 'SB_DEAL_NOT_FOUND' : 'SB_CONTACT_NOT_FOUND', targetType === 'deal' ? 'dealId' : 'contactId')
          // Logged to a deal, the email also shows on the sender's own timeline when we know them.
          const sender = targetType === 'contact'
            ? undefined
            : await trx.selectFrom('contact_emails').select('contact_id').where('workspace_id', '=', ws).where('email', '=', normaliseEmail(email.from)).executeTakeFirst()
          const written = await writeActivity(trx, ws, {
            type: 'email',
            occurredAt: email.date,
            contactId: targetType === 'contact' ? targetId : sender?.contact_id ?? null,
            dealId: targetType === 'deal' ? targetId : null,
            authorUserId: author.userId,
            subject: email.subject,
            body: email.body ?? null,
            data: {
              from: normaliseEmail(email.from),
              to: email.to.map(normaliseEmail),
              cc: email.cc.map(normaliseEmail),
              ...(email.messageId === undefined ? {} : { messageId: email.messageId.trim() }),
              ...(email.threadId === undefined ? {} : { threadId: email.threadId }),
              bodyIncluded: email.body !== undefined,
              attachments: (email.attachments ?? []).map((a, position) => ({ name: a.name, size: a.size, ...(a.contentType === undefined ? {} : { contentType: a.contentType }), ...(files.has(position) ? { stored: true } : {}) })),
            },
            source: author.source,
          })
          const row = { workspace_id: ws, target_type: targetType, target_id: targetId, activity_id: written.id, logged_by: author.userId, source: author.source, logged_at: nowIso() }
          await trx.insertInto('email_logs').values({ ...row, message_key: key }).execute()
          // Another email may share this fingerprint (its own Message-ID, same minute): its row stays, this one is skipped.
          if (identities.companion !== null) await trx.insertInto('email_logs').values({ ...row, message_key: identities.companion }).onConflict((oc) => oc.doNothing()).execute()
          for (const [position, content] of files) {
            const attachment = email.attachments![position]!
            await trx.insertInto('email_attachments').values({
              workspace_id: ws, activity_id: written.id, position, name: attachment.name, content_type: attachment.contentType ?? null,
              size: content.length, content, created_at: nowIso(),
            }).execute()
          }
          return written
        })
      } catch (error) {
        // Two panes logging the same email at once: the second finds the first's log.
        if (isUniqueViolation(error)) {
          const winner = await find()
          if (winner !== undefined) return { alreadyLogged: true, log: winner, activity: null }
        }
        throw error
      }
      const log = await find()
      return { alreadyLogged: false, log: log!, activity }
    },
  }
}

export type EmailLogService = ReturnType<typeof createEmailLogService>
