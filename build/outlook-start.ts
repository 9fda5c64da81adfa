import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { REPO_ROOT } from './build.js'
import { SIDELOAD_STEPS } from './outlook-dev.js'

/**
 * `npm run outlook:start`: on Windows, office-addin-debugging sideloads the built manifest
 * into desktop Outlook and opens it. It sideloads Outlook nowhere else, so on other
 * platforms this prints the manual steps instead of failing obscurely.
 */
export function outlookStartPlan (platform: NodeJS.Platform, manifest: string): { command: string[] } | { instructions: string } {
  if (platform === 'win32') return { command: ['npx', '--yes', 'office-addin-debugging@6', 'start', manifest, 'desktop', '--app', 'outlook', '--no-debug'] }
  return {
    instructions: `office-addin-debugging sideloads Outlook only on Windows desktop; on ${platform} sideload by hand.
Keep \`npm run outlook:dev\` running (it serves the pane over https), then:
${SIDELOAD_STEPS(manifest)}`,
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const manifest = path.join(REPO_ROOT, 'dist', 'outlook-addin', 'manifest.xml')
  const plan = outlookStartPlan(process.platform, manifest)
  if (!existsSync(manifest)) {
    // The manifest must name the https address outlook:dev serves, so that script builds it.
    console.error('No dist/outlook-addin/manifest.xml: start `npm run outlook:dev` first (it builds the add-in for https://localhost:3000 and serves it).')
    process.exitCode = 1
  } else if ('instructions' in plan) {
    console.log(plan.instructions)
  } else {
    const [command, ...args] = plan.command
    // npx is a .cmd on Windows, which only a shell runs.
    const child = spawn(command!, args, { cwd: REPO_ROOT, stdio: 'inherit', shell: true })
    child.once('exit', (code) => { process.exitCode = code ?? 1 })
  }
}
