import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

// Where Debian's chromium package puts the real binary; the `chromium` wrapper on PATH is slower and adds flags.
const KNOWN_PATHS = ['/usr/lib/chromium/chromium', '/usr/lib/chromium-browser/chromium-browser']

let cached: string | undefined

/**
 * The Chromium binary for browser tests: CHROMIUM_PATH if set, else the one the Debian
 * package installed. playwright-core downloads no browser, and its CDN is unreachable here.
 */
export function findChromium (): string {
  if (cached !== undefined) return cached
  const fromEnv = process.env.CHROMIUM_PATH
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist`)
    return (cached = fromEnv)
  }
  const found = fromDpkg() ?? KNOWN_PATHS.find((candidate) => existsSync(candidate))
  if (found === undefined) {
    throw new Error('Chromium not found. Install it with `apt-get install -y chromium` (Debian) or set CHROMIUM_PATH to the browser binary.')
  }
  return (cached = found)
}

/** A headless Chromium. Close it in the test's cleanup. */
export async function launchChromium (): Promise<Browser> {
  // No extra args: playwright-core already passes --no-sandbox (needed as root) and --remote-debugging-pipe.
  return chromium.launch({ executablePath: findChromium(), headless: true })
}

function fromDpkg (): string | undefined {
  try {
    const files = execFileSync('dpkg', ['-L', 'chromium'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    return files.split('\n').find((line) => line.endsWith('lib/chromium/chromium') && existsSync(line))
  } catch {
    return undefined
  }
}
