import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../store/schema.js'
import { asWorkspaceId, newId, nowIso, type WorkspaceId } from '../ids.js'
import { SwitchboardError } from '../errors.js'
import { isUniqueViolation } from '../store/constraint-errors.js'
import type { Role } from './access.js'
import { normaliseEmail } from '../crm/normalise.js'

export interface User {
  id: string
  workspaceId: WorkspaceId
  email: string
  displayName: string
  role: Role
  status: 'active' | 'deactivated'
  lastLoginAt: string | null
  loginCount: number
  createdAt: string
}

/** What sign-in needs besides the public profile; never leaves the identity module. */
export interface UserCredentials extends User {
  passwordHash: string | null
  failedLoginCount: number
  lockedUntil: string | null
  /** The Google account bound at the first Google sign-in. */
  googleSub: string | null
}

function toUser (row: Database['users']): User {
  return {
    id: row.id,
    workspaceId: asWorkspaceId(row.workspace_id),
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    status: row.status,
    lastLoginAt: row.last_login_at,
    loginCount: row.login_count,
    createdAt: row.created_at,
  }
}

export function createUsersRepository (db: Kysely<Database>) {
  return {
    async create (ws: WorkspaceId, input: { email: string, displayName: string, role: Role, passwordHash: string | null }, trx?: Transaction<Database>): Promise<User> {
      const now = nowIso()
      const row: Database['users'] = {
        id: newId('user'),
        workspace_id: ws,
        email: normaliseEmail(input.email),
        display_name: input.displayName,
        role: input.role,
        status: 'active',
        password_hash: input.passwordHash,
        failed_login_count: 0,
        locked_until: null,
        last_login_at: null,
        login_count: 0,
        created_at: now,
        updated_at: now,
        google_sub: null,
      }
      try {
        await (trx ?? db).insertInto('users').values(row).execute()
      } catch (error) {
        if (isUniqueViolation(error)) throw new SwitchboardError('SB_USER_DUPLICATE', 'email', { cause: error })
        throw error
      }
      return toUser(row)
    },

    async get (ws: WorkspaceId, id: string, trx?: Transaction<Database>): Promise<User | undefined> {
      const row = await (trx ?? db).selectFrom('users').selectAll()
        .where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : toUser(row)
    },

    async list (ws: WorkspaceId): Promise<User[]> {
      const rows = await db.selectFrom('users').selectAll().where('workspace_id', '=', ws).orderBy('id').execute()
      return rows.map(toUser)
    },

    /**
     * Looks a user up by login email across workspaces. Sign-in is the one place
     * that may: the workspace is what it finds out.
     */
    async findCredentialsByEmail (email: string): Promise<UserCredentials | undefined> {
      const row = await db.selectFrom('users').selectAll().where('email', '=', normaliseEmail(email)).executeTakeFirst()
      if (row === undefined) return undefined
      return { ...toUser(row), passwordHash: row.password_hash, failedLoginCount: row.failed_login_count, lockedUntil: row.locked_until, googleSub: row.google_sub }
    },

    async recordLoginSuccess (ws: WorkspaceId, id: string, trx: Transaction<Database>): Promise<void> {
      const now = nowIso()
      await trx.updateTable('users')
        .set((eb) => ({ last_login_at: now, login_count: eb('login_count', '+', 1), failed_login_count: 0, locked_until: null, updated_at: now }))
        .where('workspace_id', '=', ws).where('id', '=', id).execute()
    },

    async recordLoginFailure (ws: WorkspaceId, id: string, failedCount: number, lockedUntil: string | null, trx: Transaction<Database>): Promise<void> {
      await trx.updateTable('users')
        .set({ failed_login_count: failedCount, locked_until: lockedUntil, updated_at: nowIso() })
        .where('workspace_id', '=', ws).where('id', '=', id).execute()
    },

    async update (ws: WorkspaceId, id: string, changes: { role?: Role, status?: 'active' | 'deactivated', displayName?: string, passwordHash?: string }, trx: Transaction<Database>): Promise<void> {
      await trx.updateTable('users')
        .set({
          ...(changes.role === undefined ? {} : { role: changes.role }),
          ...(changes.status === undefined ? {} : { status: changes.status }),
          ...(changes.displayName === undefined ? {} : { display_name: changes.displayName }),
          ...(changes.passwordHash === undefined ? {} : { password_hash: changes.passwordHash }),
          updated_at: nowIso(),
        })
        .where('workspace_id', '=', ws).where('id', '=', id).execute()
    },

    /** Binds a Google account to the user if none is bound yet; true when it is (now) this one. */
    async bindGoogleSub (ws: WorkspaceId, id: string, sub: string): Promise<boolean> {
      await db.updateTable('users').set({ google_sub: sub }).where('workspace_id', '=', ws).where('id', '=', id).where('google_sub', 'is', null).execute()
      const row = await db.selectFrom('users').select('google_sub').where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst()
      return row?.google_sub === sub
    },

    async countActiveOwners (ws: WorkspaceId, trx: Transaction<Database>): Promise<number> {
      const row = await trx.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n'))
        .where('workspace_id', '=', ws).where('role', '=', 'owner').where('status', '=', 'active').executeTakeFirstOrThrow()
      return Number(row.n)
    },

    /** Every user of every workspace; for the operator CLI only. */
    async listAll (): Promise<User[]> {
      const rows = await db.selectFrom('users').selectAll().orderBy('workspace_id').orderBy('id').execute()
      return rows.map(toUser)
    },
  }
}

export type UsersRepository = ReturnType<typeof createUsersRepository>
