import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

// N=2^15 with r=8 costs about 32 MiB and ~60 ms per hash on this machine class:
// slow enough to make offline guessing expensive, fast enough for interactive sign-in.
const PARAMS = { N: 32768, r: 8, p: 1 } as const
const KEY_LENGTH = 32

function derive (password: string, salt: Buffer, params: ScryptOptions, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, length, { ...params, maxmem: 128 * 1024 * 1024 }, (error, key) => {
      if (error !== null) reject(error)
      else resolve(key)
    })
  })
}

/** Hashes a password as `scrypt$N$r$p$salt$hash` (base64url parts). */
export async function hashPassword (password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(password, salt, PARAMS, KEY_LENGTH)
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

/** Checks a password against a stored hash in constant time; a malformed hash never matches. */
export async function verifyPassword (password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [, n, r, p, saltText, keyText] = parts as [string, string, string, string, string, string]
  const expected = Buffer.from(keyText, 'base64url')
  const key = await derive(password, Buffer.from(saltText, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) }, expected.length)
  return key.length === expected.length && timingSafeEqual(key, expected)
}

/**
 * A hash of a random password, verified against when the email is unknown so that
 * sign-in takes as long for a wrong email as for a wrong password.
 */
export const DECOY_HASH_PROMISE: Promise<string> = hashPassword(randomBytes(16).toString('hex'))

/** A random password for generated accounts (CLI bootstrap), 20 characters. */
export function generatePassword (): string {
  return randomBytes(15).toString('base64url')
}

/** The minimum a chosen password must meet; returns a reason or undefined. */
export function passwordProblem (password: string): string | undefined {
  if (password.length < 10) return 'must be at least 10 characters'
  if (password.length > 200) return 'must be at most 200 characters'
  return undefined
}
