import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import Fastify from 'fastify'
import { loggerOptions } from './logging.js'

async function linesOf (file: string): Promise<string> {
  // The transport writes from its worker thread: wait for the line to land (no fixed sleep).
  for (let i = 0; i < 500; i++) {
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('\n')) return fs.readFileSync(file, 'utf8')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('nothing was logged')
}

describe('server logs', () => {
  it('are JSON lines when standard output is not a terminal', () => {
    expect(loggerOptions('info', false)).toEqual({ level: 'info' })
  })

  it('are readable lines through pino-pretty on a terminal', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-log-'))
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))
    const file = path.join(dir, 'out.log')
    const options = loggerOptions('info', true, file)
    expect(options.transport?.target).toBe('pino-pretty')
    // Through Fastify, as buildApp passes the options.
    const app = Fastify({ logger: options })
    onTestFinished(() => app.close())
    app.log.info({ route: '/health', status: 200 }, 'request')
    const text = await linesOf(file)
    expect(() => JSON.parse(text.split('\n')[0]!)).toThrow()
    expect(text).toMatch(/INFO.*request/)
    expect(text).toContain('route: "/health"')
  })
})
