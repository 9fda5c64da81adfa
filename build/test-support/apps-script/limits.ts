/**
 * The Apps Script limits the local runtime enforces, so a test fails where Google would.
 * Quotas: developers.google.com/apps-script/guides/services/quotas (consumer accounts, the
 * stricter column). CacheService: the class reference. Spreadsheet: Sheets' published limits.
 */
export const LIMITS = {
  /** Script runtime per execution (menu items, google.script.run calls, installable triggers). */
  executionMs: 6 * 60_000,
  /** Simple triggers (onOpen, onEdit, onInstall as a simple trigger) get 30 seconds. */
  simpleTriggerMs: 30_000,
  /** Workspace add-ons (Gmail): every trigger and card action gets 30 seconds. */
  workspaceAddOnMs: 30_000,
  urlFetch: {
    callsPerDay: 20_000,
    /** POST body per call. */
    payloadBytes: 50 * 1024 * 1024,
    responseBytes: 50 * 1024 * 1024,
    urlLength: 2 * 1024,
    headerCount: 100,
    headerBytes: 8 * 1024,
    /** UrlFetchApp gives up on a request after 60 s. */
    timeoutMs: 60_000,
  },
  properties: {
    valueBytes: 9 * 1024,
    storeBytes: 500 * 1024,
    readsWritesPerDay: 50_000,
  },
  cache: {
    keyChars: 250,
    valueBytes: 100 * 1024,
    maxTtlSeconds: 21_600,
    defaultTtlSeconds: 600,
    /** putAll / getAll take at most this many keys. */
    batchKeys: 1_000,
  },
  triggers: {
    perUserPerScript: 20,
    /** Editor add-ons: time-driven triggers run at most hourly. */
    addOnMinIntervalMs: 60 * 60_000,
  },
  spreadsheet: {
    cells: 10_000_000,
    columns: 18_278,
    charsPerCell: 50_000,
  },
} as const

/**
 * How long services take in Google's data centres, added to the execution's clock on top of the
 * real time spent here (the backend on loopback answers far faster than over the internet).
 * These are estimates, not measurements of Google: a test that depends on time should pass
 * its own, pessimistic, figures.
 */
export interface LatencyModel {
  /** Round trip overhead of one UrlFetch request (fetchAll pays it once for the batch). */
  urlFetchMs: number
  /** Any SpreadsheetApp call that reaches the sheet (a range read or write). */
  spreadsheetCallMs: number
  /** Per cell read by getValues / getDisplayValues. */
  spreadsheetReadMsPerCell: number
  /** Per cell written by setValues. */
  spreadsheetWriteMsPerCell: number
  /** Each PropertiesService / CacheService call. */
  propertiesCallMs: number
}

/** Round figures for a healthy day; tests of time limits pass slower ones. */
export const DEFAULT_LATENCY: LatencyModel = {
  urlFetchMs: 150,
  spreadsheetCallMs: 50,
  spreadsheetReadMsPerCell: 0.01,
  spreadsheetWriteMsPerCell: 0.02,
  propertiesCallMs: 10,
}

/** Bytes of a string as UTF-8, the unit Apps Script's size limits count in. */
export function utf8Bytes (text: string): number {
  return Buffer.byteLength(text, 'utf8')
}
