import type { Database } from '../database';
import type { SourceSpec } from '../scenario';
import { identifierName, significant } from '../sql/tokens';
import type { StreamingQuery } from './query';

/** The column a narrowed batch table carries beside the columns read: each row's position in the batch. */
export const ROW_COLUMN = '__row';

/** Names a window table function's relation excludes from its stream's columns: they must stay in the table. */
const WINDOW_NAMES = new Set(['window_start', 'window_end', 'window_time', 'window']);

/**
 * Per stream, the columns the queries read, when that is fewer than all of them: only these are inserted into its
 * batch table. A stream is narrowed when every query that reads it starts with an aggregation over it (whose
 * internal statements name the columns they read), and DuckDB's own plan of that aggregation, with its column
 * pruning, scans no more of them than its SQL names. Everything else (late rows, the input head, the recorder) reads whole rows.
 */
export function columnsRead(db: Database, sources: SourceSpec[], queries: StreamingQuery[]): Map<string, string[]> {
  const read = new Map<string, Set<string>>();
  const refused = new Set<string>();
  for (const query of queries) {
    const first = query.plan.stages[0];
    const aggregated = first?.kind === 'aggregate' && query.plan.sources.every((name) => first.sources.includes(name));
    // DuckDB binds every column the SQL names before it prunes the unused ones: a named column must stay.
    const named = aggregated ? namesIn(first.reference) : [];
    for (const name of query.plan.sources) {
      const scanned = aggregated ? scannedColumns(db, first.reference, name) : null;
      if (!scanned) refused.add(name);
      else read.set(name, new Set([...(read.get(name) ?? []), ...scanned, ...named]));
    }
  }
  const narrowed = new Map<string, string[]>();
  for (const source of sources) {
    const names = read.get(source.name);
    if (!names || refused.has(source.name)) continue;
    const kept = source.columns
      .map(([name]) => name)
      .filter(
        (name) =>
          names.has(name.toLowerCase()) ||
          WINDOW_NAMES.has(name.toLowerCase()) ||
          name.toLowerCase() === source.eventTime?.toLowerCase(),
      );
    if (kept.length < source.columns.length) narrowed.set(source.name, kept);
  }
  return narrowed;
}

/** Every name in the SQL, lower-cased: whatever may be a column's. */
function namesIn(sql: string): string[] {
  return significant(sql)
    .filter((token) => token.kind === 'word' || token.kind === 'quoted')
    .map((token) => identifierName(token).toLowerCase());
}

/**
 * The columns of `table` DuckDB's optimised plan of `sql` scans, lower-cased; null when it cannot tell (the plan
 * fails, has no plain scan of the table, or filters inside the scan). Statistics are left out of the plan, or an
 * empty table would be planned as an empty result, and so is filter pushdown, whose columns the scan does not list.
 */
function scannedColumns(db: Database, sql: string, table: string): string[] | null {
  const setting = 'disabled_optimizers';
  const before = String(db.query(`SELECT current_setting('${setting}') AS v`).getChildAt(0)!.get(0) ?? '');
  const disabled = [...new Set([...before.split(',').filter(Boolean), 'statistics_propagation', 'filter_pushdown'])];
  db.query(`SET ${setting} = '${disabled.join(',')}'`);
  try {
    const plan: unknown = JSON.parse(String(db.query(`EXPLAIN (FORMAT json) ${sql}`).getChildAt(1)!.get(0)));
    const scans: Record<string, unknown>[] = [];
    collectScans(plan, table.toLowerCase(), scans);
    const columns: string[] = [];
    for (const info of scans) {
      const projections = info['Projections'];
      if ('Filters' in info || projections === undefined) return null;
      const names = Array.isArray(projections) ? projections.map(String) : [String(projections)].filter(Boolean);
      columns.push(...names.map((name) => name.toLowerCase()));
    }
    return scans.length > 0 ? columns : null;
  } catch {
    return null;
  } finally {
    db.query(`SET ${setting} = '${before}'`);
  }
}

/** The extra info of every node of the plan that reads `table`; a node other than a sequential scan counts as none. */
function collectScans(node: unknown, table: string, scans: Record<string, unknown>[]): void {
  if (Array.isArray(node)) {
    for (const child of node) collectScans(child, table, scans);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const { name, children, extra_info: info } = node as { name?: unknown; children?: unknown; extra_info?: unknown };
  const extra = (typeof info === 'object' && info !== null ? info : {}) as Record<string, unknown>;
  if (typeof extra['Table'] === 'string' && extra['Table'].toLowerCase() === table)
    scans.push(String(name).trim() === 'SEQ_SCAN' ? extra : { Filters: 'not a sequential scan' });
  collectScans(children, table, scans);
}
