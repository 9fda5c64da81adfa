import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * The CRM core knows no channel: WhatsApp, campaigns and the add-on view build on crm/,
 * never the other way round (architecture.md, "Proposed layout"). The add-on view that
 * composes crm/ and whatsapp/ lives in addon/.
 */
const CHANNELS = ['whatsapp', 'campaigns', 'conversations', 'addon']

describe('crm/ layering', () => {
  it('no module in crm/ imports a channel or the add-on view', () => {
    const dir = path.dirname(fileURLToPath(import.meta.url))
    const offending: string[] = []
    for (const name of fs.readdirSync(dir)) {
      if (!name.endsWith('.ts')) continue
      const text = fs.readFileSync(path.join(dir, name), 'utf8')
      for (const match of text.matchAll(/from\s+'(\.\.\/[^']+)'/g)) {
        const top = match[1]!.split('/')[1]!
        if (CHANNELS.includes(top)) offending.push(`${name} → ${match[1]}`)
      }
    }
    expect(offending).toEqual([])
  })
})
