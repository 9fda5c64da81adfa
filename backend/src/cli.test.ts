import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it, onTestFinished } from 'vitest'

const run = promisify(execFile)
const CLI = path.resolve('backend/src/cli.ts')
const TSX = path.resolve('node_modules/.bin/tsx')

async function cli (dataDir: string, ...args: string[]): Promise<{ stdout: string, stderr: string, code: number }> {
  try {
    const { stdout, stderr } = await run(TSX, [CLI, ...args], { env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' } })
    return { stdout, stderr, code: 0 }
  } catch (error) {
    const e = error as { stdout: string, stderr: string, code: number }
    return { stdout: e.stdout, stderr: e.stderr, code: e.code }
  }
}

describe('admin CLI', () => {
  it('creates a workspace whose owner can sign in, mints tokens, lists users and verifies the audit chain', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-cli-'))
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))

    const created = await cli(dir, 'workspace', 'create', '--name', 'Acme', '--owner-email', 'Ada@Acme.example', '--owner-name', 'Ada Lovelace', '--country', 'gb', '--json')
    expect(created.code).toBe(0)
    const workspace = JSON.parse(created.stdout)
    expect(workspace).toMatchObject({ ownerEmail: 'ada@acme.example' })
    expect(workspace.ownerPassword).toMatch(/^\S{20}$/)
    expect(workspace.token).toMatch(/^sbt_/)

    const token = await cli(dir, 'token', 'create', '--email', 'ada@acme.example', '--scopes', 'crm:read', '--json')
    expect(JSON.parse(token.stdout).apiToken.scopes).toEqual(['crm:read'])

    const users = await cli(dir, 'users', 'list')
    expect(users.stdout).toContain('ada@acme.example  Ada Lovelace  owner  active')

    const verified = await cli(dir, 'audit', 'verify', '--json')
    expect(JSON.parse(verified.stdout)).toEqual([{ workspaceId: workspace.workspaceId, events: 4, brokenAtSeq: null }])
  })

  it.each([
    { description: 'an unknown command', args: ['frobnicate'], code: 2, stderr: /unknown command/ },
    { description: 'a missing option', args: ['workspace', 'create', '--name', 'X'], code: 2, stderr: /--owner-email is required/ },
    { description: 'an unknown scope', args: ['token', 'create', '--email', 'a@b.example', '--scopes', 'root'], code: 2, stderr: /--scopes must be/ },
    { description: 'an invalid country', args: ['workspace', 'create', '--name', 'X', '--owner-email', 'x@y.example', '--owner-name', 'X', '--country', 'XX'], code: 1, stderr: /SB_VALIDATION.*defaultCountry/ },
  ])('refuses $description with a clear message', async ({ args, code, stderr }) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-cli-'))
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))
    const result = await cli(dir, ...args)
    expect(result.code).toBe(code)
    expect(result.stderr).toMatch(stderr)
  })
})
