/** A 1-based column index as Sheets labels it (`1` → `A`, `27` → `AA`). */
export function columnLetters (index: number): string {
  let letters = ''
  let n = index
  while (n > 0) {
    const rest = (n - 1) % 26
    letters = String.fromCharCode(65 + rest) + letters
    n = Math.floor((n - 1) / 26)
  }
  return letters
}
