import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../database';
import { LiveRun } from '../live';
import { openNodeDatabase } from '../node';
import { parseScenario } from '../validate';
import { GeneratorFeed, serveGenerators, type FeedPort, type GenerateReply, type GenerateRequest } from './feed';

/** A generator "worker" in the same thread: messages cross in later tasks, as between workers. */
function workerPair(): { port: FeedPort; requests: GenerateRequest[] } {
  const requests: GenerateRequest[] = [];
  const worker = {
    onmessage: null as ((event: MessageEvent<GenerateRequest>) => void) | null,
    postMessage: (reply: GenerateReply) => setTimeout(() => port.onmessage?.({ data: reply } as MessageEvent)),
  };
  const port: FeedPort = {
    onmessage: null,
    postMessage: (request) => {
      requests.push(request);
      setTimeout(() => worker.onmessage?.({ data: request } as MessageEvent));
    },
  };
  serveGenerators(worker);
  return { port, requests };
}

let db: Database;
beforeAll(async () => {
  db = await openNodeDatabase();
});

const scenario = () =>
  parseScenario({
    version: 1,
    sources: [
      {
        name: 'clicks',
        columns: [
          ['ts', 'TIMESTAMP'],
          ['user_id', 'INTEGER'],
          ['page', 'VARCHAR'],
          ['referrer', 'VARCHAR'],
          ['device', 'VARCHAR'],
        ],
        eventTime: 'ts',
        watermark: '1 second',
        generator: { kind: 'clicks', seed: 3, rate: 500, start: '2024-01-01 00:00:00', disorder: 0.5 },
      },
    ],
    query:
      'SELECT window_start, page, count(*) AS n FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL 1 SECOND)) GROUP BY window_start, window_end, page',
    trigger: { kind: 'processingTime', interval: '1 second' },
  });

/** A feed on a same-thread worker, with the asks it made and what each take returned. */
function watchedFeed() {
  const { port, requests } = workerPair();
  const feed = new GeneratorFeed(port);
  const taken: (Uint8Array | undefined)[] = [];
  const take = feed.take.bind(feed);
  feed.take = (source, from, to) => {
    const ipc = take(source, from, to);
    taken.push(ipc);
    return ipc;
  };
  return { feed, requests, taken };
}

/**
 * The scenario's first `batches` batches (one a second) made in line and fed by `feed`, each run in a schema of its
 * own (`schema` and `schema`_fed): each batch's input count and rows.
 */
async function aloneAndFed(feed: GeneratorFeed, batches: number, schema: string) {
  const rowsOf = (reports: { numInputRows: number; rows: unknown[] }[]) => reports.map((r) => [r.numInputRows, r.rows]);
  const seconds = Array.from({ length: batches }, (_, i) => (i + 1) * 1000);
  db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  db.query(`USE ${schema}`);
  const alone = LiveRun.start(db, scenario());
  const expected = seconds.map((ms) => rowsOf(alone.batchAt(ms, 0)));
  db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}_fed`);
  db.query(`USE ${schema}_fed`);
  const fed = LiveRun.start(db, scenario(), { feed });
  const got = [];
  for (const ms of seconds) {
    await fed.ready();
    got.push(rowsOf(fed.batchAt(ms, 0)));
  }
  db.query('USE main');
  return { got, expected };
}

describe('generation in a worker of its own', () => {
  it('each batch asks for the next one’s events, and the batches are those the engine would make itself', async () => {
    const { feed, requests, taken } = watchedFeed();
    const { got, expected } = await aloneAndFed(feed, 4, 'feed_a');
    expect(got).toEqual(expected);
    // The first batch makes its own events; each later one finds them made, by the ask of the one before.
    expect(taken.map((ipc) => ipc !== undefined)).toEqual([false, true, true, true]);
    expect(requests.map((r) => [r.from, r.to])).toEqual([
      [500, 1000],
      [1000, 1500],
      [1500, 2000],
      [2000, 2500],
    ]);
  });

  it('the buffer of a batch read goes back to the worker two batches later, and the worker writes into it', async () => {
    const { feed, requests, taken } = watchedFeed();
    const { got, expected } = await aloneAndFed(feed, 7, 'feed_d');
    expect(got).toEqual(expected);
    const buffers = taken.flatMap((ipc) => (ipc ? [ipc.buffer] : []));
    // Batches 2-7 were the worker's; once a third was taken, the first's buffer went back with the next ask.
    expect(requests.map((request) => request.spent.length)).toEqual([0, 0, 0, 1, 1, 1, 1]);
    expect(requests[3]!.spent[0]).toBe(buffers[0]);
    expect(buffers[3]).toBe(buffers[0]); // batch 5's events, written into batch 2's memory
  });

  it('a batch whose range differs from the one asked for makes its own events', async () => {
    const { port } = workerPair();
    const feed = new GeneratorFeed(port);
    db.query('CREATE SCHEMA IF NOT EXISTS feed_c');
    db.query('USE feed_c');
    const fed = LiveRun.start(db, scenario(), { feed });
    fed.batchAt(1000, 0);
    await fed.ready();
    const late = fed.batchAt(2500, 0)[0]!; // overran: the batch is 1.5 intervals, not the 1 asked for
    db.query('USE main');
    expect(late.numInputRows).toBe(750);
  });

  it('a failed worker leaves the engine to make every batch itself', () => {
    const port: FeedPort = { onmessage: null, onerror: null, postMessage: () => {} };
    const feed = new GeneratorFeed(port);
    (port.onerror as unknown as () => void)();
    feed.request('clicks', { kind: 'clicks', seed: 1, rate: 10 }, 0, 10);
    expect(feed.settled()).toBeNull();
    expect(feed.take('clicks', 0, 10)).toBeUndefined();
  });
});
