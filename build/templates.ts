/** `{{NAME}}` markers in manifest templates. */
const PLACEHOLDER = /\{\{([A-Z_]+)\}\}/g

export function fillPlaceholders (template: string, values: Readonly<Record<string, string>>, encode: (value: string) => string = (v) => v): string {
  const filled = template.replace(PLACEHOLDER, (marker, name: string) => {
    const value = values[name]
    if (value === undefined) throw new Error(`Template placeholder ${marker} has no value`)
    return encode(value)
  })
  return filled
}

/** Fills a JSON template's string values and re-serialises it, so a value can never break the JSON. */
export function fillJsonTemplate (template: string, values: Readonly<Record<string, string>>): string {
  const filled = mapStrings(JSON.parse(template) as unknown, (s) => fillPlaceholders(s, values))
  return `${JSON.stringify(filled, null, 2)}\n`
}

export function fillXmlTemplate (template: string, values: Readonly<Record<string, string>>): string {
  return fillPlaceholders(template, values, escapeXml)
}

export function escapeXml (value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
}

function mapStrings (value: unknown, map: (s: string) => string): unknown {
  if (typeof value === 'string') return map(value)
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map))
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]))
  }
  return value
}
