import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { Table as WasmTable, writeParquet } from 'parquet-wasm/node';
import type { Page } from '@playwright/test';
import { batchesRun, expect, freshProfile, openPlayground, savedDownload, stepOnce, test, writeSql } from './fixtures';

/** Readings of two devices over two minutes, one file per minute, as a user's exported logs might be. */
const MINUTES = [
  ['ts,device,temp', '2024-05-01 12:00:05,a,20.5', '2024-05-01 12:00:40,b,21.0', '2024-05-01 12:00:50,a,20.0'],
  ['ts,device,temp', '2024-05-01 12:01:10,a,22.5', 'not a time,b,19.5', '2024-05-01 12:01:30,b,23.0'],
];
const csv = (lines: string[]) => Buffer.from(lines.join('\n') + '\n');

const PER_MINUTE = `SELECT window_start, device, count(*) AS readings
FROM TABLE(TUMBLE(TABLE readings, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, device`;

/** The query a user writes, loaded to run step by step. */
async function stepThrough(page: Page, sql: string) {
  await writeSql(page, sql);
  await page.getByLabel('Trigger', { exact: true }).selectOption('manual');
}

async function addFiles(page: Page, files: { name: string; buffer: Buffer }[]) {
  await page.getByRole('tab', { name: 'Sources' }).click();
  const own = page.getByRole('article', { name: 'Your own data' });
  await own.getByLabel('Add a file source').setInputFiles(files.map((file) => ({ ...file, mimeType: 'text/plain' })));
  return own.getByRole('form', { name: 'New file source' });
}

test('CSV files become a stream, one file per trigger: the schema shown for editing, a bad row named by its line', async ({
  page,
}) => {
  await openPlayground(page);
  const form = await addFiles(page, [
    { name: 'readings-2.csv', buffer: csv(MINUTES[1]!) },
    { name: 'readings-1.csv', buffer: csv(MINUTES[0]!) },
  ]);
  await expect(form).toContainText('2 CSV files');
  await expect(form.getByRole('textbox', { name: 'Source name' })).toHaveValue('readings');
  const schema = form.getByRole('table', { name: 'Schema of the new source' });
  await expect(schema.getByRole('row')).toHaveCount(4);
  for (const [column, type] of [
    ['ts', 'TIMESTAMP'],
    ['device', 'VARCHAR'],
    ['temp', 'DOUBLE'],
  ]) {
    await expect(schema.getByRole('combobox', { name: `Type of ${column}` })).toHaveValue(type!);
  }
  await expect(form.getByRole('combobox', { name: 'Event time' })).toHaveValue('ts');
  await form.getByRole('spinbutton', { name: 'Files per trigger' }).fill('1');
  await form.getByRole('button', { name: 'Add source' }).click();
  await expect(form).toHaveCount(0);
  const sources = page.getByRole('region', { name: 'Sources' });
  await expect(sources).toContainText('csv files: 2 files, 1 file per trigger');

  await stepThrough(page, PER_MINUTE);
  await page.getByRole('tab', { name: 'Sources' }).click();
  // The first trigger reads the first file by name, whatever order they were picked in.
  await stepOnce(page);
  const input = sources.getByRole('table', { name: 'Input rows of readings' });
  await expect(input.getByRole('row')).toHaveCount(4);
  await expect(input).toContainText('12:00:40');
  await expect(input).not.toContainText('12:01:10');
  const status = page.getByRole('status', { name: 'Run status' });
  await expect(status).toContainText('1 file waiting');
  // The second reads the second file; its line 3 is not a time, and says so, and the rest of it streams.
  await stepOnce(page);
  await expect(sources).toContainText('5 rows read in 2 batches');
  await expect(status).not.toContainText('waiting');
  await expect(input).toContainText('12:01:30');
  const results = page.getByRole('region', { name: 'Results' });
  await expect(sources.getByRole('list', { name: 'Rows left out of readings' })).toContainText(
    'readings/readings-2.csv line 3: ts is "not a time", not TIMESTAMP',
  );
  // The watermark (10 s behind 12:01:30) has passed 12:01: the 12:00 windows are final.
  await stepOnce(page);
  await expect(results.getByRole('table', { name: 'Result table' })).toContainText(/12:00:00\s*a\s*2/);
  await page.screenshot({ path: test.info().outputPath('file-source.png') });

  // A link holds the document, not the files, and says so.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'The link carries no data files.' })).toContainText(
    'It holds the queries and the schema of readings; whoever opens it adds the files in Sources.',
  );

  // A reload keeps the work but not the files: the engine says what is missing, and the source asks for them.
  await page.reload();
  await expect(page.getByRole('region', { name: 'Editor' }).getByRole('alert')).toContainText(
    'no file matches "readings/*" (no data files were given)',
  );
  await page.getByRole('tab', { name: 'Sources' }).click();
  await sources.getByLabel('Files of readings').setInputFiles([
    { name: 'readings-1.csv', mimeType: 'text/csv', buffer: csv(MINUTES[0]!) },
    { name: 'readings-2.csv', mimeType: 'text/csv', buffer: csv(MINUTES[1]!) },
  ]);
  await expect(sources).toContainText('csv files: 2 files, 1 file per trigger');
  await expect(page.getByRole('region', { name: 'Editor' }).getByRole('alert')).toHaveCount(0);
  await stepOnce(page);
  await expect(input.getByRole('row')).toHaveCount(4);
});

test('a Parquet file streams too; an unreadable one says why; the scenario with its data opens in a fresh browser', async ({
  page,
  browser,
  baseURL,
  guard,
}) => {
  await openPlayground(page);
  const table = tableFromArrays({
    ts: new BigInt64Array([0n, 1_000n, 2_000n].map((ms) => (1_714_564_800_000n + ms) * 1000n)),
    v: Int32Array.from([1, 2, 3]),
  });
  const parquet = writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')));
  let form = await addFiles(page, [{ name: 'measures.parquet', buffer: Buffer.from(parquet) }]);
  await expect(form).toContainText('1 PARQUET file');
  await form.getByRole('button', { name: 'Add source' }).click();
  await expect(form).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Sources' })).toContainText('parquet files: 1 file');
  await stepThrough(page, 'SELECT v FROM measures WHERE v > 1');
  await stepOnce(page);
  const values = page.getByRole('region', { name: 'Results' }).getByRole('table', { name: 'Result table' });
  await expect(values.getByRole('row')).toHaveCount(3);
  expect((await values.getByRole('row').allTextContents()).slice(1).sort()).toEqual(['final2', 'final3']);

  form = await addFiles(page, [{ name: 'broken.parquet', buffer: Buffer.from('not parquet at all') }]);
  const own = page.getByRole('article', { name: 'Your own data' });
  await expect(own.getByRole('alert')).toContainText('broken.parquet');
  await expect(form).toHaveCount(0);

  // Export the scenario with its data; another browser profile opens it and plays the same rows.
  await page.getByText('Export').click();
  const archive = await savedDownload(
    page,
    () => page.getByRole('button', { name: 'Scenario with its data' }).click(),
    'tideline-scenario.zip',
  );
  const context = await freshProfile(browser, baseURL!, guard);
  const fresh = await context.newPage();
  await openPlayground(fresh);
  await fresh.getByLabel('Open a scenario file').setInputFiles({
    name: 'notes.zip',
    mimeType: 'application/zip',
    buffer: Buffer.from('not a zip'),
  });
  await expect(fresh.getByRole('alert')).toContainText('notes.zip could not be opened: it is not a zip archive.');
  await fresh.getByLabel('Open a scenario file').setInputFiles(archive);
  await expect(fresh.getByLabel('SQL')).toHaveText('SELECT v FROM measures WHERE v > 1');
  await stepOnce(fresh);
  const reopened = fresh.getByRole('region', { name: 'Results' }).getByRole('table', { name: 'Result table' });
  await expect(reopened.getByRole('row')).toHaveCount(3);
  await context.close();
});

test('files replay at a rate of rows per second, by event time: a row written late in the file is read in its place', async ({
  page,
}) => {
  await openPlayground(page);
  const form = await addFiles(page, [
    {
      name: 'shuffled.csv',
      buffer: csv(['ts,device,temp', '2024-05-01 12:00:40,b,21.0', '2024-05-01 12:00:05,a,20.5']),
    },
  ]);
  await form.getByRole('combobox', { name: 'Reads' }).selectOption('rows per second');
  await form.getByRole('spinbutton', { name: 'Rows per second' }).fill('1');
  await form.getByRole('combobox', { name: 'Order' }).selectOption('by event time');
  await form.screenshot({ path: test.info().outputPath('file-replay-form.png') });
  await form.getByRole('button', { name: 'Add source' }).click();
  const sources = page.getByRole('region', { name: 'Sources' });
  await expect(sources).toContainText('csv files: 1 file, 1 rows/s by event time');

  await stepThrough(page, 'SELECT ts, device FROM shuffled');
  await page.getByRole('tab', { name: 'Sources' }).click();
  await stepOnce(page);
  const input = sources.getByRole('table', { name: 'Input rows of shuffled' });
  await expect(input.getByRole('row')).toHaveCount(2);
  await expect(input).toContainText('12:00:05');
  await stepOnce(page);
  await expect(input).toContainText('12:00:40');

  // Back to the order of the file: the run starts again, and reads 12:00:40 first.
  await sources.getByRole('combobox', { name: 'Order' }).selectOption('as in the files');
  await expect(sources).toContainText('csv files: 1 file, 1 rows/s, in file order');
  await expect.poll(() => batchesRun(page)).toBe(0);
  await stepOnce(page);
  await expect(input.getByRole('row')).toHaveCount(2);
  await expect(input).toContainText('12:00:40');
});
