import type { TemplateVariable } from './api-types.js'

/**
 * What to call a template variable in a form, so a salesperson or sheet owner knows what to type: the name the template
 * gives it and which part of the message it fills. Both add-ons (Gmail's cards, the Sheets sidebar) label variables this
 * way, so one template reads the same beside an email and in a sheet.
 */
export function variableLabel (v: Pick<TemplateVariable, 'key' | 'name' | 'kind'>): string {
  // A key is `<component>.<name>` (`body.1`, `header.first_name`, `button0.1`): the Gmail add-on's card state keeps only
  // the key, so the part of the message is read from it.
  const component = v.key.startsWith('header.') ? 'header' : v.key.startsWith('button') ? 'button' : 'body'
  switch (v.kind) {
    case 'text': return component === 'body' ? v.name : `${v.name} (${component})`
    case 'image':
    case 'video':
    case 'document': return `${v.kind} link (header, https://)`
    case 'filename': return 'document file name (header, optional)'
    case 'latitude': return 'location latitude (header)'
    case 'longitude': return 'location longitude (header)'
    case 'location_name': return 'location name (header)'
    case 'location_address': return 'location address (header)'
    case 'coupon_code': return 'coupon code (copy-code button)'
    case 'payload': // Meta takes a quick-reply payload at send time but never requires one.
      return 'quick-reply payload (button, optional)'
  }
}
