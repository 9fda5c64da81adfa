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
 */
export interface TemplateVariable {
  key: string
  name: string
  component: 'header' | 'body' | 'button'
  buttonIndex?: number
  kind: 'text' | 'image' | 'video' | 'document'
  example: string | null
}

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
        variables.push({ key: 'header.media', name: 'media', component: 'header', kind: component.format.toLowerCase() as 'image', example: handle })
      } else {
        const examples = examplesOf(component)
        for (const name of placeholders(component.text)) variables.push({ key: `header.${name}`, name, component: 'header', kind: 'text', example: examples.get(name) ?? null })
      }
    } else if (component.type === 'BODY') {
      const examples = examplesOf(component)
      for (const name of placeholders(component.text)) variables.push({ key: `body.${name}`, name, component: 'body', kind: 'text', example: examples.get(name) ?? null })
    } else if (component.type === 'BUTTONS') {
      component.buttons?.forEach((button, index) => {
        if (button.type !== 'URL') return
        for (const name of placeholders(button.url)) {
          variables.push({ key: `button${index}.${name}`, name, component: 'button', buttonIndex: index, kind: 'text', example: button.example?.[0] ?? null })
        }
      })
    }
  }
  return variables
}

/** The value for a variable: by full key first, else by bare name where that is unambiguous; blank counts as missing. */
function valueFor (variable: TemplateVariable, values: Readonly<Record<string, string | undefined>>, named: boolean): string | undefined {
  const bare = named || variable.component === 'body' ? values[variable.name] : undefined
  const value = values[variable.key] ?? bare
  return value === undefined || value.trim() === '' ? undefined : value
}

export interface FilledTemplate {
  /** What the recipient will read: header, body, footer and button labels with values in place. */
  text: string
  /** The send's components, ready for the Cloud API client. */
  components: TemplateComponentInput[]
  /** Keys of variables that have no value. */
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
  const missing = variables.filter((v) => valueOf(v) === undefined).map((v) => v.key)
  const invalid = variables.filter((v) => v.kind !== 'text' && valueOf(v) !== undefined && !isHttpsLink(flatten(valueOf(v)!))).map((v) => v.key)
  const parameter = (v: TemplateVariable): TemplateParameter => {
    const value = flatten(valueOf(v) ?? '')
    if (v.kind !== 'text') return { type: v.kind, link: value }
    return named && v.component !== 'button' ? { type: 'text', text: value, parameterName: v.name } : { type: 'text', text: value }
  }
  const components: TemplateComponentInput[] = []
  const header = variables.filter((v) => v.component === 'header')
  if (header.length > 0) components.push({ type: 'header', parameters: header.map(parameter) })
  const body = variables.filter((v) => v.component === 'body')
  if (body.length > 0) components.push({ type: 'body', parameters: body.map(parameter) })
  const buttons = new Map<number, TemplateVariable[]>()
  for (const v of variables.filter((v) => v.component === 'button')) buttons.set(v.buttonIndex!, [...(buttons.get(v.buttonIndex!) ?? []), v])
  for (const [index, vars] of buttons) components.push({ type: 'button', subType: 'url', index, parameters: vars.map(parameter) })

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
      else {
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
