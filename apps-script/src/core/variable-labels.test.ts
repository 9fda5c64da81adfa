import { describe, expect, it } from 'vitest'
import { variableLabel } from './variable-labels.js'

describe('variableLabel', () => {
  it('names what each kind of variable takes and where it goes', () => {
    const label = (kind: Parameters<typeof variableLabel>[0]['kind'], component: 'header' | 'body' | 'button0' = 'header', name: string = kind): string => variableLabel({ key: `${component}.${name}`, name, kind })
    expect(label('text', 'body', 'first_name')).toBe('first_name')
    expect(label('text', 'header', 'first_name')).toBe('first_name (header)')
    expect(label('text', 'button0', '1')).toBe('1 (button)')
    expect(label('image')).toBe('image link (header, https://)')
    expect(label('document')).toBe('document link (header, https://)')
    expect(label('filename', 'header', 'filename')).toBe('document file name (header, optional)')
    expect(label('latitude')).toBe('location latitude (header)')
    expect(label('coupon_code', 'button0')).toBe('coupon code (copy-code button)')
    expect(label('payload', 'button0', 'payload')).toBe('quick-reply payload (button, optional)')
  })
})
