import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ERRORS, SwitchboardError, type ErrorCode } from './errors.js'

const docs = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../docs/errors.md'), 'utf8')

describe('error registry', () => {
  it.each(Object.entries(ERRORS).map(([code, entry]) => ({ code: code as ErrorCode, ...entry })))('$code is well-formed and documented', ({ code, status, message }) => {
    expect(code).toMatch(/^SB_[A-Z]+(_[A-Z]+)*$/)
    expect(status).toBeGreaterThanOrEqual(400)
    expect(status).toBeLessThan(600)
    expect(message).not.toMatch(/%s|\$\{/)
    const error = new SwitchboardError(code, 'some/field')
    expect(error).toMatchObject({ code, statusCode: status, field: 'some/field', message })
    expect(docs).toMatch(new RegExp(`^\\| \`${code}\` \\| ${status} \\|`, 'm'))
  })

  it('documents no code the registry lacks', () => {
    const documented = [...docs.matchAll(/^\| `(SB_[A-Z_]+)` \|/gm)].map((m) => m[1])
    expect(documented.filter((code) => !(code! in ERRORS))).toEqual([])
  })
})
