import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createSecretBox, KEY_FILE_NAME, loadSecretKeys, type SecretBinding } from './secret-box.js'

const binding: SecretBinding = { table: 'whatsapp_connections', column: 'access_token', rowId: 'wac_1', workspaceId: 'ws_1' }

describe('secret box', () => {
  it('round-trips and never contains the plaintext', () => {
    const box = createSecretBox([randomBytes(32)])
    const sealed = box.seal('EAAG-business-token-123', binding)
    expect(sealed).toMatch(new RegExp(`^v1:${box.keyId}:`))
    expect(sealed).not.toContain('EAAG')
    expect(box.open(sealed, binding)).toBe('EAAG-business-token-123')
  })

  it.each([
    { description: 'another row', change: { rowId: 'wac_2' } },
    { description: 'another workspace', change: { workspaceId: 'ws_2' } },
    { description: 'another column', change: { column: 'refresh_token' } },
  ])('refuses a ciphertext moved to $description', ({ change }) => {
    const box = createSecretBox([randomBytes(32)])
    const sealed = box.seal('secret', binding)
    expect(() => box.open(sealed, { ...binding, ...change })).toThrow()
  })

  it('refuses a tampered ciphertext', () => {
    const box = createSecretBox([randomBytes(32)])
    const parts = box.seal('secret', binding).split(':')
    parts[3] = Buffer.from('SECRET').toString('base64url')
    expect(() => box.open(parts.join(':'), binding)).toThrow()
  })

  it('opens envelopes of an older key after rotation, and seals with the new one', () => {
    const oldKey = randomBytes(32)
    const newKey = randomBytes(32)
    const sealedOld = createSecretBox([oldKey]).seal('secret', binding)
    const rotated = createSecretBox([newKey, oldKey])
    expect(rotated.open(sealedOld, binding)).toBe('secret')
    expect(rotated.seal('secret', binding).split(':')[1]).toBe(rotated.keyId)
    expect(() => createSecretBox([newKey]).open(sealedOld, binding)).toThrow(/no key/)
  })

  it('generates the embedded default key once, readable by its owner only', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-key-'))
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))
    const [first] = loadSecretKeys(undefined, dir)
    const [again] = loadSecretKeys(undefined, dir)
    expect(first).toHaveLength(32)
    expect(again!.equals(first!)).toBe(true)
    expect(fs.statSync(path.join(dir, KEY_FILE_NAME)).mode & 0o777).toBe(0o600)
  })
})
