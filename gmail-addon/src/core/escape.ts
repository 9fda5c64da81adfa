/**
 * Escapes text for CardService widgets that interpret a subset of HTML (TextParagraph,
 * DecoratedText). Without it a sender named `<a href=…>` would render a link in our card.
 */
export function escapeCardText (text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}
