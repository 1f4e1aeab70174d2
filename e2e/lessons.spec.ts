import { writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { strFromU8, unzipSync } from 'fflate';
import type { Page } from '@playwright/test';
import { expect, openPlayground as ready, stepOnce, test } from './fixtures';

/** Steps `count` scripted batches, waiting for each to be counted. */
async function step(page: Page, count: number) {
  const status = page.getByRole('status', { name: 'Run status' });
  await expect(status).toContainText('0 batches');
  for (let i = 1; i <= count; i++) await stepOnce(page);
}

async function resultRows(page: Page): Promise<string[]> {
  return page.getByRole('region', { name: 'Results' }).getByRole('row').allInnerTexts();
}

test('opens a lesson, walks its steps, and steps the scripted batches', async ({ page }, testInfo) => {
  await ready(page);
  await page.getByRole('combobox', { name: 'Lesson' }).selectOption('watermarks');
  const lesson = page.getByRole('region', { name: 'Lesson' });
  await expect(lesson).toContainText('Watermarks and late rows');
  await expect(lesson).toContainText('Step 1 of');
  await expect(page.getByRole('region', { name: 'Editor' })).toContainText('TUMBLE(TABLE readings');
  for (let i = 0; i < 4; i++) await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Results' }).getByRole('row')).not.toHaveCount(0);
  await lesson.getByRole('button', { name: 'Next' }).click();
  await expect(lesson).toContainText('Step 2 of');
  await page.screenshot({ path: testInfo.outputPath('lesson.png') });
});

test('Copy link puts the whole state in the URL, and the link replays the same results', async ({ page, context }) => {
  await ready(page);
  await page.getByRole('combobox', { name: 'Lesson' }).selectOption('watermarks');
  await expect(page.getByRole('region', { name: 'Lesson' })).toContainText('Watermarks and late rows');
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByText('Copied', { exact: true })).toBeVisible();
  const url = page.url();
  expect(url).toMatch(/#v1\.[A-Za-z0-9_-]+$/);
  expect(url.length).toBeLessThan(2000);
  await step(page, 5);
  await expect.poll(() => resultRows(page)).not.toEqual([]);
  const original = await resultRows(page);
  const batches = /\d+ batch(es)?/.exec(await page.getByRole('status', { name: 'Run status' }).innerText())![0];

  const other = await context.newPage();
  await ready(other, url);
  await expect(other.getByRole('region', { name: 'Lesson' })).toContainText('Watermarks and late rows');
  await step(other, 5);
  await expect(other.getByRole('status', { name: 'Run status' })).toContainText(batches);
  await expect.poll(() => resultRows(other)).toEqual(original);
});

test('a broken link says so and opens the default playground; nothing in it runs', async ({ page }) => {
  await ready(page, './#v1.not-a-real-link-%3Cscript%3Ealert(1)%3C/script%3E');
  await expect(page.getByRole('alert')).toContainText('This link could not be opened');
  await expect(page.getByRole('region', { name: 'Editor' })).toContainText('clicks');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText('running');
});

test('exports the results as CSV and Parquet, the run as Spark and Flink jobs with its events, and the lesson as a PySpark job and as Databricks and Jupyter notebooks', async ({
  page,
}) => {
  await ready(page);
  await page.getByRole('combobox', { name: 'Lesson' }).selectOption('watermarks');
  for (let i = 0; i < 5; i++) await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => resultRows(page)).not.toEqual([]);
  await page.getByText('Export').click();
  /** Presses an Export menu button; the file it downloads, by name and text. */
  const exported = async (button: string) => {
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: button }).click();
    const stream = await (await download).createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    return { name: (await download).suggestedFilename(), bytes, text: bytes.toString('utf8') };
  };
  const csv = (await exported('Results as CSV')).text.split('\r\n').filter(Boolean);
  expect(csv[0]).toBe('window_start,window_end,readings');
  // Arrow and Parquet are built in the page, under its Content-Security-Policy (no eval).
  const arrow = tableFromIPC((await exported('Results as Arrow')).bytes);
  expect(arrow.schema.fields.map((field) => field.name)).toEqual(['window_start', 'window_end', 'readings']);
  expect(arrow.numRows).toBe(csv.length - 1);
  // Parquet, written by parquet-wasm: native DuckDB reads back the rows the CSV holds.
  const parquet = await exported('Results as Parquet');
  expect(parquet.name).toBe('tideline-results.parquet');
  const file = test.info().outputPath('results.parquet');
  writeFileSync(file, parquet.bytes);
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  const read = await connection.runAndReadAll(
    `SELECT strftime(window_start, '%Y-%m-%d %H:%M:%S') || ',' || strftime(window_end, '%Y-%m-%d %H:%M:%S') || ',' || readings FROM read_parquet('${file}')`,
  );
  expect(read.getRowsJS().map(([line]) => line)).toEqual(csv.slice(1));
  expect((await exported('PySpark job')).name).toBe('tideline_job.py');

  // The run so far as a Spark job: each batch's events as Spark's file source reads them, one file a trigger, and
  // Tideline's output per batch, which in append mode adds up to the result table.
  const bundle = await exported("Spark job with this run's events");
  expect(bundle.name).toBe('tideline-spark-bundle.zip');
  const entries = unzipSync(new Uint8Array(bundle.bytes));
  const text = (path: string) => strFromU8(entries[`tideline-spark-bundle/${path}`]!);
  expect(text('job.py')).toContain('maxFilesPerTrigger');
  const inputs = Object.keys(entries).filter((path) => path.includes('/input/'));
  expect(inputs.length).toBeGreaterThan(0);
  const batches = Object.keys(entries)
    .filter((path) => path.includes('/expected/'))
    .map((path) => JSON.parse(strFromU8(entries[path]!)) as { rows: unknown[][] });
  expect(batches.flatMap((batch) => batch.rows).map((row) => row.join(','))).toEqual(
    csv.slice(1).map((line) => line.replace(/(\d\d:\d\d:\d\d)(?:\.000)?/g, '$1')),
  );
  const flink = unzipSync(new Uint8Array((await exported("Flink job with this run's events")).bytes));
  expect(strFromU8(flink['tideline-flink-bundle/job.sql']!)).toContain("'path' = '/tmp/tideline-flink-bundle/input/");
  await expect(page.getByRole('status').filter({ hasText: 'Saved the Flink job' })).toContainText('unzip it in /tmp');

  // The lesson as notebooks: its text as markdown, step by step, then the PySpark job.
  const databricks = await exported('Databricks notebook');
  expect(databricks.name).toBe('watermarks.py');
  expect(databricks.text).toMatch(/^# Databricks notebook source\n# MAGIC %md\n# MAGIC # Watermarks/);
  expect(databricks.text).toContain('# MAGIC **Step 1.**');
  const jupyter = await exported('Jupyter notebook');
  expect(jupyter.name).toBe('watermarks.ipynb');
  const notebook = JSON.parse(jupyter.text) as { nbformat: number; cells: { cell_type: string; source: string[] }[] };
  expect(notebook.nbformat).toBe(4);
  expect(notebook.cells[0]!.source[0]).toMatch(/^# Watermarks/);
  expect(
    notebook.cells.filter((cell) => cell.source.join('').includes('<summary>Answer</summary>')).length,
  ).toBeGreaterThan(0);
  expect(notebook.cells.at(-1)!.source.join('')).toBe('spark.streams.awaitAnyTermination()');
});
