import type { TemplateVariable } from './template-variables.js'

/** A plausible value for every variable kind, as a sheet column or an add-on form would give it. */
export function sampleValue (v: TemplateVariable): string {
  switch (v.kind) {
    case 'text': return v.component === 'button' ? 'abc123' : 'Ada'
    case 'image': return 'https://cdn.example.com/p.jpg'
    case 'video': return 'https://cdn.example.com/p.mp4'
    case 'document': return 'https://cdn.example.com/p.pdf'
    case 'filename': return 'Invoice.pdf'
    case 'latitude': return '52.52'
    case 'longitude': return '13.405'
    case 'location_name': return 'Mitte store'
    case 'location_address': return 'Unter den Linden 1, Berlin'
    case 'coupon_code': return 'SAVE10'
    case 'payload': return `PAYLOAD_${v.buttonIndex ?? 0}`
  }
}
