import type { AddressInfo } from 'node:net'
import { expect } from 'vitest'
import { bearer, buildTestApp, createWorkspace, type TestApp, type TestWorkspace } from '../../../test/helper.js'
import type { WorkspaceId } from '../../ids.js'
import type { RecipientStatus } from '../../store/schema.js'
import type { Sandbox, SandboxOptions } from '../../whatsapp/sandbox/sandbox.js'
import type { Campaign, Recipient } from '../campaigns-repository.js'
import { createCampaignSender, type CampaignSender, type CampaignSenderOptions } from './sender.js'

type Method = 'GET' | 'POST'

/** A running app on a loopback port, a sandbox playing Meta that posts its webhooks back, a connected workspace. */
export interface SenderHarness {
  t: TestApp
  sandbox: Sandbox
  ws: TestWorkspace
  workspaceId: WorkspaceId
  phoneNumberId: string
  webhookUrl: string
  api (method: Method, url: string, payload?: object, headers?: Record<string, string>): Promise<{ status: number, body: any }>
  /** A sender over the app's store and services. */
  sender (options?: CampaignSenderOptions, workerId?: string): CampaignSender
  /** Sets the number's limits in the store (as a refresh from Meta would) and in the sandbox. */
  limits (input: { perSecond?: number, tier?: string | null }): Promise<void>
  /** A draft campaign with `count` rows submitted in 1,000-row chunks. */
  campaign (count: number, options?: { template?: { name: string, language: string }, variables?: (i: number) => Record<string, string>, from?: number, start?: boolean }): Promise<Campaign>
  get (campaignId: string): Promise<Campaign>
  recipients (campaignId: string): Promise<Recipient[]>
  /** Waits for the sandbox's webhooks to be delivered, then processes the inbox. */
  settle (): Promise<void>
  /** The incremental counters equal the ones recomputed from the rows. */
  expectCountersExact (campaignId: string): Promise<void>
}

/** The E.164 number of test row `i` (valid US numbers, distinct for i < 90,000). */
export function phoneOf (i: number): string {
  return `+1212${String(2_000_000 + i).padStart(7, '0')}`
}

/** A harness with tracking attached; closed with the test. */
export async function senderHarness (sandboxOptions: SandboxOptions = {}): Promise<SenderHarness> {
  const t = await buildTestApp({}, { sandbox: sandboxOptions })
  const sandbox = t.sandbox!
  const services = t.app.services
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = t.app.server.address() as AddressInfo
  const webhookUrl = `http://127.0.0.1:${port}/webhooks/whatsapp`
  await sandbox.setWebhookUrl(webhookUrl, { verifyToken: services.whatsapp.runtime.verifyToken! })

  const ws = await createWorkspace(t)
  await services.whatsapp.connection.connectSandbox(ws.workspaceId, { userId: ws.ownerId })
  await services.whatsapp.templates.sync(ws.workspaceId)
  const phoneNumberId = (await services.whatsapp.connections.listNumbers(ws.workspaceId))[0]!.id

  const api: SenderHarness['api'] = async (method, url, payload, headers = {}) => {
    const r = await t.app.inject({ method, url: `/api/v1${url}`, headers: { ...bearer(ws.token), ...headers }, ...(payload === undefined ? {} : { payload }) })
    return { status: r.statusCode, body: r.json() }
  }
  let chunk = 0
  const h: SenderHarness = {
    t,
    sandbox,
    ws,
    workspaceId: ws.workspaceId,
    phoneNumberId,
    webhookUrl,
    api,
    sender: (options = {}, workerId) => createCampaignSender({ store: t.store, services, runtime: services.whatsapp.runtime, ...(workerId === undefined ? {} : { workerId }), options }),
    async limits ({ perSecond, tier }) {
      const changes: { throughput_per_second?: number, messaging_limit_tier?: string | null } = {}
      if (perSecond !== undefined) {
        changes.throughput_per_second = perSecond
        sandbox.setThroughput(phoneNumberId, perSecond)
      }
      if (tier !== undefined) changes.messaging_limit_tier = tier
      await t.store.db.updateTable('whatsapp_numbers').set(changes).where('id', '=', phoneNumberId).execute()
    },
    async campaign (count, options = {}) {
      const template = options.template ?? { name: 'hello_world', language: 'en_US' }
      const created = await api('POST', '/campaigns', { name: `Test ${count}`, template, source: 'sheets' })
      expect(created.status, JSON.stringify(created.body)).toBe(201)
      const from = options.from ?? 0
      for (let i = 0; i < count; i += 1000) {
        const rows = Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({
          rowKey: `row-${from + i + j}`, phone: phoneOf(from + i + j), variables: options.variables?.(from + i + j) ?? {},
        }))
        chunk += 1
        const submitted = await api('POST', `/campaigns/${created.body.id}/recipients`, { rows }, { 'idempotency-key': `chunk-${chunk}-${Date.now()}` })
        expect(submitted.status, JSON.stringify(submitted.body).slice(0, 500)).toBe(200)
        expect(submitted.body.rejected).toBe(0)
      }
      if (options.start !== false) {
        const started = await api('POST', `/campaigns/${created.body.id}/start`, {})
        expect(started.status, JSON.stringify(started.body)).toBe(200)
      }
      return h.get(created.body.id)
    },
    async get (campaignId) {
      return (await services.campaignsRepository.get(ws.workspaceId, campaignId))!
    },
    async recipients (campaignId) {
      const out: Recipient[] = []
      let afterId: string | undefined
      for (;;) {
        const page = await services.campaignsRepository.recipients(ws.workspaceId, campaignId, { limit: 1000, afterId })
        out.push(...page)
        if (page.length < 1000) return out
        afterId = page[page.length - 1]!.id
      }
    },
    async settle () {
      await sandbox.whenWebhooksIdle(20_000)
      await services.whatsapp.webhooks.processor.drain()
    },
    async expectCountersExact (campaignId) {
      const campaign = await h.get(campaignId)
      const recount = await services.campaignsRepository.recount(ws.workspaceId, campaignId)
      const counts: Partial<Record<RecipientStatus, number>> = {}
      for (const status of Object.keys(recount) as RecipientStatus[]) counts[status] = campaign.counts[status]
      expect(counts).toEqual(recount)
      const total = Object.values(recount).reduce((a, b) => a + b, 0)
      expect(campaign.counts.total).toBe(total)
      const replied = await t.store.db.selectFrom('campaign_recipients').select((eb) => eb.fn.countAll<number>().as('n'))
        .where('campaign_id', '=', campaignId).where('replied_at', 'is not', null).executeTakeFirstOrThrow()
      expect(campaign.counts.replied).toBe(Number(replied.n))
    },
  }
  return h
}

/**
 * Each recipient's end state against what the sandbox (Meta) accepted: nobody messaged
 * twice; sent, delivered and read exactly once; failed with a reason; unknown only when
 * nothing reached Meta; nothing left pending or sending. Returns the rows that break
 * this (empty when none do), the count per status and when each message was accepted.
 */
export function checkEachMessagedOnce (sandbox: Sandbox, rows: readonly Recipient[]): { problems: string[], byStatus: Record<string, number>, acceptedAt: number[] } {
  const problems: string[] = []
  const byStatus: Record<string, number> = {}
  const acceptedAt: number[] = []
  for (const r of rows) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1
    const seen = sandbox.recipient(r.phone)
    for (const wamid of seen.wamids) {
      const message = sandbox.message(wamid)
      if (message !== undefined) acceptedAt.push(message.acceptedAt)
    }
    if (seen.accepted > 1) problems.push(`${r.rowKey} messaged ${seen.accepted} times`)
    else if (['sent', 'delivered', 'read'].includes(r.status)) { if (seen.accepted !== 1) problems.push(`${r.rowKey} ${r.status} but accepted ${seen.accepted} times`) }
    else if (r.status === 'failed') { if (r.reason === null) problems.push(`${r.rowKey} failed without a reason`) }
    else if (r.status === 'unknown') { if (seen.accepted !== 0) problems.push(`${r.rowKey} unknown though Meta accepted it`) }
    else problems.push(`${r.rowKey} left ${r.status}`)
  }
  return { problems, byStatus, acceptedAt }
}
