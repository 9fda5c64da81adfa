import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.js'
import type { WorkspaceId } from '../ids.js'
import { SwitchboardError } from '../errors.js'
import type { AuditLog } from '../privacy/audit-log.js'
import type { SecretBox } from '../privacy/secret-box.js'
import { createCloudApiClient, type CloudApiClient } from './cloud-api/client.js'
import { createOutboundFetch, hostOf } from '../privacy/outbound.js'
import { CloudApiError } from './cloud-api/errors.js'
import { isUniqueViolation } from '../store/constraint-errors.js'
import type { ConnectionsRepository, Connection, WhatsappNumber } from './connections-repository.js'
import type { WhatsappRuntime } from './runtime.js'

/** Meta's default throughput for a number at the STANDARD level (messages per second). */
export const STANDARD_THROUGHPUT = 80
const HIGH_THROUGHPUT = 1000

export interface SignupInput {
  /** From the Facebook SDK's FB.login response; single-use and short-lived. */
  code?: string | undefined
  wabaId: string
  phoneNumberId: string
  businessId?: string | undefined
  /** Six digits; becomes the number's two-step verification PIN on registration. */
  pin: string
  /**
   * The number is already on the WhatsApp Business app (Embedded Signup's
   * FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING): it is not registered again, and it runs at the
   * fixed 20 messages/s Meta gives coexistence numbers (reference §4, throughput).
   */
  coexistence?: boolean | undefined
}

/** Meta's fixed throughput for numbers shared with the WhatsApp Business app. */
export const COEXISTENCE_THROUGHPUT = 20

/** Who did it, for the audit log. */
export interface ConnectionActor {
  userId: string | null
  tokenId?: string | null
  ip?: string | null
}

const STEPS = ['exchange', 'subscribe', 'register', 'done'] as const
type Step = typeof STEPS[number]

/**
 * What the connection page shows about a failed step: Meta's own error (the person can act
 * on it), or a constant sentence. Never another error's message: a database's names tables,
 * columns and values, and may concern another workspace.
 */
function describe (error: unknown): string {
  if (error instanceof CloudApiError) return `${error.code}: ${error.title}${error.details === undefined || error.details === '' ? '' : ` (${error.details})`}`
  if (error instanceof SwitchboardError) return error.message
  return 'Something went wrong on our side; try again'
}

/** The WABA (or its number) is another workspace's: the unique keys on waba_id and the number id say so. */
function accountInUse (error: unknown): boolean {
  return isUniqueViolation(error) || (error instanceof SwitchboardError && error.code === 'SB_WHATSAPP_ACCOUNT_IN_USE')
}

/**
 * A workspace's link to WhatsApp: Embedded Signup done server-side (exchange the code for
 * the business token, subscribe our app to the WABA, register the number), the token
 * sealed at rest, and a Cloud API client opened from it when a feature needs one.
 *
 * Each step records where it got to, so a failure (shown with Meta's own message) can be
 * resumed without a new popup: the code is single-use, the stored token is not.
 */
export function createConnectionService (deps: {
  db: Kysely<Database>
  connections: ConnectionsRepository
  audit: AuditLog
  secretBox: SecretBox
  runtime: WhatsappRuntime
}) {
  const { db, connections, audit, secretBox, runtime } = deps
  const binding = (ws: WorkspaceId, connectionId: string) => ({ table: 'whatsapp_connections', column: 'access_token', rowId: connectionId, workspaceId: ws })
  // No transfer: Cloud API calls reach only the configured Graph host (Meta, or the sandbox playing it).
  const graphFetch = createOutboundFetch([hostOf(runtime.graphUrl)])
  const appClient = (accessToken: string): CloudApiClient => createCloudApiClient({ baseUrl: runtime.graphUrl, version: runtime.graphVersion, accessToken, timeoutMs: runtime.timeoutMs, fetch: graphFetch })

  async function openToken (ws: WorkspaceId): Promise<string | undefined> {
    const sealed = await connections.sealedToken(ws)
    return sealed === undefined ? undefined : secretBox.open(sealed.sealed, binding(ws, sealed.connectionId))
  }

  async function fail (ws: WorkspaceId, step: Step, error: unknown, actor: ConnectionActor): Promise<never> {
    if (accountInUse(error)) error = new SwitchboardError('SB_WHATSAPP_ACCOUNT_IN_USE', 'wabaId', { cause: error })
    const reason = describe(error)
    await connections.update(ws, { status: 'failed', signup_step: step, signup_error: reason })
    await audit.record(ws, { action: 'whatsapp.signup_failed', actorUserId: actor.userId, actorTokenId: actor.tokenId ?? null, ip: actor.ip ?? null, details: { step, code: error instanceof CloudApiError ? error.code : null } })
    if (error instanceof CloudApiError) throw new SwitchboardError('SB_WHATSAPP_SIGNUP_FAILED', step, { detail: reason, cause: error })
    throw error
  }

  /** Runs the signup from the step the connection is at; each step is skipped once done. */
  async function runSignup (ws: WorkspaceId, input: SignupInput, actor: ConnectionActor): Promise<Connection> {
    if (runtime.appId === undefined || runtime.appSecret === undefined) throw new SwitchboardError('SB_WHATSAPP_SIGNUP_NOT_CONFIGURED')
    let connection = await connections.ensure(ws, runtime.mode)
    // One WABA, one workspace: webhooks are routed by WABA and number. Refused before the
    // code is spent, with nothing about the workspace that holds it; the unique key on
    // waba_id catches a race past this check (fail() maps it the same way).
    const holder = await connections.workspaceOfWaba(input.wabaId)
    const numberHolder = await connections.ownerOfNumber(input.phoneNumberId)
    if ((holder !== undefined && holder !== ws) || (numberHolder !== undefined && numberHolder.workspaceId !== ws)) {
      throw new SwitchboardError('SB_WHATSAPP_ACCOUNT_IN_USE', 'wabaId')
    }
    if (connection.wabaId !== null && connection.wabaId !== input.wabaId) {
      // A new WABA means a new signup from the start: the old token belongs to the old WABA.
      await connections.update(ws, { waba_id: null, access_token: null, status: 'pending', signup_step: 'exchange', signup_error: null })
      connection = (await connections.get(ws))!
    }
    let step: Step = (connection.signupStep as Step | null) ?? 'exchange'
    if (!connection.hasToken) step = 'exchange'

    if (step === 'exchange') {
      if (input.code === undefined) throw new SwitchboardError('SB_VALIDATION', 'code')
      try {
        const exchanged = await appClient('unused').exchangeCode({ appId: runtime.appId, appSecret: runtime.appSecret, code: input.code })
        await db.transaction().execute(async (trx) => {
          await connections.update(ws, {
            mode: runtime.mode,
            waba_id: input.wabaId,
            business_id: input.businessId ?? null,
            access_token: secretBox.seal(exchanged.accessToken, binding(ws, connection.id)),
            signup_step: 'subscribe',
            signup_error: null,
            status: 'pending',
          }, trx)
        })
      } catch (error) {
        return fail(ws, 'exchange', error, actor)
      }
      step = 'subscribe'
    }
    const token = await openToken(ws)
    if (token === undefined) throw new SwitchboardError('SB_WHATSAPP_NOT_CONNECTED')
    const client = appClient(token)

    if (step === 'subscribe') {
      try {
        // Without this, test sends work but real inbound messages and statuses never arrive.
        await client.subscribeApp(input.wabaId)
      } catch (error) {
        return fail(ws, 'subscribe', error, actor)
      }
      await connections.update(ws, { signup_step: 'register', signup_error: null })
      step = 'register'
    }
    if (step === 'register') {
      try {
        // Never retried automatically: Meta counts attempts (133016 after too many). A
        // coexistence number is already registered by the WhatsApp Business app: never again.
        if (input.coexistence !== true) await client.registerNumber(input.phoneNumberId, input.pin)
        await refreshNumber(ws, connection.id, client, input.phoneNumberId, input.coexistence === true)
      } catch (error) {
        return fail(ws, 'register', error, actor)
      }
      await connections.update(ws, { signup_step: 'done', signup_error: null, status: 'connected' })
      await audit.record(ws, { action: 'whatsapp.connected', actorUserId: actor.userId, actorTokenId: actor.tokenId ?? null, ip: actor.ip ?? null, targetType: 'whatsapp_connection', targetId: connection.id, details: { mode: runtime.mode, wabaId: input.wabaId, phoneNumberId: input.phoneNumberId } })
    }
    return (await connections.get(ws))!
  }

  async function refreshNumber (ws: WorkspaceId, connectionId: string, client: CloudApiClient, phoneNumberId: string, coexistence?: boolean): Promise<void> {
    const info = await client.getPhoneNumber(phoneNumberId)
    // Once onboarded as coexistence, a number stays so on later refreshes.
    const shared = coexistence ?? (await connections.listNumbers(ws)).some((n) => n.id === phoneNumberId && n.coexistence)
    await connections.upsertNumber(ws, connectionId, {
      id: info.id,
      displayPhoneNumber: info.displayPhoneNumber,
      verifiedName: info.verifiedName,
      qualityRating: info.qualityRating,
      messagingLimitTier: info.messagingLimitTier,
      throughputLevel: info.throughputLevel,
      throughputPerSecond: shared ? COEXISTENCE_THROUGHPUT : info.throughputLevel === 'HIGH' ? HIGH_THROUGHPUT : STANDARD_THROUGHPUT,
      registered: true,
      coexistence: shared,
    })
  }

  return {
    runtime,

    async status (ws: WorkspaceId): Promise<{ connection: Connection | undefined, numbers: WhatsappNumber[] }> {
      const [connection, numbers] = await Promise.all([connections.get(ws), connections.listNumbers(ws)])
      return { connection, numbers }
    },

    /** Completes (or resumes) Embedded Signup with what the Facebook popup returned. */
    async signup (ws: WorkspaceId, input: SignupInput, actor: ConnectionActor): Promise<Connection> {
      return runSignup(ws, input, actor)
    },

    /**
     * Sandbox mode's stand-in for the Facebook popup: the sandbox hands out a code and ids
     * as the popup would, and the real server-side flow runs against it.
     */
    async connectSandbox (ws: WorkspaceId, actor: ConnectionActor, options: { pin?: string } = {}): Promise<Connection> {
      if (runtime.sandbox === undefined) throw new SwitchboardError('SB_WHATSAPP_SANDBOX_OFF')
      const popup = runtime.sandbox.signup({ verifiedName: 'Switchboard Sandbox' })
      return runSignup(ws, { code: popup.code, wabaId: popup.waba_id, phoneNumberId: popup.phone_number_id, businessId: popup.business_id, pin: options.pin ?? '123456' }, actor)
    },

    /** Refreshes every number's quality, limits and throughput from Meta. */
    async refreshNumbers (ws: WorkspaceId): Promise<WhatsappNumber[]> {
      const connection = await connections.get(ws)
      const token = await openToken(ws)
      if (connection === undefined || token === undefined) throw new SwitchboardError('SB_WHATSAPP_NOT_CONNECTED')
      const client = appClient(token)
      for (const number of await connections.listNumbers(ws)) await refreshNumber(ws, connection.id, client, number.id)
      return connections.listNumbers(ws)
    },

    /** Forgets the token and numbers; Meta keeps the WABA, which can be connected again. */
    async disconnect (ws: WorkspaceId, actor: ConnectionActor): Promise<void> {
      const connection = await connections.get(ws)
      if (connection === undefined) throw new SwitchboardError('SB_WHATSAPP_NOT_CONNECTED')
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('whatsapp_numbers').where('workspace_id', '=', ws).execute()
        await trx.deleteFrom('whatsapp_connections').where('workspace_id', '=', ws).execute()
        await audit.record(ws, { action: 'whatsapp.disconnected', actorUserId: actor.userId, actorTokenId: actor.tokenId ?? null, ip: actor.ip ?? null, targetType: 'whatsapp_connection', targetId: connection.id }, trx)
      })
    },

    /** A Cloud API client with the workspace's business token; the token never leaves this module otherwise. */
    async client (ws: WorkspaceId): Promise<{ client: CloudApiClient, connection: Connection }> {
      const connection = await connections.get(ws)
      const token = connection?.status === 'connected' ? await openToken(ws) : undefined
      if (connection === undefined || token === undefined) throw new SwitchboardError('SB_WHATSAPP_NOT_CONNECTED')
      return { client: appClient(token), connection }
    },
  }
}

export type ConnectionService = ReturnType<typeof createConnectionService>
