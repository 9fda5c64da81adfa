import type { ExecutionContext } from './execution.js'
import { LIMITS, utf8Bytes } from './limits.js'

/**
 * PropertiesService's stores, CacheService and LockService with Google's limits: 9 KB per
 * property value and 500 KB per store, 250-character cache keys and 100 KB values that
 * expire on the execution clock, and locks that another execution can hold.
 */

const quotaMessage = 'Exception: You have exceeded the property storage quota. Please remove some properties and try again.'

/** Bytes a store holds, counted the way its quota is (keys and values). */
export function storeBytes (store: ReadonlyMap<string, string>): number {
  let total = 0
  for (const [key, value] of store) total += utf8Bytes(key) + utf8Bytes(value)
  return total
}

/** A Properties object over `store`. */
export function fakeProperties (exec: ExecutionContext, store: Map<string, string>): object {
  const touch = (name: string, kind: 'propertyReads' | 'propertyWrites'): void => {
    exec.enter(`Properties.${name}`, { mode: 'LIMITED' })
    exec.count(kind)
    exec.spend(exec.latency.propertiesCallMs)
  }
  const checkValue = (key: unknown, value: unknown): string => {
    if (typeof key !== 'string' || key === '') throw new Error('Exception: Invalid argument: key')
    // Apps Script stores strings: anything else arrives as its String() form.
    const text = String(value)
    if (utf8Bytes(text) > LIMITS.properties.valueBytes) throw new Error('Exception: Argument too large: value')
    return text
  }
  const properties = {
    getProperty (key: string): string | null {
      touch('getProperty', 'propertyReads')
      return store.get(key) ?? null
    },
    getProperties (): Record<string, string> {
      touch('getProperties', 'propertyReads')
      return Object.fromEntries(store)
    },
    getKeys (): string[] {
      touch('getKeys', 'propertyReads')
      return [...store.keys()]
    },
    setProperty (key: string, value: string) {
      touch('setProperty', 'propertyWrites')
      const text = checkValue(key, value)
      const next = new Map(store).set(key, text)
      if (storeBytes(next) > LIMITS.properties.storeBytes) throw new Error(quotaMessage)
      store.set(key, text)
      return properties
    },
    setProperties (values: Record<string, unknown>, deleteAllOthers = false) {
      touch('setProperties', 'propertyWrites')
      const next = deleteAllOthers ? new Map<string, string>() : new Map(store)
      for (const [key, value] of Object.entries(values)) next.set(key, checkValue(key, value))
      if (storeBytes(next) > LIMITS.properties.storeBytes) throw new Error(quotaMessage)
      store.clear()
      for (const [key, value] of next) store.set(key, value)
      return properties
    },
    deleteProperty (key: string) {
      touch('deleteProperty', 'propertyWrites')
      store.delete(key)
      return properties
    },
    deleteAllProperties () {
      touch('deleteAllProperties', 'propertyWrites')
      store.clear()
      return properties
    },
  }
  return properties
}

interface CacheEntry { value: string, expiresAt: number }

/** A Cache over `entries`; expiry follows the execution clock. */
export function fakeCache (exec: ExecutionContext, entries: Map<string, CacheEntry>): object {
  const touch = (name: string): void => {
    exec.enter(`Cache.${name}`, { mode: 'LIMITED' })
    exec.count('cacheCalls')
    exec.spend(exec.latency.propertiesCallMs)
  }
  const checkKey = (key: unknown): string => {
    if (typeof key !== 'string' || key === '') throw new Error('Exception: Invalid argument: key')
    if (key.length > LIMITS.cache.keyChars) throw new Error('Exception: Argument too large: key')
    return key
  }
  const live = (key: string): string | null => {
    const entry = entries.get(key)
    if (entry === undefined) return null
    if (entry.expiresAt <= exec.now()) {
      entries.delete(key)
      return null
    }
    return entry.value
  }
  const store = (key: string, value: unknown, ttl?: number): void => {
    const text = String(value)
    if (utf8Bytes(text) > LIMITS.cache.valueBytes) throw new Error('Exception: Argument too large: value')
    const seconds = Math.min(ttl ?? LIMITS.cache.defaultTtlSeconds, LIMITS.cache.maxTtlSeconds)
    entries.set(checkKey(key), { value: text, expiresAt: exec.now() + seconds * 1000 })
  }
  return {
    get (key: string) {
      touch('get')
      return live(checkKey(key))
    },
    getAll (keys: string[]) {
      touch('getAll')
      if (keys.length > LIMITS.cache.batchKeys) throw new Error('Exception: Argument too large: keys')
      const found: Record<string, string> = {}
      for (const key of keys) {
        const value = live(checkKey(key))
        if (value !== null) found[key] = value
      }
      return found
    },
    put (key: string, value: string, ttl?: number) {
      touch('put')
      store(key, value, ttl)
    },
    putAll (values: Record<string, string>, ttl?: number) {
      touch('putAll')
      if (Object.keys(values).length > LIMITS.cache.batchKeys) throw new Error('Exception: Argument too large: values')
      for (const [key, value] of Object.entries(values)) store(key, value, ttl)
    },
    remove (key: string) {
      touch('remove')
      entries.delete(checkKey(key))
    },
    removeAll (keys: string[]) {
      touch('removeAll')
      for (const key of keys) entries.delete(checkKey(key))
    },
  }
}

/** Cache entries of one scope (user, script, document). */
export type CacheStore = Map<string, CacheEntry>

/** Which locks another execution holds; tests set it to see what the code does when it must wait. */
export interface LockTable {
  heldElsewhere: Set<'document' | 'script' | 'user'>
}

/** A Lock of `kind`: waitLock advances the execution clock by the time it waited. */
export function fakeLock (exec: ExecutionContext, table: LockTable, kind: 'document' | 'script' | 'user'): object {
  let held = false
  const touch = (name: string): void => {
    exec.enter(`Lock.${name}`, { mode: 'LIMITED' })
    exec.count('lockCalls')
  }
  const attempt = (timeoutMs: number): boolean => {
    if (table.heldElsewhere.has(kind)) {
      exec.spend(timeoutMs)
      exec.checkTime()
      return false
    }
    held = true
    return true
  }
  return {
    tryLock (timeoutMs: number) {
      touch('tryLock')
      return attempt(timeoutMs)
    },
    waitLock (timeoutMs: number) {
      touch('waitLock')
      if (!attempt(timeoutMs)) throw new Error('Exception: Lock timeout: another process was holding the lock for too long.')
    },
    hasLock () {
      return held
    },
    releaseLock () {
      held = false
    },
  }
}
