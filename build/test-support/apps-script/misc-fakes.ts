import { createHash, randomUUID } from 'node:crypto'
import type { ExecutionContext } from './execution.js'
import { zoneOffsetMs } from './spreadsheet-fake.js'

const ALGORITHMS: Record<string, string> = { MD2: 'md2', MD5: 'md5', SHA_1: 'sha1', SHA_256: 'sha256', SHA_384: 'sha384', SHA_512: 'sha512' }

/** Apps Script hands bytes around as arrays of signed 8-bit integers. */
function signedBytes (buffer: Buffer): number[] {
  return [...buffer].map((b) => (b > 127 ? b - 256 : b))
}

function toBuffer (value: string | readonly number[]): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value.map((b) => b & 0xff))
}

/** Utilities: digests, base64, UUIDs, date formatting in a zone, and sleep on the execution clock. */
export function fakeUtilities (exec: ExecutionContext): object {
  return {
    DigestAlgorithm: Object.fromEntries(Object.keys(ALGORITHMS).map((k) => [k, k])),
    Charset: { US_ASCII: 'US_ASCII', UTF_8: 'UTF_8' },
    computeDigest (algorithm: string, value: string | number[]) {
      const name = ALGORITHMS[algorithm]
      if (name === undefined) throw new Error('Exception: Invalid argument: algorithm')
      return signedBytes(createHash(name).update(toBuffer(value)).digest())
    },
    base64Encode: (value: string | number[]) => toBuffer(value).toString('base64'),
    base64EncodeWebSafe: (value: string | number[]) => toBuffer(value).toString('base64').replace(/\+/g, '-').replace(/\//g, '_'),
    base64Decode: (text: string) => signedBytes(Buffer.from(text, 'base64')),
    newBlob: (data: string | number[]) => ({ getDataAsString: () => toBuffer(data).toString('utf8'), getBytes: () => signedBytes(toBuffer(data)) }),
    getUuid: () => randomUUID(),
    formatDate: (date: Date, timeZone: string, pattern: string) => formatDate(date, timeZone, pattern),
    sleep (ms: number) {
      exec.enter('Utilities.sleep', { mode: 'NONE' })
      if (ms > 300_000) throw new Error('Exception: Invalid argument: milliseconds (at most 300000)')
      exec.spend(ms)
      exec.checkTime()
    },
  }
}

/** The SimpleDateFormat letters add-ons use: yyyy MM dd HH mm ss, and quoted text. */
export function formatDate (date: Date, timeZone: string, pattern: string): string {
  const local = new Date(date.getTime() + zoneOffsetMs(date.getTime(), timeZone))
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0')
  const fields: Record<string, string> = {
    yyyy: String(local.getUTCFullYear()),
    MM: pad(local.getUTCMonth() + 1),
    dd: pad(local.getUTCDate()),
    HH: pad(local.getUTCHours()),
    mm: pad(local.getUTCMinutes()),
    ss: pad(local.getUTCSeconds()),
  }
  return pattern.replace(/'([^']*)'|yyyy|MM|dd|HH|mm|ss/g, (token, quoted: string | undefined) => quoted ?? fields[token] ?? token)
}

/** Session: the signed-in user, the script's zone and locale. */
export function fakeSession (exec: ExecutionContext, options: { email: string, timeZone: string, scopes: readonly string[] | undefined }): object {
  const user = {
    getEmail () {
      exec.enter('Session.getActiveUser', { mode: 'LIMITED' })
      // Without userinfo.email Apps Script answers with an empty address.
      return options.scopes === undefined || options.scopes.includes('https://www.googleapis.com/auth/userinfo.email') ? options.email : ''
    },
  }
  return {
    getActiveUser: () => user,
    getEffectiveUser: () => user,
    getScriptTimeZone: () => options.timeZone,
    getActiveUserLocale: () => 'en',
    getTemporaryActiveUserKey: () => createHash('sha256').update(options.email).digest('base64url').slice(0, 40),
  }
}

/** HtmlOutput as HtmlService builds it. */
export class FakeHtmlOutput {
  private title = ''
  private width: number | undefined
  constructor (private content: string) {}
  setTitle (title: string): this {
    this.title = title
    return this
  }

  getTitle (): string { return this.title }
  getContent (): string { return this.content }
  append (html: string): this {
    this.content += html
    return this
  }

  setWidth (width: number): this {
    this.width = width
    return this
  }

  getWidth (): number | undefined { return this.width }
  setHeight (): this { return this }
  setSandboxMode (): this { return this }
  setXFrameOptionsMode (): this { return this }
}
