/**
 * Keeps a page's `[data-live]` regions current: fetches the same page every two seconds
 * and swaps in the new regions, until the page says it is final (`data-final="true"`).
 * Without JavaScript the page still works; it just needs a reload.
 *
 * The backend's TypeScript program has no DOM library (it is Node code), so the few
 * browser members used here are declared locally instead of giving the whole backend
 * DOM globals; `export {}` makes this a module, so those declarations stay in this file.
 */
export {}

interface LiveElement {
  id: string
  innerHTML: string
  getAttribute: (name: string) => string | null
  contains: (other: unknown) => boolean
  setAttribute: (name: string, value: string) => void
}
interface LiveDocument {
  querySelectorAll: (selector: string) => ArrayLike<LiveElement>
  querySelector: (selector: string) => LiveElement | null
  getElementById: (id: string) => LiveElement | null
  activeElement: unknown
}
declare const document: LiveDocument
declare const location: { href: string }
declare class DOMParser {
  parseFromString (text: string, type: 'text/html'): LiveDocument
}

const INTERVAL_MS = 2000

function isFinal (doc: LiveDocument): boolean {
  return doc.querySelector('[data-final="true"]') !== null
}

async function refresh (): Promise<void> {
  const response = await fetch(location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin' })
  // Signed out (fetch followed the redirect to sign-in) or gone: stop quietly; the next click shows the reason.
  if (!response.ok || response.redirected) return
  const fresh = new DOMParser().parseFromString(await response.text(), 'text/html')
  for (const current of Array.from(document.querySelectorAll('[data-live]'))) {
    const next = fresh.getElementById(current.id)
    if (next === null || next.innerHTML === current.innerHTML) continue
    // Never pull a button out from under the keyboard: a region holding focus waits until focus moves.
    if (current.contains(document.activeElement) && !isFinal(fresh)) continue
    current.innerHTML = next.innerHTML
    const final = next.getAttribute('data-final')
    if (final !== null) current.setAttribute('data-final', final)
  }
  if (!isFinal(fresh)) setTimeout(() => { void refresh().catch(retryLater) }, INTERVAL_MS)
}

function retryLater (): void {
  setTimeout(() => { void refresh().catch(retryLater) }, INTERVAL_MS * 2)
}

if (!isFinal(document)) setTimeout(() => { void refresh().catch(retryLater) }, INTERVAL_MS)
