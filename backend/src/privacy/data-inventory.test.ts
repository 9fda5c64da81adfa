import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../../test/helper.js'
import type { Store } from '../store/database.js'
import { DATA_CATEGORIES, DATA_INVENTORY, INVENTORY_TABLES, limitedUseTables, resolvedColumns } from './data-inventory.js'
import { RETENTION_POLICIES } from './retention-policies.js'

/** Every table and its columns as the migrated database has them (not as schema.ts says). */
async function actualSchema (store: Store): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  if (store.dialect === 'sqlite') {
    const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table'
      and name not like 'sqlite_%' and name not like 'kysely_%' order by name`.execute(store.db)
    for (const { name } of tables.rows) {
      const columns = await sql<{ name: string }>`select name from pragma_table_info(${name})`.execute(store.db)
      out.set(name, columns.rows.map((c) => c.name))
    }
    return out
  }
  const rows = await sql<{ table_name: string, column_name: string }>`select table_name, column_name from information_schema.columns
    where table_schema = current_schema() and table_name not like 'kysely_%' order by table_name, ordinal_position`.execute(store.db)
  for (const r of rows.rows) out.set(r.table_name, [...(out.get(r.table_name) ?? []), r.column_name])
  return out
}

describe('data inventory', () => {
  it('declares exactly the tables and columns the migrations create', async () => {
    const t = await buildTestApp()
    const actual = await actualSchema(t.store)
    const problems: string[] = []
    for (const [table, columns] of actual) {
      const declared = (DATA_INVENTORY as Record<string, { columns: Record<string, unknown> }>)[table]
      if (declared === undefined) { problems.push(`table ${table} is not in the data inventory`); continue }
      for (const c of columns) if (!(c in declared.columns)) problems.push(`column ${table}.${c} is not declared`)
      for (const c of Object.keys(declared.columns)) if (!columns.includes(c)) problems.push(`declared column ${table}.${c} does not exist`)
    }
    for (const [table] of INVENTORY_TABLES) if (!actual.has(table)) problems.push(`declared table ${table} does not exist`)
    expect(problems).toEqual([])
  })

  it('gives every table with Google- or Microsoft-derived columns a provenance column that exists', async () => {
    const t = await buildTestApp()
    const actual = await actualSchema(t.store)
    const derived = limitedUseTables()
    expect(derived).toEqual(expect.arrayContaining(['activities', 'email_logs', 'campaigns', 'campaign_recipients', 'wa_messages']))
    for (const table of derived) {
      const decl = INVENTORY_TABLES.find(([name]) => name === table)![1]
      expect(decl.provenance, table).toBeDefined()
      const holder = decl.provenance!.parent?.table ?? table
      expect(actual.get(holder), `${holder}.${decl.provenance!.column}`).toContain(decl.provenance!.column)
      if (decl.provenance!.parent !== undefined) expect(actual.get(table)).toContain(decl.provenance!.parent.via)
    }
  })

  it('uses only known categories and retention periods, and never exports a credential', () => {
    const retentions = new Set<string>([...Object.keys(RETENTION_POLICIES), 'while_record_exists', 'while_user_exists', 'while_workspace_exists', 'transient'])
    for (const [table, decl] of INVENTORY_TABLES) {
      expect(retentions.has(decl.retention), table).toBe(true)
      expect(decl.purposes.some((p) => p === 'advertising' || p === 'model_training' || p === 'third_party_transfer'), table).toBe(false)
      for (const c of resolvedColumns(table)) {
        expect(Object.keys(DATA_CATEGORIES), `${table}.${c.name}`).toContain(c.category)
        expect(retentions.has(c.retention), `${table}.${c.name}`).toBe(true)
        if (c.category === 'credentials') expect(c.exported, `${table}.${c.name} is a credential`).toBe(false)
      }
    }
  })

  it('names every retention policy somewhere, so none is declared but never applied', () => {
    const used = new Set(INVENTORY_TABLES.flatMap(([table]) => resolvedColumns(table).map((c) => c.retention)))
    // Login activity and consents are table periods; bodies are column periods.
    for (const key of Object.keys(RETENTION_POLICIES)) expect(used.has(key as never), key).toBe(true)
  })
})
