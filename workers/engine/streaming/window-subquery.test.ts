import { describe, expect, it } from 'vitest';
import { describeFailure } from '../failures';
import { april15, bidScenario, emitted, FLINK_BIDS, runScenario } from './harness';

// A window TVF's table argument may be a subquery in Calcite and Flink: Calcite's SqlToRelConverterTest
// (testTableFunctionTumbleWithSubQueryParam: `table(tumble((select * from Shipments), descriptor(rowtime), ...))`),
// Flink's WindowJoinTest (`table(tumble((select * from M order by ...), descriptor(mts), ...))`) and the SQL that
// Flink's Table API writes for a window over a projection (`TUMBLE((SELECT a, b, ts FROM s), DESCRIPTOR(ts), ...)`).
// Tideline windows the whole of a stream written so; any other subquery is refused, with the query to write.

const steps = [{ add: { Bid: FLINK_BIDS } }, { end: true }];
const run = async (query: string) => runScenario(bidScenario(query, steps));

async function refusal(query: string) {
  return describeFailure(await run(query).catch((error: unknown) => error));
}

describe('a window table function over (SELECT * FROM stream)', () => {
  it.each([['(SELECT * FROM Bid)'], ['TABLE (SELECT * FROM Bid)']])(
    'HOP(%s, ...): the rows and columns of HOP(TABLE Bid, ...)',
    async (table) => {
      const hop = (argument: string) =>
        `SELECT * FROM TABLE(HOP(${argument}, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))`;
      const batches = await run(hop(table));
      const direct = await run(hop('TABLE Bid'));
      expect(batches.at(-1)!.columns).toEqual(direct.at(-1)!.columns);
      expect(emitted(batches)).toEqual(emitted(direct));
      expect(emitted(batches)).toHaveLength(FLINK_BIDS.length * 2);
    },
  );

  it('a tumbling aggregation over it: the sums of the whole stream’s windows', async () => {
    const batches = await run(
      `SELECT window_start, window_end, SUM(price) AS total
       FROM TABLE(TUMBLE((SELECT * FROM Bid), DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
       GROUP BY window_start, window_end`,
    );
    expect(emitted(batches)).toEqual([
      [april15('08:00'), april15('08:10'), '17.00'],
      [april15('08:10'), april15('08:20'), '12.00'],
    ]);
  });
});

describe('a window table function over any other subquery: refused where it stands, with the query to write', () => {
  it('TUMBLE((SELECT ... WHERE ...), ...): the hint’s query, windowed then filtered, has the subquery’s rows', async () => {
    const subquery = "(SELECT price, bidtime FROM Bid WHERE supplier_id <> 'supplier5')";
    const query = `SELECT window_start, window_end, SUM(price) AS total
FROM TABLE(TUMBLE(${subquery}, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
GROUP BY window_start, window_end`;
    const failure = await refusal(query);
    expect(failure).toMatchObject({
      message: expect.stringContaining('TUMBLE over a subquery: Tideline windows a whole stream, TABLE Bid'),
      hint: expect.stringContaining(
        "FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES)), and select and filter its rows",
      ),
      position: { line: 2, column: 'FROM TABLE(TUMBLE('.length + 1 },
    });
    const hinted = await run(
      `SELECT window_start, window_end, SUM(price) AS total
       FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
       WHERE supplier_id <> 'supplier5' GROUP BY window_start, window_end`,
    );
    // The subquery's rows leave out supplier5's bid of 6 at 08:17.
    expect(emitted(hinted)).toEqual([
      [april15('08:00'), april15('08:10'), '17.00'],
      [april15('08:10'), april15('08:20'), '6.00'],
    ]);
  });

  it.each([
    ['TABLE (SELECT supplier_id, max(bidtime) AS bidtime FROM Bid GROUP BY supplier_id)'],
    ['(SELECT b.bidtime FROM Bid b JOIN Bid c ON b.item = c.item)'],
    ['(SELECT * FROM Bid ORDER BY price)'],
  ])('TUMBLE(%s, ...): no "stream named ("', async (table) => {
    const query = `SELECT * FROM TABLE(TUMBLE(${table}, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))`;
    const failure = await refusal(query);
    expect(failure.message).toMatch(
      /^TUMBLE over a subquery: Tideline windows a whole stream, TABLE Bid or \(SELECT \* FROM Bid\)/,
    );
    expect(failure.position).toEqual({ line: 1, column: query.indexOf('(SELECT') + 1 });
  });

  it('SESSION over a filtering subquery: filtering after the sessions would change them; the hint filters first', async () => {
    const query = `SELECT * FROM TABLE(SESSION((SELECT * FROM Bid WHERE item <> 'B') PARTITION BY supplier_id,
  DESCRIPTOR(bidtime), INTERVAL '3' MINUTES))`;
    expect(await refusal(query)).toMatchObject({
      message: expect.stringContaining('SESSION over a subquery'),
      hint: expect.stringMatching(
        /^Window the stream itself, FROM TABLE\(SESSION\(TABLE Bid PARTITION BY supplier_id, DESCRIPTOR\(bidtime\), INTERVAL '3' MINUTES\)\)\. .* GROUP BY key, session_window\(ts, '5 minutes'\)\.$/,
      ),
      position: { line: 1, column: query.indexOf('(SELECT') + 1 },
    });
  });
});
