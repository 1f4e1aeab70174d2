import type { Database } from '../database';
import type { Cell, ColumnSpec, SourceSpec, TableSpec } from '../scenario';
import { quote } from '../sql/windows';

/** What one source contributed to a batch. */
export interface SourceBatchStats {
  rows: number;
  minUs?: bigint;
  maxUs?: bigint;
  avgUs?: bigint;
}

/**
 * The streams' batch tables: each stream is a table holding exactly the rows of the current
 * micro-batch, so a query over it reads one batch. Static tables are plain tables.
 */
export class Streams {
  constructor(
    private readonly db: Database,
    readonly sources: SourceSpec[],
  ) {}

  static create(db: Database, sources: SourceSpec[], tables: TableSpec[]): Streams {
    for (const table of [...sources, ...tables]) {
      db.query(`CREATE OR REPLACE TABLE ${quote(table.name)} (${columnsDdl(table.columns)})`);
    }
    for (const table of tables) insertRows(db, table.name, table.columns, table.rows);
    return new Streams(db, sources);
  }

  /** Replaces every stream's batch table with this batch's rows (absent streams get none). */
  load(rows: Record<string, Cell[][]>, arrow: Record<string, Uint8Array> = {}): Map<string, SourceBatchStats> {
    const stats = new Map<string, SourceBatchStats>();
    for (const source of this.sources) {
      this.db.query(`DELETE FROM ${quote(source.name)}`);
      const json = rows[source.name];
      if (json?.length) insertRows(this.db, source.name, source.columns, json);
      const ipc = arrow[source.name];
      if (ipc) this.db.insertArrow(source.name, ipc, false);
      stats.set(source.name, this.statsOf(source));
    }
    return stats;
  }

  private statsOf(source: SourceSpec): SourceBatchStats {
    if (!source.eventTime) {
      const count = this.db
        .query(`SELECT count(*)::INTEGER AS n FROM ${quote(source.name)}`)
        .getChildAt(0)!
        .get(0) as number;
      return { rows: count };
    }
    const ts = `epoch_us(${quote(source.eventTime)})`;
    const table = this.db.query(
      `SELECT count(*)::INTEGER AS n, min(${ts}) AS lo, max(${ts}) AS hi, avg(${ts})::BIGINT AS mean FROM ${quote(source.name)}`,
    );
    const [rows, lo, hi, mean] = [0, 1, 2, 3].map((i) => table.getChildAt(i)!.get(0) as number | bigint | null);
    if (!rows) return { rows: 0 };
    return { rows: rows as number, minUs: BigInt(lo!), maxUs: BigInt(hi!), avgUs: BigInt(mean!) };
  }
}

function columnsDdl(columns: ColumnSpec[]): string {
  return columns.map(([name, type]) => `${quote(name)} ${type}`).join(', ');
}

export function insertRows(db: Database, table: string, columns: ColumnSpec[], rows: Cell[][]): void {
  const CHUNK = 1000;
  for (let at = 0; at < rows.length; at += CHUNK) {
    const values = rows
      .slice(at, at + CHUNK)
      .map((row) => `(${row.map((cell, i) => literal(cell, columns[i]![1])).join(', ')})`)
      .join(', ');
    db.query(`INSERT INTO ${quote(table)} VALUES ${values}`);
  }
}

function literal(cell: Cell, type: string): string {
  if (cell === null) return 'NULL';
  if (typeof cell === 'boolean') return cell ? 'TRUE' : 'FALSE';
  if (typeof cell === 'number') return `${cell}::${type}`;
  return `'${cell.replaceAll("'", "''")}'::${type}`;
}
