import { expect, openPlayground, stepOnce, test, writeSql } from './fixtures';

test('the Dataflow view draws the pipeline live: rows, state, the watermark and why, late rows per operator', async ({
  page,
}, testInfo) => {
  await openPlayground(page);
  await page.getByRole('tab', { name: 'Dataflow' }).click();
  const dataflow = page.getByRole('region', { name: 'Dataflow', exact: true });
  const operators = dataflow.getByRole('list', { name: 'Operators' });
  // The default query, a tumbling count of clicks: its source, the aggregation, the sink.
  await expect(operators.getByRole('listitem')).toHaveText([/^clicks/, /^aggregate/, /^sink/]);
  await expect(operators.getByRole('listitem', { name: 'aggregate' })).toContainText('no batch yet');

  // 5% of the clicks are 30 s late: the aggregation drops some, and its node says how many.
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const aggregate = operators.getByRole('listitem', { name: 'aggregate' });
  await expect(aggregate).toContainText(/[\d,]+ in → [\d,]+ out/);
  await expect(aggregate).toContainText(/state [\d,]+ rows · [\d.]+ [KM]?B/);
  await expect(aggregate).toContainText(/wm \d\d:\d\d:\d\d/);
  await expect(dataflow.getByRole('region', { name: 'Why the watermark stands here' })).toContainText(
    /clicks: latest event \d\d:\d\d:\d\d(\.\d+)? − \d+ seconds? = /,
  );
  const late = aggregate.getByRole('button', { name: /late$/ });
  await expect(late).toBeVisible({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Pause', exact: true }).click();

  // Its late rows, and only its own, in the Late rows panel.
  await late.click();
  const lateRows = page.getByRole('region', { name: 'Late rows', exact: true });
  await expect(lateRows).toBeVisible();
  await expect(lateRows).toContainText(/Showing the [\d,]+ late rows? that aggregate dropped/);
  await lateRows.getByRole('button', { name: "Show every operator's" }).click();
  await expect(lateRows).not.toContainText('that aggregate dropped');

  // What the aggregation keeps, from EXPLAIN; the edges say what flows on them.
  await page.getByRole('tab', { name: 'Dataflow' }).click();
  await aggregate.getByRole('button', { name: 'aggregate' }).click();
  const details = dataflow.getByRole('region', { name: 'Operator aggregate' });
  await expect(details).toContainText('a partial aggregate per key');
  await expect(details).toContainText('evicted when window_end <= watermark');
  await expect(details).toContainText('append-only');
  // Its state as it is now: a real table, read from the worker, with the watermark that evicts each row.
  const state = dataflow.getByRole('region', { name: 'State' });
  await expect(state).toContainText(/a partial aggregate per key: [\d,]+ rows?, read after batch \d+/);
  const table = state.getByRole('table', { name: /^State of aggregate/ });
  await expect(table.getByRole('columnheader')).toHaveText([
    'window_start',
    'window_end',
    'page',
    'clicks',
    'evicted at watermark',
  ]);
  await expect(table.getByRole('row').nth(1)).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('dataflow-1280.png') });
  await page.setViewportSize({ width: 1920, height: 1080 });
  await expect(details).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('dataflow-1920.png') });

  // Hovering the watermark's line on the timeline says why it stands there: the middle of its last whole step.
  const line = page.getByRole('region', { name: 'Timeline' }).locator('path.watermark');
  const point = await line.evaluate((path: SVGPathElement) => {
    // "M x0,y0 H x1 V y1 H x2 V y2 … H now": step i runs from x_i to x_(i+1) at y_i.
    const numbers = path
      .getAttribute('d')!
      .match(/-?[\d.]+/g)!
      .map(Number);
    const steps = (numbers.length - 1) / 2;
    const i = steps - 2;
    const box = path.ownerSVGElement!.getBoundingClientRect();
    return { x: box.x + (numbers[2 * i]! + numbers[2 * i + 2]!) / 2, y: box.y + numbers[2 * i + 1]! };
  });
  await page.mouse.move(point.x, point.y);
  await expect(page.getByRole('tooltip')).toContainText(/Watermark \d\d:\d\d:\d\d/);
  await expect(page.getByRole('tooltip')).toContainText(/clicks: latest event/);

  // From the keyboard: the watermark's steps are a slider; each arrow key moves the reason one step.
  await page.mouse.move(0, 0);
  await expect(page.getByRole('tooltip')).toHaveCount(0);
  const steps = page.getByRole('slider', { name: 'Watermark steps' });
  await steps.focus();
  await expect(page.getByRole('tooltip')).toContainText(/clicks: latest event/);
  const last = Number(/batch (\d+)\./.exec((await steps.getAttribute('aria-valuetext')) ?? '')![1]);
  await expect(steps).toHaveAttribute(
    'aria-valuetext',
    new RegExp(`^Watermark .*, batch ${last}\\. .*clicks: latest event`),
  );
  await page.keyboard.press('ArrowLeft');
  await expect(steps).toHaveAttribute('aria-valuetext', new RegExp(`, batch ${last - 1}\\. `));
  await expect(page.getByRole('tooltip')).toContainText(`, batch ${last - 1}`);
  await page.keyboard.press('End');
  await expect(steps).toHaveAttribute('aria-valuetext', new RegExp(`, batch ${last}\\. `));
  await page.keyboard.press('Tab');
  await expect(page.getByRole('tooltip')).toHaveCount(0);
});

test('in Step mode the State view marks what each batch added, updated and removed (the state-and-eviction lesson)', async ({
  page,
}) => {
  await openPlayground(page);
  await page.getByRole('combobox', { name: 'Lesson' }).selectOption('state-eviction');
  const status = page.getByRole('status', { name: 'Run status' });
  await expect(status).toContainText('ready');
  await page.getByRole('tab', { name: 'Dataflow' }).click();
  const dataflow = page.getByRole('region', { name: 'Dataflow', exact: true });
  await dataflow.getByRole('button', { name: 'aggregate' }).click();
  const state = dataflow.getByRole('region', { name: 'State' });
  const rows = state.getByRole('table', { name: /^State of aggregate/ }).getByRole('row');

  // Step 1: (12:00, a) counts 2 readings and (12:00, b) one; both are new.
  await stepOnce(page);
  await expect(state).toContainText(/2 rows, read after batch \d+/);
  await expect(rows).toHaveText([
    /window_start/,
    /^added\s*12:00:00\s*12:01:00\s*a\s*2/,
    /^added\s*12:00:00\s*12:01:00\s*b\s*1/,
  ]);
  // Step 2: a's first reading of 12:01 adds a row; the 12:00 rows stay as they were.
  await stepOnce(page);
  await expect(state).toContainText(/3 rows, read after batch \d+\. .*Marked: what changed after batch \d+/);
  await expect(rows.filter({ hasText: /12:01:00\s*12:02:00/ })).toHaveText(/^added/);
  await expect(rows.filter({ hasText: /^added/ })).toHaveCount(1);
  // Step 3: b's 12:01:45 adds a row; the no-data batch after it emits and evicts the 12:00 windows.
  await stepOnce(page);
  await expect(rows.filter({ hasText: /^removed/ })).toHaveCount(2);
  await expect(rows.filter({ hasText: /^added/ })).toHaveCount(1);
  await expect(state).toContainText('2 rows');
});

test('with several queries, the Dataflow view can draw every query over the sources they share', async ({
  page,
}, testInfo) => {
  await openPlayground(page);
  const editor = page.getByRole('region', { name: 'Editor' });
  await editor.getByRole('button', { name: 'Add a query' }).click();
  await writeSql(page, 'SELECT page, ts FROM clicks');
  await page.getByRole('tab', { name: 'Dataflow' }).click();
  const dataflow = page.getByRole('region', { name: 'Dataflow', exact: true });
  await dataflow.getByRole('checkbox', { name: 'Every query, over the sources they share' }).check();
  await page.getByRole('button', { name: 'Run', exact: true }).click();

  // One clicks node feeds both queries' boxes.
  await expect(dataflow.getByRole('list', { name: 'Sources' }).getByRole('listitem')).toHaveText([/^clicks/]);
  const counts = dataflow.getByRole('list', { name: 'Operators of query', exact: true });
  const copies = dataflow.getByRole('list', { name: 'Operators of query_2' });
  await expect(counts.getByRole('listitem')).toHaveText([/^aggregate/, /^sink/]);
  await expect(copies.getByRole('listitem')).toHaveText([/^stateless/, /^sink/]);
  await expect(counts.getByRole('listitem', { name: 'aggregate of query' })).toContainText(/ran at wm \d\d:\d\d:\d\d/);
  await expect(copies.getByRole('listitem', { name: 'sink of query_2' })).toContainText(/[1-9][\d,]* in → [\d,]+ out/);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await page.screenshot({ path: testInfo.outputPath('dataflow-every-query.png') });

  // Choosing the first query's aggregation selects that query and opens its state.
  await counts.getByRole('button', { name: 'aggregate' }).click();
  await expect(editor.getByRole('tab', { name: /^query append/ })).toHaveAttribute('aria-selected', 'true');
  await expect(
    dataflow
      .getByRole('table', { name: /^State of aggregate/ })
      .getByRole('row')
      .nth(1),
  ).toBeVisible();
});
