/**
 * What text and numbers may reach the store, checked over a parsed body without recursion.
 *
 * - NUL (U+0000): PostgreSQL cannot store it in text and SQLite's C APIs stop at it.
 * - Lone surrogates (`"\uD800"` without its pair): JavaScript strings allow them, UTF-8 does
 *   not, so each store would keep bytes that are not text (SQLite) or refuse them (PostgreSQL).
 * - Numbers beyond ±2^53: JSON allows `1e300`, but no count, size or amount here is that large,
 *   and past 2^53 integers are no longer exact.
 * - Nesting: no route takes more than a few levels; a body nested thousands deep exists only
 *   to exhaust a recursive walker's stack, so depth is capped and the walk uses its own stack.
 */

/** Deepest nesting of objects and arrays a body may have (the top-level object is depth 1). */
export const MAX_BODY_DEPTH = 32

export type InputProblem =
  | { kind: 'depth', path: string }
  | { kind: 'nul', path: string }
  | { kind: 'surrogate', path: string }
  | { kind: 'number', path: string }

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function stringProblem (text: string): 'nul' | 'surrogate' | undefined {
  if (text.includes('\u0000')) return 'nul'
  if (LONE_SURROGATE.test(text)) return 'surrogate'
  return undefined
}

function join (path: string, key: string): string {
  return path === '' ? key : `${path}/${key}`
}

/**
 * The first problem in a parsed value, with the path ("tags/2", "name") of the field, or
 * undefined. Buffers (raw bodies such as Meta's webhooks) are not text and are skipped.
 */
export function findInputProblem (value: unknown, maxDepth = MAX_BODY_DEPTH): InputProblem | undefined {
  const stack: Array<{ value: unknown, path: string, depth: number }> = [{ value, path: '', depth: 0 }]
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!
    if (typeof current === 'string') {
      const kind = stringProblem(current)
      if (kind !== undefined) return { kind, path }
      continue
    }
    if (typeof current === 'number') {
      if (!Number.isFinite(current) || Math.abs(current) > Number.MAX_SAFE_INTEGER) return { kind: 'number', path }
      continue
    }
    if (current === null || typeof current !== 'object' || ArrayBuffer.isView(current)) continue
    if (depth + 1 > maxDepth) return { kind: 'depth', path }
    const entries = Object.entries(current as Record<string, unknown>)
    // Pushed in reverse so the first field in the body is reported first.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!
      const keyKind = stringProblem(key)
      if (keyKind !== undefined) return { kind: keyKind, path: join(path, key.replace(/[\u0000\uD800-\uDFFF]/g, '\uFFFD')) }
      stack.push({ value: child, path: join(path, key), depth: depth + 1 })
    }
  }
  return undefined
}

/** What the problem is, in words that repeat none of the input (the `detail` of the 400). */
export function describeInputProblem (problem: InputProblem): string {
  switch (problem.kind) {
    case 'depth': return `is nested more than ${MAX_BODY_DEPTH} levels deep`
    case 'nul': return 'contains a NUL character (U+0000)'
    case 'surrogate': return 'contains a lone UTF-16 surrogate, which is not text (not valid Unicode)'
    case 'number': return `must be a finite number between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`
  }
}

/**
 * Text from a party we cannot refuse (Meta's signed webhooks) made storable: NUL and lone
 * surrogates become U+FFFD, the replacement character Unicode defines for exactly this.
 */
export function storableText (text: string): string {
  if (stringProblem(text) === undefined) return text
  return text.replace(/\u0000/g, '\uFFFD').replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD')
}
