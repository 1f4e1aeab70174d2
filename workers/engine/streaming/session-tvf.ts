/**
 * Flink's SESSION window table function without an aggregation (window-tvf.md): each row comes out with its
 * session's window_start, window_end and window_time once the watermark passes the session's end, when no later row
 * can join the session any more. It runs on the session operator, keeping the open sessions' rows.
 */
import type { OutputMode, SourceSpec } from '../scenario';
import { quote } from '../sql/windows';
import type { Analysis } from './analysis';
import { lateFrom } from './operators/statements';
import type { SessionPlan } from './plan';
import { checkSessionRows } from './rules';

/** `SELECT ... FROM TABLE(SESSION(TABLE s [PARTITION BY k], DESCRIPTOR(ts), gap)) [WHERE ...]`; null for any other. */
export function planSessionRows(analysis: Analysis, stream: SourceSpec, outputMode: OutputMode): SessionPlan | null {
  const window = analysis.tableFunctions[0]?.spec;
  if (window?.kind !== 'session') return null;
  checkSessionRows(window, stream, outputMode);
  const alias = stream.name;
  return {
    kind: 'session',
    sources: analysis.used,
    window,
    alias,
    // Every row of the stream makes its session: the query's WHERE reads the windowed rows, as after Flink's TVF.
    input: `SELECT * FROM ${quote(stream.name)} AS ${quote(alias)}`,
    partitionBy: window.partitionBy.map(quote),
    reference: analysis.sql,
    ordered: false,
    lateFrom: { ...lateFrom(stream, alias), eventTimeColumn: stream.eventTime! },
    keyItems: [],
    eventTimeItems: [],
    distinct: false,
    rowsOnly: true,
  };
}
