/**
 * Developer metadata on whole columns, as Sheets documents it — the durable mark the
 * add-on puts on the columns it creates, so a user's own column with the same header is
 * never taken for one of ours.
 *
 * Modelled rules, each from Google's pages:
 * - Metadata sits on a row, a column, a sheet or the spreadsheet, never on an arbitrary range:
 *   "You can associate metadata with rows, columns, sheets, or a spreadsheet"
 *   (https://developers.google.com/sheets/api/guides/metadata). Range.addDeveloperMetadata on
 *   anything but whole columns throws here (rows and sheets are not modelled: the add-on uses neither).
 * - It follows its column: per the DeveloperMetadata resource
 *   (https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.developerMetadata),
 *   metadata on row 5 stays with that row when a row is inserted above it (it is then row 6),
 *   and is deleted with the object it is attached to. Inserting columns shifts it here.
 * - A finder returns every match of a key (Sheet.createDeveloperMetadataFinder,
 *   https://developers.google.com/apps-script/reference/spreadsheet/developer-metadata-finder).
 */

export interface ColumnMetadata {
  id: number
  key: string
  value: string | null
  column: number
}

/** The metadata of one sheet's columns. */
export class ColumnMetadataStore {
  private items: ColumnMetadata[] = []
  private nextId = 1

  add (column: number, key: string, value: string | null): ColumnMetadata {
    const item = { id: this.nextId++, key, value, column }
    this.items.push(item)
    return item
  }

  find (key: string | null): ColumnMetadata[] {
    return this.items.filter((m) => key === null || m.key === key)
  }

  remove (id: number): void {
    this.items = this.items.filter((m) => m.id !== id)
  }

  /** Columns inserted before `before`: metadata right of them moves with its column. */
  shift (before: number, howMany: number): void {
    for (const m of this.items) if (m.column >= before) m.column += howMany
  }

  /** Columns deleted: their metadata goes with them; the rest moves left. */
  deleteColumns (position: number, howMany: number): void {
    this.items = this.items.filter((m) => m.column < position || m.column >= position + howMany)
    for (const m of this.items) if (m.column >= position + howMany) m.column -= howMany
  }
}

/** What a script sees of one item: DeveloperMetadata with a column location. */
export function developerMetadataView (item: ColumnMetadata, store: ColumnMetadataStore, columnRange: (column: number) => unknown): object {
  return {
    getId: () => item.id,
    getKey: () => item.key,
    getValue: () => item.value,
    getVisibility: () => 'DOCUMENT',
    getLocation: () => ({
      getLocationType: () => 'COLUMN',
      getColumn: () => columnRange(item.column),
      getRow: () => null,
      getSheet: () => null,
    }),
    remove: () => { store.remove(item.id) },
  }
}
