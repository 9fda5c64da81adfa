import { describe, expect, it } from 'vitest'
import { createRandom } from './random.js'
import { send, startTestCollector, startTestSandbox, template } from './sandbox-test-helpers.js'
import type { SandboxOptions } from './sandbox.js'

type Outcome = 'ok' | 'failed:131026' | 'error:131000' | 'http5xx'

/** Sends `n` templates to distinct users and classifies each answer plus its later status. */
async function run (options: SandboxOptions, n: number): Promise<Outcome[]> {
  const collector = await startTestCollector()
  const sandbox = await startTestSandbox({
    ...options,
    webhookUrl: collector.url,
    webhooks: { readRate: 0, deliveredDelay: { minMs: 0, maxMs: 0 } },
    phoneNumbers: [{ id: '111', displayPhoneNumber: '+1 555-000-0001', throughputPerSecond: 1000 }],
  })
  const answers = []
  // Sequential, so the fault stream is consumed in a fixed order.
  for (let i = 0; i < n; i += 1) answers.push(await send(sandbox, { to: `+1650${String(5_000_000 + i)}`, ...template('hello_world', 'en_US') }))
  await sandbox.whenWebhooksIdle()
  const failed = new Set(collector.statuses().filter((s) => s.status === 'failed').map((s) => s.id))
  return answers.map((a) => {
    if (a.status === 502) return 'http5xx'
    if (a.status === 500) return `error:${a.body.error.code as number}` as Outcome
    return failed.has(a.body.messages[0].id) ? 'failed:131026' : 'ok'
  })
}

describe('fault injection', () => {
  it('injects each fault at its configured rate (fixed seed, within binomial tolerance)', async () => {
    const n = 800
    const outcomes = await run({ seed: 42, faults: { 131026: 0.1, 131000: 0.05, http5xx: 0.05, acceptedBeforeFailure: 0 } }, n)
    const count = (o: Outcome): number => outcomes.filter((x) => x === o).length
    // ±4 standard deviations of a binomial(n, p).
    const within = (actual: number, p: number): void => {
      const sd = Math.sqrt(n * p * (1 - p))
      expect(actual).toBeGreaterThan(n * p - 4 * sd)
      expect(actual).toBeLessThan(n * p + 4 * sd)
    }
    within(count('failed:131026'), 0.1)
    within(count('error:131000'), 0.05)
    within(count('http5xx'), 0.05)
    within(count('ok'), 0.8)
  }, 60_000)

  it('is reproducible: the same seed gives the same outcomes, another seed others', async () => {
    const faults = { 131026: 0.2, 131000: 0.2 }
    const a = await run({ seed: 7, faults }, 60)
    const b = await run({ seed: 7, faults }, 60)
    const c = await run({ seed: 8, faults }, 60)
    expect(a).toEqual(b)
    expect(c).not.toEqual(a)
  })

  it('answers 131000 with HTTP 500 and a Meta error body', async () => {
    const sandbox = await startTestSandbox({ faults: { 131000: 1 } })
    const answer = await send(sandbox, { to: '+16505551234', ...template('hello_world', 'en_US') })
    expect(answer.status).toBe(500)
    expect(answer.body.error).toMatchObject({ code: 131000, message: '(#131000) Something went wrong' })
    expect(sandbox.inspect().acceptedTotal).toBe(0)
  })

  it('answers http5xx faults without a Meta body, and sometimes the message went out anyway', async () => {
    const sandbox = await startTestSandbox({ faults: { http5xx: 1, acceptedBeforeFailure: 1 } })
    const answer = await send(sandbox, { to: '+16505551234', ...template('hello_world', 'en_US') })
    expect(answer.status).toBe(502)
    expect(typeof answer.body).toBe('string')
    // The ambiguity the client must respect: no wamid came back, yet the user got the message.
    expect(sandbox.inspect().acceptedTotal).toBe(1)
  })

  it('holds timeouts without answering and drops the connection after timeoutHoldMs', async () => {
    const sandbox = await startTestSandbox({ faults: { timeout: 1, timeoutHoldMs: 150, acceptedBeforeFailure: 0 } })
    const started = Date.now()
    const error = await fetch(`${sandbox.url}/v25.0/${sandbox.phoneNumberId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sandbox.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp', to: '+16505551234', ...template('hello_world', 'en_US') }),
    }).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(TypeError)
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    expect(sandbox.inspect().acceptedTotal).toBe(0)
  })

  it('answers slow faults late but normally', async () => {
    const sandbox = await startTestSandbox({ faults: { slow: 1, slowMs: 200 } })
    const started = Date.now()
    const answer = await send(sandbox, { to: '+16505551234', ...template('hello_world', 'en_US') })
    expect(answer.status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
  })

  it('refuses rates that add up to more than 1', async () => {
    const sandbox = await startTestSandbox()
    expect(() => sandbox.setFaults({ 131026: 0.6, timeout: 0.5 })).toThrow(RangeError)
    expect(() => sandbox.setFaults({ slow: -0.1 })).toThrow(RangeError)
  })

  it('answers within the configured latency', async () => {
    const sandbox = await startTestSandbox({ latency: { minMs: 60, maxMs: 80 } })
    const started = Date.now()
    await send(sandbox, { to: '+16505551234', ...template('hello_world', 'en_US') })
    const took = Date.now() - started
    expect(took).toBeGreaterThanOrEqual(55)
    expect(took).toBeLessThan(500)
  })
})

describe('seeded random', () => {
  it('repeats for a seed and stays in range', () => {
    const a = createRandom(1)
    const b = createRandom(1)
    const xs = Array.from({ length: 1000 }, () => a.next())
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()))
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length
    expect(mean).toBeGreaterThan(0.45)
    expect(mean).toBeLessThan(0.55)
    const r = createRandom(2)
    for (let i = 0; i < 200; i += 1) {
      const v = r.between(3, 5)
      expect([3, 4, 5]).toContain(v)
    }
  })
})
