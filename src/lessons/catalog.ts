/**
 * The guided lessons, in workshop order. Every query here runs on today's engine, every prediction that
 * can be checked is checked against the engine's real output (`lessons.test.ts`), and every lesson's
 * share link stays under 2,000 characters.
 */
import { at, doc, EVERY_SECOND, generated, MANUAL, scripted, type Lesson } from './lesson';

const unboundedTables: Lesson = {
  id: 'unbounded-tables',
  title: 'Streams are unbounded tables',
  summary:
    'A stream is a table that keeps growing. A query runs over it in micro-batches, and a trigger decides when each batch runs.',
  scenario: doc({
    sources: [generated('clicks', 'clicks', { seed: 1, rate: 5 })],
    query: "SELECT ts, user_id, page, device FROM clicks WHERE device = 'mobile'",
    trigger: MANUAL,
  }),
  steps: [
    {
      text:
        'The source "clicks" is an unbounded table: a generator appends 5 page views to it per second of processing time, ' +
        'forever. The query is ordinary SQL. Tideline runs it again and again, each time over the rows that arrived since ' +
        'the last run: one micro-batch. The trigger is Manual, so nothing happens until you press Step.',
      predict: {
        question:
          'One step moves processing time forward by one second. How many input rows will the first batch read?',
        answer:
          '5. The generator appends 5 rows per second, and a batch reads exactly the rows that arrived since the previous batch (numInputRows = 5).',
      },
    },
    {
      text:
        'Press Step a few times. Each batch emits the mobile clicks among its own 5 new rows. A filter needs no memory of ' +
        'earlier rows, so this query is stateless, and its output only ever grows: append mode, rows once emitted are never changed.',
      predict: {
        question: 'Will a batch ever emit a click that an earlier batch read?',
        answer:
          'No. A stateless query sees each input row once, in the batch that reads it. Its output over all batches is the same as running the query once over the whole table.',
      },
    },
    {
      text:
        'Now aggregate. Apply the change: count clicks per device over the whole unbounded table. An aggregation keeps ' +
        'state between batches (the running counts), and complete mode re-emits the whole result table after every batch.',
      change: { query: 'SELECT device, count(*) AS clicks FROM clicks GROUP BY device', outputMode: 'complete' },
      predict: {
        question: 'After 4 steps, what do the counts add up to?',
        answer: '20: complete mode shows the result over every row so far, 4 batches of 5 clicks.',
      },
    },
    {
      text:
        'Triggers decide when batches run. Apply the change to trigger every second of processing time, then press Play: ' +
        'batches now start on their own, one per second. Pause stops processing time; Step still runs one batch by hand. ' +
        "Spark's other triggers are here too: once (one batch, then stop) and available-now (everything there is, then stop).",
      change: { trigger: EVERY_SECOND },
    },
  ],
};

const TUMBLE_CLICKS =
  "SELECT window_start, window_end, count(*) AS clicks FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECONDS)) GROUP BY window_start, window_end";

const tumblingWindows: Lesson = {
  id: 'tumbling-windows',
  title: 'Tumbling windows: clicks per 10 seconds',
  summary:
    'TUMBLE cuts event time into fixed, non-overlapping windows; update mode emits each window as its count changes.',
  scenario: doc({
    sources: [generated('clicks', 'clicks', { seed: 2, rate: 20 }, '2 seconds')],
    query: TUMBLE_CLICKS,
    outputMode: 'update',
    trigger: MANUAL,
  }),
  steps: [
    {
      text:
        'TUMBLE assigns every click to one 10-second window by its event time ts. Windows are half-open, ' +
        '[window_start, window_end), and aligned to the epoch: 00:00:00-00:00:10, 00:00:10-00:00:20 and so on. The ' +
        'generator starts at 2024-01-01 00:00:00 and makes 20 clicks per second, in order. Step three times: in update ' +
        'mode, each batch emits the windows whose count changed.',
      predict: {
        question: 'What count will the window 00:00:00-00:00:10 show after 10 steps?',
        answer: '200: ten seconds of event time at 20 clicks per second, all in that one window.',
      },
    },
    {
      text: 'Step until the count reaches 200, then step once more.',
      predict: {
        question: 'What does the 11th batch emit?',
        answer:
          'One row, for the next window, 00:00:10-00:00:20, with 20 clicks. The first window did not change, so update mode does not repeat it.',
      },
    },
    {
      text:
        "The same query in Spark's syntax: GROUP BY window(ts, '10 seconds') makes a column named window with the fields " +
        'start and end. Apply the change: it also splits each window by device.',
      change: {
        query:
          "SELECT window.start AS window_start, window.end AS window_end, device, count(*) AS clicks FROM clicks GROUP BY window(ts, '10 seconds'), device",
      },
      predict: {
        question: 'How many rows does a batch emit now?',
        answer:
          'Up to 3, one per device (desktop, mobile, tablet) that had clicks in the batch; a batch that reaches into the next window can emit rows for both windows.',
      },
    },
    {
      text:
        'Apply the change to append mode and start over. Now each window is emitted once, when it is final: when the ' +
        'watermark (the latest event time seen, minus the 2-second delay) reaches its end.',
      change: { query: TUMBLE_CLICKS, outputMode: 'append' },
      predict: {
        question: 'At which step does the window 00:00:00-00:00:10 appear?',
        answer:
          'Step 14. A batch runs with the watermark computed after the batches before it: after step 13 the latest click is at 00:00:12.95, so the watermark becomes 00:00:10.95, past the window end, and the batch of step 14 emits the window with its 200 clicks.',
      },
    },
  ],
};

const HOP_BIDS = `SELECT window_start, window_end, auction, count(*) AS bids
FROM TABLE(HOP(TABLE bid, DESCRIPTOR(ts), INTERVAL '5' SECONDS, INTERVAL '10' SECONDS))
GROUP BY window_start, window_end, auction
HAVING count(*) >= 10`;

const slidingWindows: Lesson = {
  id: 'sliding-windows',
  title: 'Sliding windows: Nexmark hot items',
  summary:
    'HOP makes overlapping windows: 10 seconds long, one starting every 5 seconds. Which auctions draw the most bids?',
  scenario: doc({
    sources: [generated('bid', 'nexmark_bid', { seed: 3, rate: 20 }, '2 seconds')],
    query: HOP_BIDS,
    trigger: MANUAL,
  }),
  steps: [
    {
      text:
        'Nexmark is the classic benchmark for streaming systems: an online auction with people, auctions and bids. Its ' +
        '"hot items" query counts the bids per auction over a sliding window. HOP(TABLE bid, DESCRIPTOR(ts), slide, size) ' +
        'makes windows 10 seconds long that start every 5 seconds, so they overlap.',
      predict: {
        question: 'How many windows does each bid count in?',
        answer:
          'Two: size / slide = 10 s / 5 s. A bid at 00:00:07 counts in [00:00:00, 00:00:10) and in [00:00:05, 00:00:15).',
      },
    },
    {
      text:
        'Step until rows appear (about 9 steps). Append mode emits each window once the watermark passes its end, and ' +
        'HAVING keeps only the hot auctions: 10 bids or more in the window. Most bids go to a few recent auctions.',
      predict: {
        question: 'The first bid is at 2024-01-01 00:00:00. Which window is emitted first?',
        answer:
          '[2023-12-31 23:59:55, 2024-01-01 00:00:05). Windows are aligned to the epoch, one every 5 seconds, so the earliest window holding a bid at 00:00:00 started 5 seconds before it.',
      },
    },
    {
      text:
        'To rank auctions, sort. Apply the change: complete mode keeps the whole result table, so it can be sorted and ' +
        'cut with ORDER BY ... LIMIT. Then try the same query in append mode.',
      change: {
        query: `SELECT window_start, auction, count(*) AS bids
FROM TABLE(HOP(TABLE bid, DESCRIPTOR(ts), INTERVAL '5' SECONDS, INTERVAL '10' SECONDS))
GROUP BY window_start, window_end, auction
ORDER BY bids DESC, window_start
LIMIT 5`,
        outputMode: 'complete',
      },
      predict: {
        question: 'Why is ORDER BY refused in append or update mode?',
        answer:
          'Those modes emit only some rows in each batch, so no batch could sort the whole stream; Spark refuses it the same way. Complete mode re-emits the whole result table, which can be sorted. It also never forgets a window: its state grows for as long as the query runs.',
      },
    },
  ],
};

const cumulatingWindows: Lesson = {
  id: 'cumulating-windows',
  title: 'Cumulating windows: revenue so far',
  summary:
    'CUMULATE reports a running total that restarts every period: revenue of the current 30 seconds, every 5 seconds.',
  scenario: doc({
    sources: [generated('orders', 'orders', { seed: 4, rate: 5 }, '1 second')],
    query: `SELECT window_start, window_end, count(*) AS orders, round(sum(amount), 2) AS revenue
FROM TABLE(CUMULATE(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' SECONDS, INTERVAL '30' SECONDS))
GROUP BY window_start, window_end`,
    trigger: EVERY_SECOND,
  }),
  steps: [
    {
      text:
        'CUMULATE(TABLE orders, DESCRIPTOR(ts), step, max size) makes windows that share a start and grow by a step: ' +
        '[00:00:00, 00:00:05), [00:00:00, 00:00:10), ... up to [00:00:00, 00:00:30); then the next period starts. It is ' +
        'how dashboards show "today so far", updated every few minutes. Press Play (or Step).',
      predict: {
        question: 'An order at 00:00:12 counts in which windows?',
        answer:
          'In four: [00:00:00, 00:00:15), [00:00:00, 00:00:20), [00:00:00, 00:00:25) and [00:00:00, 00:00:30), every window of its period that ends after it.',
      },
    },
    {
      text: 'Watch the rows of one period arrive, one every 5 seconds of event time, as the watermark passes each end.',
      predict: {
        question: 'Can the revenue of [00:00:00, 00:00:20) be smaller than that of [00:00:00, 00:00:15)?',
        answer:
          'No. The longer window holds every order of the shorter one, plus the orders between 00:00:15 and 00:00:20.',
      },
    },
  ],
};

const TAPS = [
  ['ts', 'TIMESTAMP'],
  ['user_name', 'VARCHAR'],
] as [string, string][];

const TAPS_PER_MINUTE =
  "SELECT window_start, window_end, count(*) AS taps FROM TABLE(TUMBLE(TABLE taps, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end";

const eventTime: Lesson = {
  id: 'event-time',
  title: 'Event time, processing time and disorder',
  summary:
    'Rows say when they happened; they arrive when the network lets them. Windows follow the time in the row, so late arrivals change old windows.',
  scenario: doc({
    sources: [scripted('taps', TAPS)],
    query: TAPS_PER_MINUTE,
    outputMode: 'update',
    trigger: MANUAL,
    steps: [
      {
        add: {
          taps: [
            [at('12:00:05'), 'ana'],
            [at('12:00:20'), 'ben'],
          ],
        },
      },
      {
        add: {
          taps: [
            [at('12:01:10'), 'ana'],
            [at('12:00:55'), 'cai'],
          ],
        },
      },
      {
        add: {
          taps: [
            [at('12:00:40'), 'ben'],
            [at('12:01:30'), 'ben'],
          ],
        },
      },
      { add: { taps: [[at('12:02:05'), 'dee']] } },
    ],
  }),
  steps: [
    {
      text:
        'A mobile app reports taps. Event time is when a tap happened: the ts column, stamped by the phone. Processing ' +
        'time is when the engine reads the row. Phones buffer and retry, so rows arrive out of order. The query counts ' +
        'taps per minute of event time, in update mode. This lesson is a fixed script: each step adds one batch. Step once.',
      predict: {
        question:
          'The second step brings a tap at 12:01:10, then one at 12:00:55, which happened earlier but arrived later. Which windows does it change?',
        answer:
          'Both: 12:00-12:01 goes from 2 to 3 (the 12:00:55 tap) and 12:01-12:02 appears with 1. A row goes to the window of its own timestamp, whatever the order of arrival.',
      },
    },
    {
      text:
        "Step again. Ben's phone was offline: the third step brings his taps from 12:00:40 and 12:01:30, after taps " +
        'from later times have arrived.',
      predict: {
        question: 'What does the third batch emit?',
        answer:
          '12:00-12:01 with 4 taps and 12:01-12:02 with 2: both windows change again. Counted by processing time instead, both taps would land in the minute they arrived and the old minutes would be wrong.',
      },
    },
    {
      text:
        'Nothing here says when a minute is complete: any minute may still receive a straggler. So the engine keeps the ' +
        'count of every window in its state, forever, and can only ever emit provisional results. Apply the change to ' +
        'append mode, which emits only final rows.',
      change: { outputMode: 'append' },
      predict: {
        question: 'What happens?',
        answer:
          'The query is refused, as Spark refuses it: append mode needs to know when a window is final, and only a watermark can say that. The next lesson adds one.',
      },
    },
  ],
};

const READINGS = [
  ['ts', 'TIMESTAMP'],
  ['sensor', 'VARCHAR'],
] as [string, string][];

const watermarks: Lesson = {
  id: 'watermarks',
  title: 'Watermarks and late rows',
  summary:
    'A watermark says how late rows may be. It closes windows so append mode can emit them, and drops the rows that come after.',
  scenario: doc({
    sources: [scripted('readings', READINGS, '5 minutes')],
    query:
      "SELECT window_start, window_end, count(*) AS readings FROM TABLE(TUMBLE(TABLE readings, DESCRIPTOR(ts), INTERVAL '10' MINUTES)) GROUP BY window_start, window_end",
    trigger: MANUAL,
    steps: [
      {
        add: {
          readings: [
            [at('12:01'), 's1'],
            [at('12:04'), 's2'],
            [at('12:08'), 's1'],
          ],
        },
      },
      {
        add: {
          readings: [
            [at('12:12'), 's2'],
            [at('12:09'), 's3'],
          ],
        },
      },
      { add: { readings: [[at('12:16'), 's1']] } },
      {
        add: {
          readings: [
            [at('12:07'), 's2'],
            [at('12:10:30'), 's3'],
          ],
        },
      },
      { add: { readings: [[at('12:26'), 's1']] } },
      { end: true },
    ],
  }),
  steps: [
    {
      text:
        'Readings are counted in 10-minute windows, in append mode. The source has a watermark with a delay of 5 minutes: ' +
        'after each batch, watermark = the latest event time seen - 5 minutes, and the next batch uses it. A window is ' +
        'final once its end is at or before the watermark. Step twice: step 2 brings 12:12 and 12:09 together, out of ' +
        'order, and the 12:09 reading still counts, because its window is open (the watermark is only 12:03).',
      predict: {
        question: 'Step 3 adds a reading stamped 12:16. Which window is emitted, with what count, and when?',
        answer:
          '12:00-12:10 with 4 readings, in the no-data batch right after step 3: the watermark becomes 12:16 - 5 min = 12:11, past the window end 12:10. Spark runs that extra batch without new rows just because the watermark moved.',
      },
    },
    {
      text: 'Step 3 and look at the watermark of each batch.',
      predict: {
        question:
          'Step 4 adds a reading stamped 12:07 and one stamped 12:10:30. Both are behind the watermark (12:11). Which is dropped?',
        answer:
          'Only the 12:07 reading: its window 12:00-12:10 is closed and was already emitted, so it is a late row. The 12:10:30 reading counts, because its window 12:10-12:20 is still open. Spark drops a row when its window has closed, not merely because its own time is behind the watermark.',
      },
    },
    {
      text: 'Step 4: the late row is listed with the watermark it missed. Spark also counts it in numRowsDroppedByWatermark.',
      predict: {
        question: 'Step 5 adds a reading at 12:26. What does the window 12:10-12:20 show when it is emitted?',
        answer:
          '3 readings (12:12, 12:16 and 12:10:30), in the no-data batch after step 5, when the watermark reaches 12:21.',
      },
    },
    {
      text:
        'Step 6 ends the input. A bounded input that ends raises the watermark to infinity, so the last open window, ' +
        '12:20-12:30, is emitted.',
    },
    {
      text: 'The delay is a trade-off. Apply the change to a 10-minute delay and replay the script from the start.',
      change: { watermark: { source: 'readings', delay: '10 minutes' } },
      predict: {
        question: 'What changes?',
        answer:
          'The 12:07 reading is no longer late (the watermark is only 12:06 when it comes), so 12:00-12:10 counts 5. But that window is emitted only after step 5, when the watermark reaches 12:16: a longer delay keeps more late rows and makes every result wait longer.',
      },
    },
  ],
};

const VISITS = [
  ['ts', 'TIMESTAMP'],
  ['page', 'VARCHAR'],
] as [string, string][];

const outputModes: Lesson = {
  id: 'output-modes',
  title: 'Append, update and complete',
  summary: "The same query and the same rows, in Spark's three output modes: what each one writes, and when.",
  scenario: doc({
    sources: [scripted('visits', VISITS, '30 seconds')],
    query:
      "SELECT window_start, window_end, count(*) AS visits FROM TABLE(TUMBLE(TABLE visits, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end",
    outputMode: 'update',
    trigger: MANUAL,
    steps: [
      {
        add: {
          visits: [
            ['2024-05-01 10:00:10', '/'],
            ['2024-05-01 10:00:40', '/cart'],
          ],
        },
      },
      { add: { visits: [['2024-05-01 10:01:20', '/']] } },
      {
        add: {
          visits: [
            ['2024-05-01 10:01:45', '/cart'],
            ['2024-05-01 10:02:10', '/'],
          ],
        },
      },
      { add: { visits: [['2024-05-01 10:00:50', '/']] } },
      { end: true },
    ],
  }),
  steps: [
    {
      text:
        'Visits are counted per minute, with a 30-second watermark. The scenario starts in update mode: each batch ' +
        'emits the rows whose aggregate changed in that batch. Step twice.',
      predict: {
        question: 'Step 3 adds visits at 10:01:45 and 10:02:10. What does its batch emit?',
        answer:
          'Two rows: 10:01-10:02 with 2 visits and 10:02-10:03 with 1. The 10:00 window did not change, so it is not repeated.',
      },
    },
    {
      text: 'Step 3. The watermark is now 10:01:40, past the end of the 10:00 window, so that window is closed.',
      predict: {
        question: 'Step 4 adds a visit stamped 10:00:50. What does update mode emit?',
        answer: 'Nothing: the visit is late (its window ended at 10:01, before the watermark 10:01:40) and is dropped.',
      },
    },
    {
      text: 'Apply the change to append mode and replay the script from the start.',
      change: { outputMode: 'append' },
      predict: {
        question: 'When does the 10:00 window appear, and how many times?',
        answer:
          'Once, with 2 visits, in the no-data batch after step 3, when the watermark passes 10:01. The 10:01 and 10:02 windows appear only when step 5 ends the input. Append mode writes final rows only: right for files and other sinks that cannot change what they wrote.',
      },
    },
    {
      text: 'Apply the change to complete mode and replay again.',
      change: { outputMode: 'complete' },
      predict: {
        question: 'After step 4, how many visits does the 10:00 window show?',
        answer:
          '3. Complete mode re-emits the whole result table after every batch; it never evicts a window, so it drops nothing, and the late visit counts. That is also its cost: state that grows forever. Use it for small results (a few keys), update mode for dashboards and key-value sinks, append mode for files.',
      },
    },
  ],
};

const CLICKS_BY_USER = [
  ['ts', 'TIMESTAMP'],
  ['user', 'VARCHAR'],
  ['url', 'VARCHAR'],
] as [string, string][];

/** Flink's "Dynamic Tables" page: a count of clicks per user, and the changelog stream it turns into. */
const changelogs: Lesson = {
  id: 'changelogs',
  title: 'Changelogs: a table as a stream of changes',
  summary:
    'A result that changes is sent as a stream of changes: inserts, and updates as a row before and after. Turn on Changelog in the Results panel to see it beside the table it builds.',
  scenario: doc({
    sources: [scripted('clicks', CLICKS_BY_USER)],
    query: 'SELECT user, count(url) AS clicks FROM clicks GROUP BY user',
    outputMode: 'update',
    trigger: MANUAL,
    steps: [
      {
        add: {
          clicks: [
            ['2024-05-01 12:00:00', 'Mary', './home'],
            ['2024-05-01 12:00:05', 'Bob', './cart'],
          ],
        },
      },
      {
        add: {
          clicks: [
            ['2024-05-01 12:01:00', 'Mary', './prod?id=1'],
            ['2024-05-01 12:01:30', 'Liz', './home'],
          ],
        },
      },
      { add: { clicks: [['2024-05-01 12:02:00', 'Bob', './prod?id=3']] } },
    ],
  }),
  steps: [
    {
      text:
        'Clicks are counted per user, in update mode: each batch sends the rows whose count changed. Press ' +
        'Changelog in the Results panel, then Step once: Mary and Bob arrive, and each gets a row, +I (insert).',
      predict: {
        question: 'Step 2 brings a second click of Mary and a first of Liz. What does the changelog add?',
        answer:
          '-U Mary 1, +U Mary 2, +I Liz 1. An update is sent as the row before (-U, update before) and after (+U, update after), so a sink that keeps a sum or a copy can take the old row out before it puts the new one in. Liz is new: an insert.',
      },
    },
    {
      text: 'Apply the change to complete mode and replay: complete mode writes the whole table after every batch.',
      change: { outputMode: 'complete' },
      predict: {
        question: "Step 3 brings Bob's second click. Complete mode writes all three rows; what does the changelog add?",
        answer:
          '-U Bob 1, +U Bob 2, and nothing for Mary and Liz: their rows are written again, but unchanged, so they are no change. The changelog is what a sink must do to keep its copy of the table equal to the result.',
      },
    },
    {
      text: 'Apply the change to append mode.',
      change: { outputMode: 'append' },
      predict: {
        question: 'Can this query run in append mode?',
        answer:
          'No, Spark refuses it: append mode only inserts, and a count per user changes with every click. Without a window and a watermark no count is ever final, so there is nothing append mode could write.',
      },
    },
  ],
};

const PER_DEVICE = `SELECT window_start, window_end, device, count(*) AS readings
FROM TABLE(TUMBLE(TABLE readings, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, device`;

const stateEviction: Lesson = {
  id: 'state-eviction',
  title: 'State and eviction',
  summary:
    'An aggregation keeps a partial result per window and key until the watermark closes the window. Watch its state grow and shrink in the Dataflow view.',
  scenario: doc({
    sources: [
      scripted(
        'readings',
        [
          ['ts', 'TIMESTAMP'],
          ['device', 'VARCHAR'],
        ],
        '30 seconds',
      ),
    ],
    query: PER_DEVICE,
    trigger: MANUAL,
    steps: [
      {
        add: {
          readings: [
            [at('12:00:05'), 'a'],
            [at('12:00:20'), 'b'],
            [at('12:00:40'), 'a'],
          ],
        },
      },
      { add: { readings: [[at('12:01:10'), 'a']] } },
      { add: { readings: [[at('12:01:45'), 'b']] } },
      { end: true },
    ],
  }),
  steps: [
    {
      text:
        'Readings are counted per device and minute, with a 30-second watermark. Open the Dataflow tab and Step ' +
        'once. The aggregate node shows its state: one partial count per window and device it has seen.',
      predict: {
        question:
          'After the first step (a at 12:00:05 and 12:00:40, b at 12:00:20), how many rows does the state hold?',
        answer:
          'Two: (12:00–12:01, a) with a count of 2 and (12:00–12:01, b) with 1. State keeps one row per window and key, not one per reading.',
      },
    },
    {
      text:
        'Step twice more. Each reading of the next minute adds a row to the state; the watermark, the latest event ' +
        'time minus 30 seconds, follows behind. Choose the aggregate node: its state is evicted when window_end <= watermark.',
      predict: {
        question:
          'The third step brings b at 12:01:45, and the watermark then moves to 12:01:15. What happens to the 12:00 windows?',
        answer:
          'Spark runs one more batch with no data, because the watermark moved past their end: it emits (12:00, a, 2) and (12:00, b, 1) and evicts them. The state falls from four rows to two, the 12:01 windows.',
      },
    },
    {
      text:
        'Apply the change, a watermark of 5 minutes, and replay. The fourth step ends the input, as a file source ' +
        'does when it has read every file.',
      change: { watermark: { source: 'readings', delay: '5 minutes' } },
      predict: {
        question:
          'With 5 minutes of delay, what does the state hold after the third step, and when do counts come out?',
        answer:
          'All four rows, and nothing comes out: no window ended 5 minutes before the latest event. Only the end of the input, which moves the watermark to infinity, emits them all. A longer delay waits for later rows, and pays in state and in how late results come.',
      },
    },
  ],
};

const SENSOR = [
  ['ts', 'TIMESTAMP'],
  ['temp', 'DOUBLE'],
] as [string, string][];

const idleSource: Lesson = {
  id: 'idle-source',
  title: 'An idle source holds the watermark',
  summary:
    'With two sources, the watermark follows the slower one, so when one goes quiet it stops. The max policy follows the faster one instead.',
  scenario: doc({
    sources: [scripted('north', SENSOR, '10 seconds'), scripted('south', SENSOR, '10 seconds')],
    query: 'SELECT ts, temp FROM north UNION ALL SELECT ts, temp FROM south',
    trigger: MANUAL,
    steps: [
      {
        add: {
          north: [
            [at('12:00:05'), 20.5],
            [at('12:00:30'), 21],
          ],
          south: [[at('12:00:10'), 18]],
        },
      },
      { add: { north: [[at('12:01:20'), 21.5]] } },
      { add: { north: [[at('12:02:30'), 22]] } },
      { add: { south: [[at('12:00:40'), 18.5]] } },
    ],
  }),
  steps: [
    {
      text:
        'Two sensors, north and south, each with a 10-second watermark, read as one stream. Open the Dataflow ' +
        'tab and Step three times: north keeps sending, south sends nothing after 12:00:10. Read "Watermark" under ' +
        'the graph, or hover the watermark line on the timeline.',
      predict: {
        question: 'After the third step north has sent 12:02:30. Where does the watermark stand, and why?',
        answer:
          "At 12:00:00: south's latest event, 12:00:10, minus its 10 seconds. Spark's default policy takes the min of the sources' watermarks, so that it drops no source's rows; the quiet source holds it, and a window over this stream would never close.",
      },
    },
    {
      text:
        'Apply the change: the max policy (Spark’s spark.sql.streaming.multipleWatermarkPolicy = max). Replay the ' +
        'four steps; the fourth brings a reading from south at 12:00:40.',
      change: { watermarkPolicy: 'max' },
      predict: {
        question: 'Where does the watermark stand after the third step now, and is south’s 12:00:40 reading dropped?',
        answer:
          'At 12:02:20, set by north, the faster source. South’s reading is far behind it but still comes out: only a stateful operator, a window or a join, drops rows behind the watermark, and this query has none. Put a window on it, and the max policy would drop it as late.',
      },
    },
  ],
};

const chainedPipeline: Lesson = {
  id: 'chained-pipeline',
  title: 'A chained pipeline: Nexmark Q4',
  summary:
    'Three stateful operators in a row: a join, the highest bid per auction, the average per category. The Dataflow view shows what flows between them, and why the last one waits.',
  scenario: doc({
    sources: [
      generated('auction', 'nexmark_auction', { seed: 7, rate: 2000, disorder: 1 }, '2 seconds'),
      generated('bid', 'nexmark_bid', { seed: 7, rate: 2000, disorder: 1 }, '2 seconds'),
    ],
    query: `SELECT window.start AS window_start, window.end AS window_end, category, avg(final) AS avg_final
FROM (SELECT window_time(window) AS wt, id, category, max(price) AS final
  FROM (SELECT A.id, A.category, B.price, B.ts AS bid_ts
    FROM auction A JOIN bid B ON A.id = B.auction AND B.ts BETWEEN A.ts AND A.expires AND B.ts <= A.ts + INTERVAL '5' SECONDS)
  GROUP BY window(bid_ts, '10 seconds'), id, category)
GROUP BY window(wt, '10 seconds'), category`,
    trigger: MANUAL,
  }),
  steps: [
    {
      text:
        'Nexmark Q4 averages, per category, the highest bid of each auction. Spark chains stateful operators in ' +
        'append mode, so both aggregations are windowed by bid time. Open the Dataflow tab and Step twice: auctions ' +
        'and bids flow into the join, joined rows into the first aggregation (the highest bid per auction), and ' +
        'its closed windows into the second (the average per category).',
      predict: {
        question: 'Each node shows the watermark it ran with. How does the aggregations’ compare with the join’s?',
        answer:
          'It is about 5 seconds behind. A bid joins an auction up to 5 seconds after it, so the join can still emit rows whose bid time is 5 seconds older than its own watermark; Spark 3.5 hands the next operator a watermark held back by that much, so that none of those rows is late there.',
      },
    },
    {
      text: 'Step on, watching the two aggregations’ rows out, until the first averages come out.',
      predict: {
        question: 'In which step do the first averages appear, and why not earlier?',
        answer:
          "In the ninth. The first 10-second window of bid time closes at 00:00:00 of event time; the aggregations' watermark, 5 seconds behind the sources', passes it only then. The highest bids per auction and the averages per category come out in the same batch: the first aggregation emits each auction's window at its window time, and the second one's window closes at the same watermark.",
      },
    },
    {
      text:
        'Choose the aggregate node: its State is the highest bid so far of each auction in each open window, ' +
        'each row with the watermark that evicts it, its window’s end.',
    },
  ],
};

const SESSIONS_SPARK = `SELECT session_window.start AS session_start, session_window.end AS session_end, bidder,
  count(*) AS bids, max(price) AS top_bid
FROM bid
GROUP BY session_window(ts, '2 seconds'), bidder`;

const sessionWindows: Lesson = {
  id: 'session-windows',
  title: 'Session windows: Nexmark bidder sessions',
  summary:
    "A session is a burst of one bidder's activity: it ends after a gap with no bids. Sessions have no fixed size and close on the watermark.",
  scenario: doc({
    sources: [generated('bid', 'nexmark_bid', { seed: 3, rate: 100, idle: { every: 8, length: 3 } }, '1 second')],
    query: SESSIONS_SPARK,
    trigger: MANUAL,
  }),
  steps: [
    {
      text:
        "session_window(ts, '2 seconds') groups the bids of each bidder that come less than 2 seconds apart. A session " +
        'starts at its first bid and ends 2 seconds after its last one. The generator pauses now and then (its idle ' +
        'knob: 3 seconds of every 8 with no events; steps then read nothing). Append mode emits a session once the ' +
        'watermark passes its end. Step about 10 times.',
      predict: {
        question: 'Bidding pauses. What happens to the open sessions once it resumes?',
        answer:
          'They close: the first bids after the pause move the watermark past the end of every session, so all of them are emitted together, each with its bid count.',
      },
    },
    {
      text:
        'Look at the sessions of one bidder. A hot bidder bids all the time, so its session lasts until the pause; others ' +
        'bid now and then and make many short sessions.',
      predict: {
        question: 'Can two emitted sessions of the same bidder overlap?',
        answer:
          'No. Sessions of one key that overlap or even touch (the next bid comes before the current end) merge into one session.',
      },
    },
    {
      text:
        'Flink writes the same query with a SESSION window table function, PARTITION BY naming the key. Apply the change: ' +
        'the sessions are the same.',
      change: {
        query: `SELECT window_start, window_end, bidder, count(*) AS bids, max(price) AS top_bid
FROM TABLE(SESSION(TABLE bid PARTITION BY bidder, DESCRIPTOR(ts), INTERVAL '2' SECONDS))
GROUP BY window_start, window_end, bidder`,
      },
    },
    {
      text: 'Now apply the change to update mode.',
      change: { query: SESSIONS_SPARK, outputMode: 'update' },
      predict: {
        question: 'Why is update mode refused for session windows?',
        answer:
          'A session emitted early could later merge with another: the row emitted before would describe a session that no longer exists. Spark refuses update mode for sessions; use append (each session once, when closed) or complete.',
      },
    },
  ],
};

const ENRICH = `SELECT o.ts, o.order_id, p.name, p.category, o.amount
FROM orders o JOIN products p ON o.product_id = p.product_id`;

const enrichment: Lesson = {
  id: 'enrichment',
  title: 'Enriching orders with a static table',
  summary:
    'A join between a stream and a static table looks each new row up: stateless, no watermark, nothing dropped.',
  scenario: doc({
    sources: [generated('orders', 'orders', { seed: 5, rate: 5 })],
    query: ENRICH,
    trigger: MANUAL,
  }),
  steps: [
    {
      text:
        '"orders" is a stream; "products" is a static table (the orders generator provides it, with name, category and ' +
        'price). Joining a stream to a static table needs no state: each batch looks its own orders up in products ' +
        'and forgets them. Step.',
      predict: {
        question: 'A batch reads 5 orders. How many rows does it emit?',
        answer:
          '5. Every order refers to a product that exists, so the inner join gives exactly one row per order. A LEFT JOIN (stream on the left) would keep orders with an unknown product too, with NULLs.',
      },
    },
    {
      text: 'Check the data: amount should be quantity times the price in products. Apply the change and step a few times.',
      change: {
        query: `SELECT o.order_id, o.quantity, p.price, o.amount, round(o.quantity * p.price, 2) = o.amount AS matches
FROM orders o JOIN products p ON o.product_id = p.product_id`,
      },
      predict: {
        question: 'Will matches ever be false?',
        answer: 'No: the generator computes each amount from the same price list.',
      },
    },
    {
      text:
        'Filter on the dimension: apply the change to keep only kitchen orders. A stream-static join never drops late ' +
        'rows, whatever their timestamps: only stateful operators (aggregations, sessions, deduplication, stream-stream ' +
        'joins) use the watermark.',
      change: { query: `${ENRICH}\nWHERE p.category = 'kitchen'` },
    },
  ],
};

const ATM_ALERTS = `SELECT window.start AS window_start, window.end AS window_end, card_id,
  count(*) AS withdrawals, sum(amount) AS total
FROM transactions
GROUP BY window(ts, '1 minute'), card_id
HAVING count(*) >= 3`;

const atmFraud: Lesson = {
  id: 'atm-fraud',
  title: 'ATM fraud detection',
  summary: 'Three or more withdrawals by one card within a minute raise an alert; update mode raises it at once.',
  scenario: doc({
    sources: [
      generated('transactions', 'transactions', { seed: 6, rate: 20, keys: 10000, fraudFraction: 0.05 }, '10 seconds'),
    ],
    query: ATM_ALERTS,
    outputMode: 'update',
    trigger: EVERY_SECOND,
  }),
  steps: [
    {
      text:
        'ATM withdrawals stream in, 20 per second, from 10,000 cards. A normal card withdraws small amounts in its home ' +
        'city, about once every 8 minutes here. Fraud looks different: one card, 3 to 5 large withdrawals (over $400) ' +
        'within seconds, in distant cities. The query counts withdrawals per card per minute and alerts at 3. Update mode emits an alert as soon as ' +
        'a count reaches 3, without waiting for the minute to end. Press Play.',
      predict: {
        question: "A card's alert row appeared with 3 withdrawals. Its 4th withdrawal arrives. What is emitted?",
        answer:
          'The same window and card again, now with 4 withdrawals and a larger total: update mode re-emits a row each time its aggregate changes. A sink must treat the rows as upserts keyed by (window_start, card_id).',
      },
    },
    {
      text:
        'A tumbling minute can split an episode: two withdrawals before 12:01 and two after, and no window reaches 3. ' +
        'Apply the change to sliding windows of a minute that start every 10 seconds.',
      change: {
        query: `SELECT window.start AS window_start, window.end AS window_end, card_id,
  count(*) AS withdrawals, sum(amount) AS total
FROM transactions
GROUP BY window(ts, '1 minute', '10 seconds'), card_id
HAVING count(*) >= 3`,
      },
      predict: {
        question: 'Does the sliding version catch every card the tumbling one caught? What does it cost?',
        answer:
          'Yes: every tumbling minute is also one of the sliding windows, and some sliding window holds any episode shorter than 50 seconds whole, wherever the minute boundary falls. The cost: each withdrawal counts in 6 windows, so 6 times the state, and one episode raises alerts in several windows.',
      },
    },
    {
      text:
        'See where the money went: a stateless join with the static table atms (city, lat, lon) for every large ' +
        'withdrawal. Apply the change.',
      change: {
        query: `SELECT t.ts, t.card_id, a.city, t.amount
FROM transactions t JOIN atms a ON t.atm_id = a.atm_id
WHERE t.amount > 400`,
        outputMode: 'append',
      },
    },
  ],
};

const SENSOR_ALERTS = `SELECT window_start, window_end, device_id,
  round(avg(temperature), 1) AS avg_temp, max(temperature) AS max_temp
FROM TABLE(TUMBLE(TABLE sensors, DESCRIPTOR(ts), INTERVAL '10' SECONDS))
GROUP BY window_start, window_end, device_id
HAVING max(temperature) > 40`;

const sensorAnomalies: Lesson = {
  id: 'sensor-anomalies',
  title: 'IoT sensor anomalies',
  summary:
    'Per device and 10-second window, the average and peak temperature, and an alert when the peak passes 40 °C.',
  scenario: doc({
    sources: [generated('sensors', 'sensors', { seed: 3, rate: 20, anomalyFraction: 0.03 }, '2 seconds')],
    query: SENSOR_ALERTS,
    trigger: EVERY_SECOND,
  }),
  steps: [
    {
      text:
        '50 devices (thermostats, freezers, greenhouses, server rooms, outdoor stations) report temperature and ' +
        'humidity. About 3% of readings are spikes, 15 to 35 °C away from normal. The query reports every device and ' +
        '10-second window whose peak passed 40 °C, in append mode, with a 2-second watermark. Press Play and wait.',
      predict: {
        question: 'A 52 °C spike arrives at 00:00:04. When does its alert appear?',
        answer:
          'Only once the watermark has passed the window end, 00:00:10: readings from 00:00:12 or later must have arrived first, so the first alerts come at step 14. Append mode trades latency for final results: each alert appears once, with its final average.',
      },
    },
    {
      text: 'For faster alerts, apply the change to update mode.',
      change: { outputMode: 'update' },
      predict: {
        question: 'How often can one window of one device be emitted now?',
        answer:
          'Once per batch that changes its average or peak while the peak is above 40 °C: the alert comes in the batch that reads the spike, then repeats with new averages until the window closes.',
      },
    },
    {
      text:
        'Which site is burning? Apply the change: a stateless join with the static table devices lists each hot ' +
        'reading with its site and kind.',
      change: {
        query: `SELECT s.ts, s.device_id, d.site, d.kind, s.temperature
FROM sensors s JOIN devices d ON s.device_id = d.device_id
WHERE s.temperature > 40`,
        outputMode: 'append',
      },
    },
  ],
};

const etlSink: Lesson = {
  id: 'etl-sink',
  title: 'An ETL job: what lands in the sink',
  summary:
    'Per-window aggregates in append mode: each window written exactly once, when final. Late orders never reach the sink.',
  scenario: doc({
    sources: [
      generated('orders', 'orders', { seed: 8, rate: 10, disorder: 2, lateFraction: 0.05, lateBy: 10 }, '3 seconds'),
    ],
    query: `SELECT window_start, window_end, count(*) AS orders, sum(quantity) AS items, round(sum(amount), 2) AS revenue
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' SECONDS))
GROUP BY window_start, window_end`,
    trigger: EVERY_SECOND,
  }),
  steps: [
    {
      text:
        'An ETL job turns raw orders into a table of revenue per 5 seconds and writes it to a sink: files, a warehouse ' +
        'table. Orders arrive up to 2 seconds out of order, and 5% of them 10 seconds late. The watermark delay is 3 ' +
        'seconds. The query output is the sink: everything the job wrote. Press Play.',
      predict: {
        question: 'How many times does each window appear in the sink?',
        answer:
          'Exactly once: append mode writes a window when the watermark passes its end and never touches it again, so the sink can simply append, file after file.',
      },
    },
    {
      text: 'Watch the late rows.',
      predict: {
        question: 'The orders that are 10 seconds late: do they land in the sink?',
        answer:
          'No. Their window was written already, so they are dropped and reported as late rows. Choose the watermark delay for the lateness you must keep: a longer delay keeps more and delays every window.',
      },
    },
    {
      text: 'Apply the change to update mode and start over.',
      change: { outputMode: 'update' },
      predict: {
        question: 'What would the sink receive now?',
        answer:
          'Each window many times, with growing counts, from its first order until it closes. The sink must then upsert by window_start (a key-value store or a MERGE), not append.',
      },
    },
  ],
};

/** The lessons, in workshop order. */
export const LESSONS: readonly Lesson[] = [
  unboundedTables,
  tumblingWindows,
  slidingWindows,
  cumulatingWindows,
  eventTime,
  watermarks,
  outputModes,
  changelogs,
  stateEviction,
  idleSource,
  chainedPipeline,
  sessionWindows,
  enrichment,
  atmFraud,
  sensorAnomalies,
  etlSink,
];
