/**
 * The benchmark's workloads: scenario documents (the same format the app, the CLI and the tests use), the
 * same query as plain DuckDB SQL over a table of all events (for the recompute and native baselines), and
 * the generator settings. Imported by the page, the bench worker and the Node runner.
 */
import { page } from '../workers/engine/generator/clicks';
import q0 from '../examples/nexmark/q0.json';
import q1 from '../examples/nexmark/q1.json';
import q2 from '../examples/nexmark/q2.json';
import q5 from '../examples/nexmark/q5.json';
import q7 from '../examples/nexmark/q7.json';
import q11 from '../examples/nexmark/q11.json';

export type TriggerName = '1 second' | '100 ms';
export const TRIGGERS: { name: TriggerName; ms: number }[] = [
  { name: '1 second', ms: 1000 },
  { name: '100 ms', ms: 100 },
];

/** A scenario document as JSON: validated by the engine's own `parseScenario`. */
export type ScenarioDocument = Record<string, unknown> & { sources: SourceDocument[] };
interface SourceDocument {
  name: string;
  columns: [string, string][];
  eventTime?: string;
  watermark?: string;
  generator?: Record<string, unknown> & { kind: string; seed: number; rate: number };
}

export interface Workload {
  name: string;
  title: string;
  /** What the workload is, and how it maps to the benchmark it is named after. */
  about: string;
  /** The stream the query reads. */
  stream: string;
  /** The scenario at a generator rate (events/s) and a trigger interval. */
  scenario(rate: number, trigger: TriggerName): ScenarioDocument;
  /**
   * The same query as one plain DuckDB statement over a table `{events}` that holds every event: what a
   * recompute-everything engine runs each batch, and what native DuckDB runs once. `null` for stateless
   * queries, which have no history to recompute (native DuckDB then runs `passThroughSql`).
   */
  recomputeSql: string | null;
  /** For stateless queries: the batch query over `{events}`, materialised. */
  passThroughSql?: string;
  /** The columns of the stream the query reads: what a recompute engine needs to retain. */
  retainedColumns: string[];
  /** Extra static tables as SQL, for the native and recompute baselines (YSB's campaigns). */
  staticTables?: { name: string; ddl: string; rows: (string | number)[][] }[];
  /** The target from the issue, events/s, when it names one. */
  targetEventsPerSecond?: number;
}

const CLICK_COLUMNS: [string, string][] = [
  ['ts', 'TIMESTAMP'],
  ['user_id', 'INTEGER'],
  ['page', 'VARCHAR'],
  ['referrer', 'VARCHAR'],
  ['device', 'VARCHAR'],
];

function clicksScenario(
  query: string,
  rate: number,
  trigger: TriggerName,
  knobs: Record<string, unknown> = {},
  tables: unknown[] = [],
): ScenarioDocument {
  return {
    version: 1,
    sources: [
      {
        name: 'clicks',
        columns: CLICK_COLUMNS,
        eventTime: 'ts',
        watermark: '2 seconds',
        generator: { kind: 'clicks', seed: 42, rate, disorder: 1, ...knobs },
      },
    ],
    tables,
    query,
    outputMode: 'append',
    trigger: { kind: 'processingTime', interval: trigger },
  };
}

/** A Nexmark example document, with the generator's rate and the trigger replaced. */
function nexmarkScenario(example: unknown, rate: number, trigger: TriggerName): ScenarioDocument {
  const document = structuredClone(example) as ScenarioDocument;
  delete document.ui;
  for (const source of document.sources) {
    if (source.generator) source.generator.rate = rate;
  }
  document.trigger = { kind: 'processingTime', interval: trigger };
  return document;
}

/** YSB: 1000 ads (the clicks generator's pages) in 100 campaigns, 10 ads each, as the benchmark has them. */
export const YSB_ADS = 1000;
export const YSB_CAMPAIGNS = 100;
export const campaignRows = (): [string, number][] =>
  Array.from({ length: YSB_ADS }, (_, rank): [string, number] => [page(rank)[0], rank % YSB_CAMPAIGNS]);

const tenSeconds = 10_000_000;
const twoSeconds = 2_000_000;

export const WORKLOADS: Workload[] = [
  {
    name: 'clicks_tumbling',
    title: 'Clicks: tumbling count per page',
    about: '10-second tumbling windows, count per page, append mode, 2-second watermark (100 pages, uniform).',
    stream: 'clicks',
    scenario: (rate, trigger) =>
      clicksScenario(
        "SELECT page, window_start, window_end, count(*) AS clicks FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECONDS)) GROUP BY page, window_start, window_end",
        rate,
        trigger,
      ),
    recomputeSql: `SELECT page, epoch_us(ts) // ${tenSeconds} AS w, count(*) AS clicks FROM {events} GROUP BY ALL`,
    retainedColumns: ['ts', 'page'],
    targetEventsPerSecond: 2_000_000,
  },
  {
    name: 'clicks_sliding',
    title: 'Clicks: sliding count per page',
    about: '10-second windows sliding every 2 seconds (HOP), count per page, append mode (100 pages).',
    stream: 'clicks',
    scenario: (rate, trigger) =>
      clicksScenario(
        "SELECT page, window_start, window_end, count(*) AS clicks FROM TABLE(HOP(TABLE clicks, DESCRIPTOR(ts), INTERVAL '2' SECONDS, INTERVAL '10' SECONDS)) GROUP BY page, window_start, window_end",
        rate,
        trigger,
      ),
    recomputeSql: `SELECT page, epoch_us(ts) // ${twoSeconds} - w.i AS w, count(*) AS clicks FROM {events}, range(5) AS w(i) GROUP BY ALL`,
    retainedColumns: ['ts', 'page'],
  },
  {
    name: 'ysb',
    title: 'Yahoo Streaming Benchmark',
    about:
      "YSB on the clicks generator: pages are YSB's 1000 ads, a static table maps them to 100 campaigns (10 ads each); " +
      "YSB's event_type = 'view' filter is device = 'desktop' (40% of events; YSB keeps 33%); count per campaign per 10-second window.",
    stream: 'clicks',
    scenario: (rate, trigger) =>
      clicksScenario(
        "SELECT c.campaign_id, window_start, window_end, count(*) AS views FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECONDS)) AS e JOIN campaigns AS c ON e.page = c.page WHERE e.device = 'desktop' GROUP BY c.campaign_id, window_start, window_end",
        rate,
        trigger,
        { keys: YSB_ADS },
        [
          {
            name: 'campaigns',
            columns: [
              ['page', 'VARCHAR'],
              ['campaign_id', 'INTEGER'],
            ],
            rows: campaignRows(),
          },
        ],
      ),
    recomputeSql: `SELECT c.campaign_id, epoch_us(e.ts) // ${tenSeconds} AS w, count(*) AS views FROM {events} AS e JOIN campaigns AS c ON e.page = c.page WHERE e.device = 'desktop' GROUP BY ALL`,
    retainedColumns: ['ts', 'page', 'device'],
    staticTables: [{ name: 'campaigns', ddl: 'page VARCHAR, campaign_id INTEGER', rows: campaignRows() }],
    targetEventsPerSecond: 1_500_000,
  },
  {
    name: 'nexmark_q0',
    title: 'Nexmark q0: pass-through',
    about: 'Every bid as it is (examples/nexmark/q0.json).',
    stream: 'bid',
    scenario: (rate, trigger) => nexmarkScenario(q0, rate, trigger),
    recomputeSql: null,
    passThroughSql: 'SELECT auction, bidder, price, ts, url FROM {events}',
    retainedColumns: ['ts', 'auction', 'bidder', 'price', 'url'],
    targetEventsPerSecond: 2_000_000,
  },
  {
    name: 'nexmark_q1',
    title: 'Nexmark q1: currency conversion',
    about: 'Bid prices in euros (examples/nexmark/q1.json).',
    stream: 'bid',
    scenario: (rate, trigger) => nexmarkScenario(q1, rate, trigger),
    recomputeSql: null,
    passThroughSql: 'SELECT auction, bidder, 0.908 * price AS price, ts FROM {events}',
    retainedColumns: ['ts', 'auction', 'bidder', 'price'],
    targetEventsPerSecond: 2_000_000,
  },
  {
    name: 'nexmark_q2',
    title: 'Nexmark q2: selection',
    about: 'Bids on auctions whose id is a multiple of 123 (examples/nexmark/q2.json).',
    stream: 'bid',
    scenario: (rate, trigger) => nexmarkScenario(q2, rate, trigger),
    recomputeSql: null,
    passThroughSql: 'SELECT auction, price FROM {events} WHERE auction % 123 = 0',
    retainedColumns: ['ts', 'auction', 'price'],
    targetEventsPerSecond: 2_000_000,
  },
  {
    name: 'nexmark_q5',
    title: 'Nexmark q5: hot items',
    about: 'Auctions with the most bids per 10-second window sliding every 2 seconds, as a window Top-N (q5.json).',
    stream: 'bid',
    scenario: (rate, trigger) => nexmarkScenario(q5, rate, trigger),
    recomputeSql:
      'SELECT auction, num, w FROM (SELECT *, rank() OVER (PARTITION BY w ORDER BY num DESC) AS rk FROM ' +
      `(SELECT auction, epoch_us(ts) // ${twoSeconds} - w.i AS w, count(*) AS num FROM {events}, range(5) AS w(i) GROUP BY ALL)) WHERE rk = 1`,
    retainedColumns: ['ts', 'auction'],
    targetEventsPerSecond: 500_000,
  },
  {
    name: 'nexmark_q7',
    title: 'Nexmark q7: highest bid',
    about: 'The top bid of each 10-second tumbling window, max() over a struct led by the price (q7.json).',
    stream: 'bid',
    scenario: (rate, trigger) => nexmarkScenario(q7, rate, trigger),
    recomputeSql: `SELECT epoch_us(ts) // ${tenSeconds} AS w, max({'price': price, 'auction': auction, 'bidder': bidder}) AS highest FROM {events} GROUP BY ALL`,
    retainedColumns: ['ts', 'auction', 'bidder', 'price'],
  },
  {
    name: 'nexmark_q11',
    title: 'Nexmark q11: user sessions',
    about: 'Bids per bidder session, a session closing after 10 seconds without a bid (q11.json).',
    stream: 'bid',
    scenario: (rate, trigger) => nexmarkScenario(q11, rate, trigger),
    recomputeSql:
      'SELECT bidder, sid, count(*) AS bid_count, min(ts) AS window_start, max(ts) AS last_bid FROM (' +
      'SELECT bidder, ts, sum(fresh) OVER (PARTITION BY bidder ORDER BY ts ROWS UNBOUNDED PRECEDING) AS sid FROM (' +
      "SELECT bidder, ts, CASE WHEN ts - lag(ts) OVER (PARTITION BY bidder ORDER BY ts) <= INTERVAL '10 seconds' THEN 0 ELSE 1 END AS fresh FROM {events})) " +
      'GROUP BY bidder, sid',
    retainedColumns: ['ts', 'bidder'],
  },
];

export function workloadNamed(name: string): Workload {
  const workload = WORKLOADS.find((known) => known.name === name);
  if (!workload) throw new Error(`unknown workload ${name}; known: ${WORKLOADS.map((w) => w.name).join(', ')}`);
  return workload;
}

/** The generator spec of a workload's stream at a rate: the native baseline generates the same events in Node. */
export function generatorSpec(workload: Workload, rate: number): Record<string, unknown> & { kind: string } {
  const source = workload.scenario(rate, '1 second').sources.find((s) => s.name === workload.stream)!;
  return { ...source.generator! };
}

/** A workload's plain SQL with the events table named. */
export function sqlOver(sql: string, events: string): string {
  return sql.replaceAll('{events}', events);
}
