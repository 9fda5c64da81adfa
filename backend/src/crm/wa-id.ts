/**
 * The one normalisation between a WhatsApp id (`wa_id`) and the E.164 phones it can stand
 * for, used wherever a wa_id meets a stored phone: contact matching, reply attribution.
 *
 * Usually just `+<wa_id>`, but Meta keeps older spellings as wa_ids (its send answer's
 * `wa_id` "may differ" from the input; reference §1): Brazilian mobiles without the ninth
 * digit and Mexican mobiles with a 1 after 52. The currently dialable spelling comes first.
 */
export function whatsappPhones (waId: string): string[] {
  const plain = `+${waId}`
  // Only old eight-digit mobiles (6–9) gained the nine; a landline keeps its number.
  if (/^55\d{2}[6-9]\d{7}$/.test(waId)) return [`+${waId.slice(0, 4)}9${waId.slice(4)}`, plain]
  if (waId.startsWith('521') && waId.length === 13) return [`+52${waId.slice(3)}`, plain]
  return [plain]
}
