import { createConfig, lintFromString } from '@redocly/openapi-core'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../../test/helper.js'
import { EVENT_TYPES } from '../events/catalog.js'
import { NOT_OPERATIONS, OPERATION_IDS } from './operation-ids.js'

const PUBLIC_URL = 'https://crm.acme.example'

async function documentOf () {
  const t = await buildTestApp({ PUBLIC_URL })
  const response = await t.app.inject({ url: '/openapi.json' })
  expect(response.statusCode).toBe(200)
  return { t, text: response.body, doc: response.json() as { servers: Array<{ url: string }>, paths: Record<string, Record<string, { operationId?: string, responses: Record<string, unknown> }>>, webhooks: Record<string, unknown>, info: Record<string, unknown> } }
}

describe('the OpenAPI document', () => {
  it('is clean under Redocly\'s recommended rules (linted offline)', async () => {
    const { text } = await documentOf()
    const config = await createConfig({ extends: ['recommended'] })
    const problems = await lintFromString({ source: text, absoluteRef: `${PUBLIC_URL}/openapi.json`, config })
    expect(problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}`)).toEqual([])
  })

  it('names PUBLIC_URL as its server and carries a license', async () => {
    const { doc } = await documentOf()
    expect(doc.servers.map((s) => s.url)).toEqual([PUBLIC_URL])
    expect(doc.info['license']).toMatchObject({ name: expect.any(String) })
  })

  it('gives every operation its chosen operationId, with no stale names, and leaves static files and browser pages out', async () => {
    const { t, doc } = await documentOf()
    const documented = new Map<string, string | undefined>()
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) documented.set(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, operation.operationId)
    }
    expect([...documented].filter(([, id]) => id === undefined).map(([key]) => key), 'operations without an operationId').toEqual([])
    for (const [key, id] of documented) expect(id, key).toBe(OPERATION_IDS[key])
    const routes = new Set(t.app.routeAccess.map((r) => `${r.method} ${r.url}`))
    expect(Object.keys(OPERATION_IDS).filter((key) => !routes.has(key)), 'operationIds of routes that no longer exist').toEqual([])
    expect([...NOT_OPERATIONS].filter((key) => !routes.has(key)), 'hidden routes that no longer exist').toEqual([])
    expect(Object.keys(doc.paths).filter((p) => p.includes('*') || p.startsWith('/outlook') || p.startsWith('/app'))).toEqual([])
    expect(new Set(documented.values()).size).toBe(documented.size)
  })

  it('describes every outbound webhook event as an OpenAPI webhook with its signature headers', async () => {
    const { doc } = await documentOf()
    expect(Object.keys(doc.webhooks)).toEqual(EVENT_TYPES)
    const received = doc.webhooks['message.received'] as { post: { parameters: Array<{ name: string }>, requestBody: { content: { 'application/json': { schema: { properties: { type: { const: string } } } } } } } }
    expect(received.post.parameters.map((p) => p.name)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature'])
    expect(received.post.requestBody.content['application/json'].schema.properties.type.const).toBe('message.received')
  })

  it('declares the public privacy pages as the HTML they answer, not as JSON strings', async () => {
    const { t, doc } = await documentOf()
    for (const path of ['/privacy', '/scopes', '/data-deletion', '/data-deletion/status/{code}']) {
      const ok = doc.paths[path]!['get']!.responses['200'] as { content: Record<string, { schema: { type: string } }> }
      expect(Object.keys(ok.content), path).toEqual(['text/html'])
      expect(ok.content['text/html']!.schema.type, path).toBe('string')
    }
    const page = await t.app.inject({ url: '/privacy' })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.body).toMatch(/^<!doctype html>/i)
  })

  it('refuses a health probe with parameters it does not take, naming them', async () => {
    const { t } = await documentOf()
    const refused = await t.app.inject({ url: '/health?verbose=1' })
    expect(refused.statusCode).toBe(400)
    expect(refused.json()).toMatchObject({ code: 'SB_VALIDATION', field: 'verbose' })
    expect((await t.app.inject({ url: '/health' })).statusCode).toBe(200)
  })
})
