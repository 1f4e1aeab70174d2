import { tableFromIPC } from 'apache-arrow';
import { tableToJsonRows, type JsonValue } from '../../values';
import type { Relation } from './operator';
import type { Statements } from './statements';

/** What reached the sink in one batch: the rows a report carries, and how many there were. */
export interface SinkOutput {
  rows: JsonValue[][];
  /** The same rows as DuckDB's Arrow IPC stream, for the live channel; null when the batch emitted nothing. */
  arrow: Uint8Array | null;
  numOutputRows: number;
}

/**
 * The sink: reads the last operator's relation as the rows of the batch's report, in a stable order (the
 * user's ORDER BY, else every column). A large relation is counted and only its last rows are read.
 */
export function readSink(db: Statements, relation: Relation | null, inputRows: number): SinkOutput {
  if (!relation) return { rows: [], arrow: null, numOutputRows: 0 };
  const sql = relation.ordered ? relation.sql : `SELECT * FROM (${relation.sql}) ORDER BY ALL`;
  if (!relation.large || inputRows <= db.maxReportRows) {
    const arrow = db.queryIPC(sql);
    const rows = tableToJsonRows(tableFromIPC(arrow)).rows;
    return { rows, arrow, numOutputRows: rows.length };
  }
  // Never copied: counted, then its last rows read.
  const total = db.count(relation.sql);
  const last = `SELECT * FROM (${relation.sql}) LIMIT ${db.maxReportRows} OFFSET ${Math.max(0, total - db.maxReportRows)}`;
  const arrow = db.queryIPC(last);
  return { rows: tableToJsonRows(tableFromIPC(arrow)).rows, arrow, numOutputRows: total };
}
