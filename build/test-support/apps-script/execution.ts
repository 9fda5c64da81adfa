import { DEFAULT_LATENCY, LIMITS, type LatencyModel } from './limits.js'

/** Apps Script's authorization modes, least to most. */
export type AuthMode = 'NONE' | 'LIMITED' | 'FULL'

/** How an execution started; it decides the time limit and what the code may touch. */
export type ExecutionKind = 'call' | 'client' | 'simple-trigger' | 'trigger' | 'addon'

/** What one execution (or all of them) did, for tests that count calls. */
export interface Counters {
  /** Every HTTP request UrlFetchApp made: a fetchAll of five counts five, as Google's quota does. */
  urlFetchRequests: number
  fetchCalls: number
  fetchAllCalls: number
  getValues: number
  getDisplayValues: number
  setValues: number
  /** Every call that read cells: getValues, getDisplayValues, getValue, getDisplayValue. */
  rangeReads: number
  /** Every call that wrote cells: setValues, setValue, clearContent, appendRow. */
  rangeWrites: number
  cellsRead: number
  cellsWritten: number
  /** setNumberFormat(s): formatting, not values. */
  formatWrites: number
  /** Rows or columns inserted, deleted, hidden or shown. */
  structureChanges: number
  propertyReads: number
  propertyWrites: number
  cacheCalls: number
  lockCalls: number
}

/** Zeroed counters. */
export function emptyCounters (): Counters {
  return {
    urlFetchRequests: 0, fetchCalls: 0, fetchAllCalls: 0, getValues: 0, getDisplayValues: 0, setValues: 0,
    rangeReads: 0, rangeWrites: 0, cellsRead: 0, cellsWritten: 0, formatWrites: 0, structureChanges: 0,
    propertyReads: 0, propertyWrites: 0, cacheCalls: 0, lockCalls: 0,
  }
}

/** One finished execution. */
export interface ExecutionRecord {
  functionName: string
  kind: ExecutionKind
  authMode: AuthMode
  /** Virtual epoch ms at start. */
  startedAt: number
  /** Real time spent plus the latency model's share: what Google's clock would have shown. */
  elapsedMs: number
  limitMs: number
  counters: Counters
  /** The message the execution ended with, when it threw. */
  error?: string
}

/** Who may call a service method: the lowest auth mode, and the scopes of which one must be granted. */
export interface AccessRule {
  mode: AuthMode
  scopes?: readonly string[]
}

const RANK: Record<AuthMode, number> = { NONE: 0, LIMITED: 1, FULL: 2 }

/** Thrown once the time limit passes; Apps Script kills the execution, so nothing may catch it for good. */
export class ExecutionTimeExceeded extends Error {
  constructor () {
    super('Exceeded maximum execution time')
    this.name = 'Exception'
  }
}

/**
 * The clock, the auth mode, the granted scopes and the counters that every fake service
 * consults. Outside an execution (a test arranging a sheet, as a person would) nothing is
 * checked or counted.
 */
export class ExecutionContext {
  authMode: AuthMode = 'FULL'
  latency: LatencyModel
  readonly totals: Counters = emptyCounters()
  readonly records: ExecutionRecord[] = []
  /** Whether the running execution has an active document (time-driven triggers have none). */
  hasActiveDocument = true
  private current: { record: ExecutionRecord, realStart: number, killed: boolean } | undefined
  private started = 0
  /** Virtual time minus real time: grows with simulated latency and with `advance`. */
  private offsetMs = 0

  constructor (private readonly grantedScopes: readonly string[] | undefined, latency: Partial<LatencyModel> = {}) {
    this.latency = { ...DEFAULT_LATENCY, ...latency }
  }

  /** The time Apps Script code sees (Date.now, new Date()). */
  now (): number {
    return Date.now() + this.offsetMs
  }

  /** Lets time pass between executions (an hour for the next trigger) or inside one (Utilities.sleep). */
  advance (ms: number): void {
    this.offsetMs += ms
  }

  /** Counts executions from 1; state that lives for one execution (Gmail's access token) keys on it. */
  get executionNumber (): number {
    return this.started
  }

  get active (): boolean {
    return this.current !== undefined
  }

  /** Counters of the running execution. */
  get counters (): Counters {
    return this.current?.record.counters ?? emptyCounters()
  }

  /** Runs `body` as one execution with its own time limit and counters; nested calls join the outer one. */
  execute<T> (functionName: string, kind: ExecutionKind, authMode: AuthMode, body: () => T): T {
    if (this.current !== undefined) return body()
    const limitMs = kind === 'simple-trigger' ? LIMITS.simpleTriggerMs : kind === 'addon' ? LIMITS.workspaceAddOnMs : LIMITS.executionMs
    this.started++
    const record: ExecutionRecord = { functionName, kind, authMode, startedAt: this.now(), elapsedMs: 0, limitMs, counters: emptyCounters() }
    this.current = { record, realStart: performance.now(), killed: false }
    const previousMode = this.authMode
    this.authMode = authMode
    try {
      const result = body()
      // Google would have stopped it at the limit, whatever it did after.
      this.checkTime()
      return result
    } catch (error) {
      record.error = this.current.killed ? new ExecutionTimeExceeded().message : (error instanceof Error ? error.message : String(error))
      if (this.current.killed && !(error instanceof ExecutionTimeExceeded)) throw new ExecutionTimeExceeded()
      throw error
    } finally {
      record.elapsedMs = this.elapsed()
      this.authMode = previousMode
      this.current = undefined
      this.records.push(record)
      for (const key of Object.keys(record.counters) as Array<keyof Counters>) this.totals[key] += record.counters[key]
    }
  }

  /** Virtual ms since the running execution began. */
  elapsed (): number {
    if (this.current === undefined) return 0
    return this.now() - this.current.record.startedAt
  }

  /**
   * Gate for every service method: auth mode, scopes, and the time limit. `name` reads like
   * Google's messages (`UrlFetchApp.fetch`).
   */
  enter (name: string, rule: AccessRule): void {
    if (this.current === undefined) return
    this.checkTime()
    if (RANK[this.authMode] < RANK[rule.mode]) {
      throw new Error(`Exception: You do not have permission to call ${name} (AuthMode.${this.authMode})`)
    }
    const needed = rule.scopes
    if (needed !== undefined && this.grantedScopes !== undefined && !needed.some((scope) => this.grantedScopes!.includes(scope))) {
      throw new Error(`Exception: Specified permissions are not sufficient to call ${name}. Required permissions: ${needed.join(' || ')}`)
    }
  }

  /** Adds simulated service time to the running execution. */
  spend (ms: number): void {
    if (this.current === undefined || ms <= 0) return
    this.offsetMs += ms
  }

  count (key: keyof Counters, by = 1): void {
    if (this.current === undefined) return
    this.current.record.counters[key] += by
  }

  /** Throws once the running execution is past its limit, and on every service call after that. */
  checkTime (): void {
    if (this.current === undefined) return
    if (this.current.killed || this.elapsed() > this.current.record.limitMs) {
      this.current.killed = true
      throw new ExecutionTimeExceeded()
    }
  }
}
