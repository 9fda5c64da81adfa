import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.js'

describe('loadConfig', () => {
  it('has embedded defaults for every setting', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({ port: 8787, host: '127.0.0.1', dataDir: path.resolve('./data'), databaseUrl: undefined, publicUrl: 'http://localhost:8787', logLevel: 'info' })
  })

  it.each([
    { description: 'port', env: { PORT: '9000' }, expected: { port: 9000, publicUrl: 'http://localhost:9000' } },
    { description: 'public URL without trailing slash', env: { PUBLIC_URL: 'https://crm.example.com/' }, expected: { publicUrl: 'https://crm.example.com' } },
    { description: 'PostgreSQL URL', env: { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' }, expected: { databaseUrl: 'postgres://u@127.0.0.1:5432/db' } },
    { description: 'boolean spelled yes', env: { TRUST_PROXY: 'yes' }, expected: { trustProxy: true } },
  ])('reads $description', ({ env, expected }) => {
    expect(loadConfig(env)).toMatchObject(expected)
  })

  it.each([
    { description: 'non-numeric port', env: { PORT: 'eighty' }, variable: 'PORT' },
    { description: 'port out of range', env: { PORT: '70000' }, variable: 'PORT' },
    { description: 'unknown log level', env: { LOG_LEVEL: 'loud' }, variable: 'LOG_LEVEL' },
    { description: 'public URL that is not a URL', env: { PUBLIC_URL: 'localhost:8787' }, variable: 'PUBLIC_URL' },
    { description: 'database URL of another engine', env: { DATABASE_URL: 'mysql://x@y/z' }, variable: 'DATABASE_URL' },
    { description: 'boolean that is neither', env: { TRUST_PROXY: 'maybe' }, variable: 'TRUST_PROXY' },
    { description: 'host with spaces', env: { HOST: 'my host' }, variable: 'HOST' },
    { description: 'misspelt SWITCHBOARD_ setting', env: { SWITCHBOARD_PROT: '1' }, variable: 'SWITCHBOARD_PROT' },
  ])('stops on $description, naming the variable', ({ env, variable }) => {
    let error: unknown
    try {
      loadConfig(env)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).variable).toBe(variable)
    expect((error as ConfigError).message).toMatch(new RegExp(`^${variable}: `))
  })
})

describe('WEBHOOKS_ALLOW_PRIVATE', () => {
  const meta = { META_APP_ID: '1234567890', WHATSAPP_APP_SECRET: 'secret' }
  it('is off with a Meta app, on in sandbox mode, and either way when set', () => {
    expect(loadConfig(meta).webhooksAllowPrivate).toBe(false)
    expect(loadConfig({}).webhooksAllowPrivate).toBe(true)
    expect(loadConfig({ ...meta, WEBHOOKS_ALLOW_PRIVATE: 'true' }).webhooksAllowPrivate).toBe(true)
    expect(loadConfig({ WEBHOOKS_ALLOW_PRIVATE: 'false' }).webhooksAllowPrivate).toBe(false)
    expect(() => loadConfig({ WEBHOOKS_ALLOW_PRIVATE: 'sometimes' })).toThrow('WEBHOOKS_ALLOW_PRIVATE: expected true or false')
  })
})
