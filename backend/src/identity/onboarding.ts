import type { Kysely } from 'kysely'
import { isSupportedCountry } from 'libphonenumber-js'
import type { Database } from '../store/schema.js'
import { SwitchboardError } from '../errors.js'
import type { AuditLog } from '../privacy/audit-log.js'
import type { PipelinesRepository } from '../crm/pipelines-repository.js'
import { generatePassword, hashPassword, passwordProblem } from './passwords.js'
import type { IdentityService } from './identity-service.js'
import type { UsersRepository, User } from './users-repository.js'
import type { Workspace, WorkspacesRepository } from './workspaces-repository.js'

export interface NewWorkspaceInput {
  name: string
  ownerEmail: string
  ownerName: string
  /** Chosen password; a random one is generated and returned when absent. */
  ownerPassword?: string | undefined
  timeZone?: string | undefined
  defaultCountry?: string | undefined
}

export interface NewWorkspace {
  workspace: Workspace
  owner: User
  /** Only when generated; shown once. */
  ownerPassword: string | undefined
  /** The owner's first API token, shown once. */
  token: string
}

/** True for IANA zone names the runtime knows, such as Europe/Lisbon. */
export function isTimeZone (zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone }).format()
    return true
  } catch {
    return false
  }
}

/** The pipeline every new workspace starts with, so deals can be created at once. */
export const DEFAULT_PIPELINE = {
  name: 'Sales',
  stages: [
    { name: 'Lead' }, { name: 'Qualified' }, { name: 'Proposal' }, { name: 'Negotiation' },
    { name: 'Won', outcome: 'won' }, { name: 'Lost', outcome: 'lost' },
  ],
} as const

export function createOnboarding (deps: {
  db: Kysely<Database>
  workspaces: WorkspacesRepository
  users: UsersRepository
  audit: AuditLog
  identity: IdentityService
  pipelines: PipelinesRepository
}) {
  return {
    /**
     * Creates a workspace, its owner, a default sales pipeline and the owner's first API
     * token: everything a newcomer needs to start without the web app.
     */
    async createWorkspace (input: NewWorkspaceInput): Promise<NewWorkspace> {
      const timeZone = input.timeZone ?? 'UTC'
      if (!isTimeZone(timeZone)) throw new SwitchboardError('SB_VALIDATION', 'timeZone')
      const defaultCountry = input.defaultCountry?.toUpperCase() ?? null
      if (defaultCountry !== null && !isSupportedCountry(defaultCountry)) throw new SwitchboardError('SB_VALIDATION', 'defaultCountry')
      if (input.ownerPassword !== undefined && passwordProblem(input.ownerPassword) !== undefined) {
        throw new SwitchboardError('SB_VALIDATION', 'ownerPassword')
      }
      const password = input.ownerPassword ?? generatePassword()
      const passwordHash = await hashPassword(password)
      const { workspace, owner } = await deps.db.transaction().execute(async (trx) => {
        const workspace = await deps.workspaces.create({ name: input.name, timeZone, defaultCountry }, trx)
        const owner = await deps.users.create(workspace.id, { email: input.ownerEmail, displayName: input.ownerName, role: 'owner', passwordHash }, trx)
        await deps.pipelines.create(workspace.id, { name: DEFAULT_PIPELINE.name, stages: DEFAULT_PIPELINE.stages }, trx)
        await deps.audit.record(workspace.id, { action: 'workspace.created', actorUserId: owner.id, targetType: 'workspace', targetId: workspace.id }, trx)
        await deps.audit.record(workspace.id, { action: 'user.created', actorUserId: owner.id, targetType: 'user', targetId: owner.id, details: { role: 'owner' } }, trx)
        return { workspace, owner }
      })
      const { token } = await deps.identity.createToken(workspace.id, { userId: owner.id, name: 'First token' }, { userId: owner.id })
      return { workspace, owner, ownerPassword: input.ownerPassword === undefined ? password : undefined, token }
    },
  }
}

export type Onboarding = ReturnType<typeof createOnboarding>
