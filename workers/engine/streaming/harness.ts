import type { BatchReport } from '../../protocol';
import type { Database } from '../database';
import { openNodeDatabase } from '../node';
import { ScenarioRun } from '../runner';
import { parseScenario } from '../validate';

let shared: Promise<Database> | undefined;

/** Starts a scenario document in a fresh schema of one shared Node database. */
export async function startScenario(document: unknown): Promise<ScenarioRun> {
  const db = await (shared ??= openNodeDatabase());
  db.query('DROP SCHEMA IF EXISTS run CASCADE');
  db.query('CREATE SCHEMA run');
  db.query('USE run');
  return ScenarioRun.start(db, parseScenario(document));
}

/** Runs a scenario document in a fresh schema of one shared Node database; the batches it printed. */
export async function runScenario(document: unknown): Promise<BatchReport[]> {
  return [...(await startScenario(document)).steps()];
}

/** Every row a run emitted, batch after batch. */
export function emitted(batches: BatchReport[]): unknown[][] {
  return batches.flatMap((batch) => batch.rows);
}

/** Each pipeline operator's [id, rows in, rows out, late rows, watermark] in one batch. */
export function flowOf(batch: BatchReport): unknown[][] {
  return batch.flow.map((f) => [f.operatorId, f.numInputRows, f.numOutputRows, f.numLateRows, f.watermark]);
}

/** A small seeded generator (mulberry32), so every failure replays. */
export function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A second's timestamp as the engine prints it. */
export const at = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

/** One step adding values to several of those streams at once (Spark's MultiAddData). */
export const multiValues = (streams: Record<string, number[]>) => ({
  add: Object.fromEntries(Object.entries(streams).map(([name, seconds]) => [name, seconds.map((s) => [s, at(s)])])),
});

/** Spark's MemoryStream of ints with `timestamp_seconds(value) AS eventTime`: one step adding these values. */
export const values = (...seconds: number[]) => multiValues({ events: seconds });

/** Such a stream, `withWatermark("eventTime", watermark)`. */
const valueStream = (name: string, watermark: string) => ({
  name,
  columns: [
    ['value', 'INTEGER'],
    ['eventTime', 'TIMESTAMP'],
  ],
  eventTime: 'eventTime',
  watermark,
});

/** A scenario over that stream, `events`, watermarked by `eventTime`. */
export function valueEvents(query: string, steps: unknown[], { watermark = '0 seconds', outputMode = 'append' } = {}) {
  return { version: 1, sources: [valueStream('events', watermark)], query, outputMode, steps };
}

/** A scenario over several such streams, each with its watermark delay, under one multiple-watermark policy. */
export function valueStreams(
  query: string,
  delays: Record<string, string>,
  steps: unknown[],
  { watermarkPolicy = 'min', outputMode = 'append' } = {},
) {
  const sources = Object.entries(delays).map(([name, delay]) => valueStream(name, delay));
  return { version: 1, sources, query, outputMode, watermarkPolicy, steps };
}

/** A time of 2020-04-15, the day of Flink's examples: `hhmm` or `hhmm:ss`. */
export const april15 = (time: string) => `2020-04-15 ${time}${time.length === 5 ? ':00' : ''}`;

/** Flink's Bid table of the window Top-N and window deduplication documentation (window-topn.md). */
export const FLINK_BID = {
  name: 'Bid',
  columns: [
    ['bidtime', 'TIMESTAMP'],
    ['price', 'DECIMAL(10,2)'],
    ['item', 'VARCHAR'],
    ['supplier_id', 'VARCHAR'],
  ],
  eventTime: 'bidtime',
  watermark: '1 second',
};
/** A scripted scenario over Flink's Bid table: the docs' examples of window aggregations and rankings. */
export const bidScenario = (query: string, steps: unknown[], outputMode = 'append') => ({
  version: 1,
  sources: [FLINK_BID],
  query,
  outputMode,
  steps,
});
export const FLINK_BIDS = [
  [april15('08:05'), 4.0, 'A', 'supplier1'],
  [april15('08:06'), 4.0, 'C', 'supplier2'],
  [april15('08:07'), 2.0, 'G', 'supplier1'],
  [april15('08:08'), 2.0, 'B', 'supplier3'],
  [april15('08:09'), 5.0, 'D', 'supplier4'],
  [april15('08:11'), 2.0, 'B', 'supplier3'],
  [april15('08:13'), 1.0, 'E', 'supplier1'],
  [april15('08:15'), 3.0, 'H', 'supplier2'],
  [april15('08:17'), 6.0, 'F', 'supplier5'],
];
