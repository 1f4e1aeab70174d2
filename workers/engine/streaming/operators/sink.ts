import { tableToJsonRows, type JsonValue } from '../../values';
import type { Relation } from './operator';
import type { Statements } from './statements';

/** What reached the sink in one batch: the rows a report carries, and how many there were. */
export interface SinkOutput {
  rows: JsonValue[][];
  numOutputRows: number;
}

/**
 * The sink: reads the last operator's relation as the rows of the batch's report, in a stable order (the
 * user's ORDER BY, else every column). A large relation is counted and only its last rows are read.
 */
export function readSink(db: Statements, relation: Relation | null, inputRows: number): SinkOutput {
  if (!relation) return { rows: [], numOutputRows: 0 };
  const sql = relation.ordered ? relation.sql : `SELECT * FROM (${relation.sql}) ORDER BY ALL`;
  if (!relation.large || inputRows <= db.maxReportRows) {
    const rows = tableToJsonRows(db.query(sql)).rows;
    return { rows, numOutputRows: rows.length };
  }
  // Never copied: counted, then its last rows read.
  const total = db.count(relation.sql);
  const last = `SELECT * FROM (${relation.sql}) LIMIT ${db.maxReportRows} OFFSET ${Math.max(0, total - db.maxReportRows)}`;
  return { rows: tableToJsonRows(db.query(last)).rows, numOutputRows: total };
}
