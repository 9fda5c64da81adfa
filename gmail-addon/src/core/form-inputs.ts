/** The values a card's inputs had when a button was pressed, by field name. */
export type FormValues = Readonly<Record<string, readonly string[]>>

/**
 * Reads `commonEventObject.formInputs` (`{ field: { stringInputs: { value: [...] } } }`).
 * Gmail leaves out an empty text input and an unticked checkbox.
 */
export function formValuesOf (formInputs: unknown): FormValues {
  if (typeof formInputs !== 'object' || formInputs === null) return {}
  const values: Record<string, string[]> = {}
  for (const [name, input] of Object.entries(formInputs as Record<string, unknown>)) {
    const list = (input as { stringInputs?: { value?: unknown } } | null)?.stringInputs?.value
    if (Array.isArray(list)) values[name] = list.filter((v): v is string => typeof v === 'string')
  }
  return values
}

/** A text field's value, trimmed; '' when empty or absent. */
export function textValue (form: FormValues, name: string): string {
  return (form[name]?.[0] ?? '').trim()
}

/** Whether a checkbox (or multi-choice) field has `value` ticked. */
export function isTicked (form: FormValues, name: string, value: string): boolean {
  return form[name]?.includes(value) ?? false
}
