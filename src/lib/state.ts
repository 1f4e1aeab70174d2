/**
 * What changed in an operator's state between two reads of the same page: the rows added and updated (by the
 * page's key columns, or whole rows when it has none), and the rows removed, which only a page holding the
 * whole state can tell (otherwise a row may just have moved to another page).
 */
import type { JsonValue, StatePage } from '../../workers/protocol';

export type StateMark = 'added' | 'updated' | null;

export interface StateChanges {
  /** One mark per row of the newer page. */
  marks: StateMark[];
  removed: JsonValue[][];
  /** The batch the older read came after. */
  since: number;
}

export function stateChanges(before: StatePage | null, after: StatePage): StateChanges | null {
  if (!before || before.table !== after.table || before.offset !== after.offset) return null;
  if (before.afterBatch >= after.afterBatch) return null;
  const keyAt = after.keyColumns.map((column) => after.columns.indexOf(column));
  const key = (row: JsonValue[]) => JSON.stringify(keyAt.length ? keyAt.map((i) => row[i]) : row);
  const old = new Map(before.rows.map((row) => [key(row), JSON.stringify(row)]));
  const marks = after.rows.map((row): StateMark => {
    const was = old.get(key(row));
    return was === undefined ? 'added' : was === JSON.stringify(row) ? null : 'updated';
  });
  const whole = (page: StatePage) => page.offset === 0 && page.rows.length === page.total;
  const kept = new Set(after.rows.map(key));
  const removed = whole(before) && whole(after) ? before.rows.filter((row) => !kept.has(key(row))) : [];
  return { marks, removed, since: before.afterBatch };
}

/**
 * The marks to show after a read. A read that comes back after the same batch as the one before (two batches
 * ran while it was in flight, so two reads were asked for) keeps that one's marks rather than clearing them.
 */
export function marksAfterRead(
  before: StatePage | null,
  shown: StateChanges | null,
  after: StatePage,
): StateChanges | null {
  const again =
    before !== null &&
    before.table === after.table &&
    before.offset === after.offset &&
    before.afterBatch === after.afterBatch;
  return again ? shown : stateChanges(before, after);
}
