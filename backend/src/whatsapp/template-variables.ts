import type { MessageTemplate, TemplateComponentInput, TemplateDefinitionComponent, TemplateParameter } from './cloud-api/types.js'

/**
 * The variables of a WhatsApp template and how values fill them. Pure: the same rules
 * serve the preview, a single send from an add-on and a campaign's thousands of rows.
 *
 * A variable's key is `<component>.<name>`: `body.1`, `header.first_name`, `button0.1`
 * (URL button at index 0), `header.media` (an image, video or document link). Values may
 * also be given by bare name: in a NAMED template `first_name` fills that name wherever it
 * appears (what a sheet column called first_name means); in a POSITIONAL one `1` means
 * the body's {{1}}, since header and button numbers are separate variables.
 *
 * Every header and button kind Meta takes a send-time parameter for has its variables
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/ and
 * the send-messages reference): `header.filename` (document headers, optional),
 * `header.latitude` / `header.longitude` / `header.location_name` / `header.location_address`
 * (location headers: "The location (latitude, longitude, name, address) is specified at send
 * time"), `button<i>.coupon_code` (copy-code buttons: without it Meta answers 132000) and
 * `button<i>.payload` (quick-reply buttons, optional: the payload comes back when tapped).
 * These keys are only matched in full: `name` or `address` as bare names would catch
 * unrelated sheet columns.
 */
export type TemplateVariableKind =
  | 'text' | 'image' | 'video' | 'document' | 'filename'
  | 'latitude' | 'longitude' | 'location_name' | 'location_address'
  | 'coupon_code' | 'payload'

export interface TemplateVariable {
  key: string
  name: string
  component: 'header' | 'body' | 'button'
  buttonIndex?: number
  kind: TemplateVariableKind
  /** False for variables the send may leave out (a document's filename, a quick reply's payload). */
  required: boolean
  example: string | null
}

/** Kinds filled by the text of a placeholder, or the link of a media header: bare names work for these. */
const BARE_NAME_KINDS = new Set<TemplateVariableKind>(['text', 'image', 'video', 'document'])

/** Meta's copy-code limit (send-messages reference, copy code button): up to 15 characters. */
export const COUPON_CODE_MAX = 15

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g

function placeholders (text: string | undefined): string[] {
  if (text === undefined) return []
  const names: string[] = []
  for (const match of text.matchAll(PLACEHOLDER)) if (!names.includes(match[1]!)) names.push(match[1]!)
  return names
}

/** Example values Meta keeps with the definition, by placeholder name, when present. */
function examplesOf (component: TemplateDefinitionComponent): Map<string, string> {
  const examples = new Map<string, string>()
  const ex = component.example ?? {}
  const positional = (ex['body_text'] as string[][] | undefined)?.[0] ?? (ex['header_text'] as string[] | undefined)
  positional?.forEach((value, i) => examples.set(String(i + 1), String(value)))
  const named = (ex['body_text_named_params'] ?? ex['header_text_named_params']) as Array<{ param_name: string, example: string }> | undefined
  named?.forEach((p) => examples.set(p.param_name, p.example))
  return examples
}

/** Every variable of the template, in the order a person reads it (header, body, buttons). */
export function templateVariables (template: Pick<MessageTemplate, 'components'>): TemplateVariable[] {
  const variables: TemplateVariable[] = []
  for (const component of template.components) {
    if (component.type === 'HEADER') {
      if (component.format === 'IMAGE' || component.format === 'VIDEO' || component.format === 'DOCUMENT') {
        const handle = (component.example?.['header_handle'] as string[] | undefined)?.[0] ?? null
        variables.push({ key: 'header.media', name: 'media', component: 'header', kind: component.format.toLowerCase() as 'image', required: true, example: handle })
        if (component.format === 'DOCUMENT') variables.push({ key: 'header.filename', name: 'filename', component: 'header', kind: 'filename', required: false, example: null })
      } else if (component.format === 'LOCATION') {
        for (const kind of ['latitude', 'longitude', 'location_name', 'location_address'] as const) {
          variables.push({ key: `header.${kind}`, name: kind, component: 'header', kind, required: true, example: null })
        }
      } else {
        const examples = examplesOf(component)
        for (const name of placeholders(component.text)) variables.push({ key: `header.${name}`, name, component: 'header', kind: 'text', required: true, example: examples.get(name) ?? null })
      }
    } else if (component.type === 'BODY') {
      const examples = examplesOf(component)
      for (const name of placeholders(component.text)) variables.push({ key: `body.${name}`, name, component: 'body', kind: 'text', required: true, example: examples.get(name) ?? null })
    } else if (component.type === 'BUTTONS') {
      component.buttons?.forEach((button, index) => {
        const at = { component: 'button' as const, buttonIndex: index }
        if (button.type === 'URL') {
          for (const name of placeholders(button.url)) {
            variables.push({ key: `button${index}.${name}`, name, ...at, kind: 'text', required: true, example: button.example?.[0] ?? null })
          }
        } else if (button.type === 'COPY_CODE') {
          variables.push({ key: `button${index}.coupon_code`, name: 'coupon_code', ...at, kind: 'coupon_code', required: true, example: button.example?.[0] ?? null })
        } else if (button.type === 'QUICK_REPLY') {
          variables.push({ key: `button${index}.payload`, name: 'payload', ...at, kind: 'payload', required: false, example: null })
        }
      })
    }
  }
  return variables
}

/** The value for a variable: by full key first, else by bare name where that is unambiguous; blank counts as missing. */
function valueFor (variable: TemplateVariable, values: Readonly<Record<string, string | undefined>>, named: boolean): string | undefined {
  const bare = BARE_NAME_KINDS.has(variable.kind) && (named || variable.component === 'body') ? values[variable.name] : undefined
  const value = values[variable.key] ?? bare
  return value === undefined || value.trim() === '' ? undefined : value
}

export interface FilledTemplate {
  /** What the recipient will read: header, body, footer and button labels with values in place. */
  text: string
  /** The send's components, ready for the Cloud API client. */
  components: TemplateComponentInput[]
  /** Keys of required variables that have no value, or a value Meta would refuse (a latitude that is not a number). */
  missing: string[]
  /** Keys of media variables whose value is not an https link (`file:`, `javascript:`, `http:` …). */
  invalid: string[]
}

/**
 * Whether a media parameter's link may go to Meta. Meta fetches the file itself, so the
 * link must be public HTTPS; anything else (`file:`, `javascript:`, `gopher:`, plain
 * `http:`) is never something we should hand on.
 */
export function isHttpsLink (value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === ''
  } catch {
    return false
  }
}

/** Why a value cannot fill its variable, or undefined when it can. */
function problemOf (variable: TemplateVariable, value: string): string | undefined {
  if (variable.kind === 'latitude' || variable.kind === 'longitude') {
    const n = Number(value)
    const limit = variable.kind === 'latitude' ? 90 : 180
    if (!/^\s*-?\d+(\.\d+)?\s*$/.test(value) || Math.abs(n) > limit) return `must be a number from -${limit} to ${limit}`
  }
  if (variable.kind === 'coupon_code' && flatten(value).length > COUPON_CODE_MAX) return `must be at most ${COUPON_CODE_MAX} characters`
  return undefined
}

// Meta refuses text parameters containing newlines, tabs or more than four consecutive spaces (132012);
// sheet cells often carry them, so they are flattened rather than failing the row.
function flatten (value: string): string {
  return value.replace(/[\r\n\t]+/g, ' ').replace(/ {5,}/g, '    ').trim()
}

/** Fills the template with `values`; `missing` lists what could not be filled. */
export function fillTemplate (template: Pick<MessageTemplate, 'components' | 'parameterFormat'>, values: Readonly<Record<string, string | undefined>>): FilledTemplate {
  const variables = templateVariables(template)
  const named = template.parameterFormat === 'NAMED'
  const valueOf = (v: TemplateVariable): string | undefined => valueFor(v, values, named)
  const missing = variables.filter((v) => {
    const value = valueOf(v)
    return value === undefined ? v.required : problemOf(v, value) !== undefined
  }).map((v) => v.key)
  const text = (v: TemplateVariable | undefined): string | undefined => {
    const value = v === undefined ? undefined : valueOf(v)
    return value === undefined ? undefined : flatten(value)
  }
  const invalid = variables.filter((v) => (v.kind === 'image' || v.kind === 'video' || v.kind === 'document') && valueOf(v) !== undefined && !isHttpsLink(flatten(valueOf(v)!))).map((v) => v.key)
  const parameter = (v: TemplateVariable): TemplateParameter => {
    const value = text(v) ?? ''
    if (v.kind === 'image' || v.kind === 'video') return { type: v.kind, link: value }
    if (v.kind === 'document') {
      const filename = text(variables.find((x) => x.kind === 'filename'))
      return { type: 'document', link: value, ...(filename === undefined ? {} : { filename }) }
    }
    if (v.kind === 'coupon_code') return { type: 'coupon_code', couponCode: value }
    if (v.kind === 'payload') return { type: 'payload', payload: value }
    return named && v.component !== 'button' ? { type: 'text', text: value, parameterName: v.name } : { type: 'text', text: value }
  }
  const components: TemplateComponentInput[] = []
  const header = variables.filter((v) => v.component === 'header' && v.kind !== 'filename')
  if (header.some((v) => v.kind === 'latitude')) {
    // One location parameter carries all four values (send-messages reference, location header).
    const of = (kind: TemplateVariableKind): string => text(header.find((v) => v.kind === kind)) ?? ''
    components.push({ type: 'header', parameters: [{ type: 'location', latitude: Number(of('latitude')), longitude: Number(of('longitude')), name: of('location_name'), address: of('location_address') }] })
  } else if (header.length > 0) {
    components.push({ type: 'header', parameters: header.map(parameter) })
  }
  const body = variables.filter((v) => v.component === 'body')
  if (body.length > 0) components.push({ type: 'body', parameters: body.map(parameter) })
  const buttons = new Map<number, TemplateVariable[]>()
  for (const v of variables.filter((v) => v.component === 'button')) buttons.set(v.buttonIndex!, [...(buttons.get(v.buttonIndex!) ?? []), v])
  for (const [index, vars] of buttons) {
    // An optional payload left empty is left out: the button then sends its own text back.
    const given = vars.filter((v) => v.required || valueOf(v) !== undefined)
    if (given.length === 0) continue
    const subType = given[0]!.kind === 'coupon_code' ? 'copy_code' : given[0]!.kind === 'payload' ? 'quick_reply' : 'url'
    components.push({ type: 'button', subType, index, parameters: given.map(parameter) })
  }

  const substitute = (text: string, component: 'header' | 'body'): string =>
    text.replace(PLACEHOLDER, (whole, name: string) => {
      const v = variables.find((x) => x.component === component && x.name === name)
      const value = v === undefined ? undefined : valueOf(v)
      return value === undefined ? whole : flatten(value)
    })
  const lines: string[] = []
  for (const component of template.components) {
    if (component.type === 'HEADER') {
      if (component.format === 'TEXT' || component.format === undefined) lines.push(substitute(component.text ?? '', 'header'))
      else if (component.format === 'LOCATION') {
        const name = text(variables.find((v) => v.kind === 'location_name'))
        lines.push(`[location${name === undefined ? '' : `: ${name}`}]`)
      } else {
        const media = variables.find((v) => v.key === 'header.media')
        const link = media === undefined ? undefined : valueOf(media)
        lines.push(`[${(component.format ?? 'media').toLowerCase()}${link === undefined ? '' : `: ${link}`}]`)
      }
    } else if (component.type === 'BODY') {
      lines.push(substitute(component.text ?? '', 'body'))
    } else if (component.type === 'FOOTER') {
      lines.push(component.text ?? '')
    } else if (component.type === 'BUTTONS') {
      lines.push((component.buttons ?? []).map((b) => `[${b.text}]`).join(' '))
    }
  }
  return { text: lines.filter((l) => l !== '').join('\n'), components, missing, invalid }
}
