import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from './config.js'
import { migrateToLatest, openStore } from './store/database.js'
import { createServices, type Services } from './services.js'
import { SwitchboardError } from './errors.js'
import { SCOPES, type Scope } from './identity/access.js'
import { asWorkspaceId } from './ids.js'
import type { Store } from './store/database.js'
import type { Config } from './config.js'
import { createSecretBox, loadSecretKeys, rewrapSecrets, rotateKeyFile } from './privacy/secret-box.js'

const USAGE = `Switchboard admin CLI — npm run cli -- <command> [options]

  workspace create --name <name> --owner-email <email> --owner-name <name>
                   [--owner-password <password>] [--time-zone <IANA zone>] [--country <ISO code>]
      Creates a workspace, its owner and a default pipeline; prints the owner's
      login and a first API token (shown once).
  workspace list
  workspace delete --workspace <id> --confirm "delete everything"
      Deletes the workspace and everything in it (a verified deletion request made to
      support); prints the confirmation code and status page address.
  token create --email <user email> [--name <label>] [--scopes crm:read,crm:write,admin] [--token-only]
      Creates an API token for an existing user (shown once); --token-only prints
      just the token, for TOKEN=$(…) in scripts.
  users list [--workspace <id>]
  audit verify [--workspace <id>]
      Recomputes each workspace's audit hash chain; exits 1 if any link is broken.
  retention sweep
      Applies the retention periods now (the server also does this hourly); prints counts.
  keys rotate
      Re-encrypts every stored third-party token under the newest key. With
      SWITCHBOARD_SECRET_KEY: put the new key first (old ones after it, comma-separated),
      restart the servers, run this, then drop the old keys. With the embedded key file:
      stop the servers, run this (it adds a key, re-wraps, removes the old), start them.
  support staff-create --name <name>
      Adds a Switchboard support staff member; prints their token (shown once). Staff
      read customer records only under a consent the customer recorded for them.

Add --json to any command for machine-readable output. The store is chosen by the
same environment as the server (DATA_DIR, DATABASE_URL).`

class UsageError extends Error {}

type Options = Record<string, string | boolean | undefined>

function required (options: Options, name: string): string {
  const value = options[name]
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`)
  return value.trim()
}

function optional (options: Options, name: string): string | undefined {
  const value = options[name]
  return typeof value === 'string' ? value.trim() : undefined
}

function parseScopes (raw: string | undefined): Scope[] | undefined {
  if (raw === undefined) return undefined
  const scopes = raw.split(',').map((s) => s.trim()).filter((s) => s !== '')
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s))
  if (unknown.length > 0 || scopes.length === 0) throw new UsageError(`--scopes must be a comma-separated list of ${SCOPES.join(', ')}`)
  return scopes as Scope[]
}

/** Runs one command and returns what to print: text for people, or the JSON value. */
async function run (services: Services, command: string, options: Options, { store, config }: { store: Store, config: Config }): Promise<{ text: string, json: unknown, exitCode?: number }> {
  switch (command) {
    case 'workspace create': {
      const created = await services.onboarding.createWorkspace({
        name: required(options, 'name'),
        ownerEmail: required(options, 'owner-email'),
        ownerName: required(options, 'owner-name'),
        ownerPassword: optional(options, 'owner-password'),
        timeZone: optional(options, 'time-zone'),
        defaultCountry: optional(options, 'country'),
      })
      const text = [
        `Workspace "${created.workspace.name}" created (${created.workspace.id}).`,
        `Owner login: ${created.owner.email}`,
        created.ownerPassword === undefined ? 'Password: the one you chose' : `Password: ${created.ownerPassword}   (shown once; change it after signing in)`,
        `API token: ${created.token}   (shown once; keep it secret)`,
        '',
        'Try it:',
        `  curl -H "Authorization: Bearer ${created.token}" http://localhost:${process.env['PORT'] ?? '8787'}/api/v1/me`,
      ].join('\n')
      return {
        text,
        json: { workspaceId: created.workspace.id, ownerId: created.owner.id, ownerEmail: created.owner.email, ownerPassword: created.ownerPassword ?? null, token: created.token },
      }
    }
    case 'workspace delete': {
      if (optional(options, 'confirm') !== 'delete everything') throw new UsageError('--confirm "delete everything" is required')
      const { confirmationCode, removed } = await services.erasure.eraseWorkspace(asWorkspaceId(required(options, 'workspace')), { userId: null })
      const statusUrl = `${config.publicUrl}/data-deletion/status/${confirmationCode}`
      return { text: `Workspace deleted (${Object.values(removed).reduce((a, b) => a + b, 0)} rows). Confirmation code: ${confirmationCode}\nStatus: ${statusUrl}`, json: { confirmationCode, statusUrl, removed } }
    }
    case 'workspace list': {
      const workspaces = await services.workspaces.listAll()
      return { text: workspaces.map((w) => `${w.id}  ${w.name}  (${w.timeZone})`).join('\n') || 'No workspaces.', json: workspaces }
    }
    case 'token create': {
      const email = required(options, 'email')
      const scopes = parseScopes(optional(options, 'scopes'))
      const user = await services.users.findCredentialsByEmail(email)
      if (user === undefined) throw new UsageError(`no user with email ${email}`)
      const { token, apiToken } = await services.identity.createToken(user.workspaceId, {
        userId: user.id, name: optional(options, 'name') ?? 'CLI token', scopes,
      }, { userId: null })
      const text = options['token-only'] === true ? token : `API token for ${user.email} (${apiToken.scopes.join(' ')}): ${token}\n(shown once; keep it secret)`
      return { text, json: { token, apiToken } }
    }
    case 'users list': {
      const workspace = optional(options, 'workspace')
      const users = workspace === undefined ? await services.users.listAll() : await services.users.list(asWorkspaceId(workspace))
      const text = users.map((u) => `${u.workspaceId}  ${u.email}  ${u.displayName}  ${u.role}  ${u.status}  last login: ${u.lastLoginAt ?? 'never'} (${u.loginCount})`).join('\n')
      return { text: text || 'No users.', json: users }
    }
    case 'audit verify': {
      const workspace = optional(options, 'workspace')
      const ids = workspace === undefined ? (await services.workspaces.listAll()).map((w) => w.id) : [asWorkspaceId(workspace)]
      const results = []
      for (const id of ids) results.push({ workspaceId: id, ...await services.audit.verify(id) })
      const broken = results.filter((r) => r.brokenAtSeq !== null)
      const text = results.map((r) => `${r.workspaceId}  ${r.events} events  ${r.brokenAtSeq === null ? 'intact' : `BROKEN at #${r.brokenAtSeq}`}`).join('\n')
      return { text: text || 'No workspaces.', json: results, exitCode: broken.length > 0 ? 1 : 0 }
    }
    case 'retention sweep': {
      const report = await services.retention.sweep()
      const lines = Object.entries(report.workspaces).map(([ws, counts]) => `${ws}  ${Object.entries(counts).map(([k, n]) => `${k}: ${n}`).join(', ')}`)
      if (Object.keys(report.global).length > 0) lines.push(`shared  ${Object.entries(report.global).map(([k, n]) => `${k}: ${n}`).join(', ')}`)
      return { text: lines.join('\n') || 'Nothing was due.', json: report }
    }
    case 'keys rotate': {
      const box = config.secretKey === undefined ? undefined : createSecretBox(loadSecretKeys(config.secretKey, config.dataDir))
      const result = box === undefined ? await rotateKeyFile(store.db, config.dataDir) : { keyId: box.keyId, ...await rewrapSecrets(store.db, box) }
      return { text: `${result.rewrapped} of ${result.total} stored secrets re-encrypted; all are now under key ${result.keyId}.`, json: result }
    }
    case 'support staff-create': {
      const staff = await services.supportAccess.createStaff(required(options, 'name'))
      return { text: `Support staff ${staff.id}: ${staff.token}\n(shown once; keep it secret)`, json: staff }
    }
    default:
      throw new UsageError(`unknown command "${command}"`)
  }
}

async function main (argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'name': { type: 'string' }, 'owner-email': { type: 'string' }, 'owner-name': { type: 'string' },
        'owner-password': { type: 'string' }, 'time-zone': { type: 'string' }, 'country': { type: 'string' },
        'email': { type: 'string' }, 'scopes': { type: 'string' }, 'workspace': { type: 'string' }, 'confirm': { type: 'string' },
        'json': { type: 'boolean' }, 'token-only': { type: 'boolean' }, 'help': { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`)
    return 2
  }
  const command = parsed.positionals.slice(0, 2).join(' ')
  if (parsed.values.help === true || command === '') {
    process.stdout.write(USAGE + '\n')
    return command === '' && parsed.values.help !== true ? 2 : 0
  }
  const config = loadConfig()
  const store = openStore(config)
  try {
    await migrateToLatest(store)
    const result = await run(createServices(store, config), command, parsed.values, { store, config })
    process.stdout.write((parsed.values.json === true ? JSON.stringify(result.json, null, 2) : result.text) + '\n')
    return result.exitCode ?? 0
  } finally {
    await store.close()
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${USAGE}\n`)
    process.exitCode = 2
  } else if (error instanceof SwitchboardError) {
    process.stderr.write(`${error.code}: ${error.message}${error.field === undefined ? '' : ` (${error.field})`}\n`)
    process.exitCode = 1
  } else if (error instanceof ConfigError) {
    process.stderr.write(`Configuration: ${error.message}\n`)
    process.exitCode = 2
  } else {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  }
})
