import type { JsonValue } from '../../workers/protocol';

export interface CatalogTable {
  name: string;
  columns: [name: string, type: string][];
}

/** The SQL that lists the tables of the loaded run (its schema is the current one) with their columns. */
export const CATALOG_SQL = `SELECT table_name, column_name, data_type FROM duckdb_columns()
WHERE schema_name = current_schema() AND database_name <> 'temp' ORDER BY table_name, column_index`;

/** The static tables among the catalog's rows: not the streams, not the engine's own state tables (q<n>_...). */
export function staticTables(rows: JsonValue[][], streams: readonly string[]): CatalogTable[] {
  const skip = new Set(streams.map((name) => name.toLowerCase()));
  const tables = new Map<string, CatalogTable>();
  for (const [table, column, type] of rows as [string, string, string][]) {
    if (skip.has(table.toLowerCase()) || /^q\d+_/.test(table)) continue;
    let entry = tables.get(table);
    if (!entry) tables.set(table, (entry = { name: table, columns: [] }));
    entry.columns.push([column, type]);
  }
  return [...tables.values()];
}
