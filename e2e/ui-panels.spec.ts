import type { Page } from '@playwright/test';
import { expect, openPlayground, test, writeSql } from './fixtures';

const PANELS = ['Editor', 'Sources', 'Controls', 'Results', 'Timeline', 'Dataflow', 'Late rows', 'Progress'];

async function ready(page: Page) {
  await openPlayground(page);
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText('ready');
}

/** Opens the tab that holds a secondary panel (Sources, Dataflow, Late rows, Progress). */
async function openTab(page: Page, name: string) {
  await page.getByRole('tab', { name }).click();
  await expect(page.getByRole('region', { name, exact: true })).toBeVisible();
}

test('all eight panels are there, by name', async ({ page }) => {
  await ready(page);
  for (const name of ['Editor', 'Controls', 'Results', 'Timeline', 'Sources']) {
    await expect(page.getByRole('region', { name, exact: true })).toBeVisible();
  }
  for (const name of ['Dataflow', 'Late rows', 'Progress', 'Sources']) await openTab(page, name);
  expect(await page.locator('section[aria-label]').evaluateAll((nodes) => nodes.map((n) => n.ariaLabel))).toEqual(
    expect.arrayContaining(PANELS),
  );
  for (const name of ['Run', 'Pause', 'Step', 'Reset', 'Copy link']) {
    await expect(page.getByRole('button', { name, exact: true })).toBeVisible();
  }
  // Completion knows the streams, the static tables and their columns.
  await writeSql(page, 'SELECT * FROM clicks WHERE us');
  await page.keyboard.press('Control+Space');
  await expect(page.getByRole('listbox')).toContainText('user_id');
  await page.keyboard.press('Escape');
  await writeSql(page, 'SELECT * FROM pag');
  await page.keyboard.press('Control+Space');
  await expect(page.getByRole('listbox')).toContainText('pages');
});

test('the default scenario plays: batches, results, timeline dots, a late row, progress', async ({ page }) => {
  await ready(page);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const status = page.getByRole('status', { name: 'Run status' });
  await expect(status).toContainText('running');
  await expect(status).toContainText(/[1-9]\d* batch/);

  const results = page.getByRole('region', { name: 'Results' });
  await expect(results.getByText("each window's row appears once, when the watermark closes it")).toBeVisible();
  await expect(results.getByRole('table', { name: 'Result table' }).getByRole('row').nth(1)).toBeVisible();
  await expect(
    results.getByRole('table', { name: 'Result table' }).getByRole('cell', { name: 'final' }).first(),
  ).toBeVisible();
  await expect(results.getByRole('img', { name: /Chart of clicks per window/ })).toBeVisible();

  const timeline = page.getByRole('region', { name: 'Timeline' });
  await expect
    .poll(async () => Number((await timeline.getByTestId('timeline-dots').innerText()).replace(/,/g, '')))
    .toBeGreaterThan(0);

  // 5% of the clicks are 30 s late: the watermark drops some.
  await expect(page.getByRole('tab', { name: /Late rows \d+/ })).toBeVisible();
  await expect.poll(async () => Number(await timeline.getByTestId('timeline-late').innerText())).toBeGreaterThan(0);
  // Point at a late row's X, found as a user would, by its colour on the figure: its tooltip says what it missed.
  const marks = timeline.locator('canvas.marks');
  const cross = await marks.evaluate((canvas: HTMLCanvasElement) => {
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const late = getComputedStyle(canvas)
      .getPropertyValue('--late')
      .match(/[\da-f]{2}/gi)!
      .map((hex) => parseInt(hex, 16));
    for (let i = 0; i < pixels.length; i += 4) {
      if (pixels[i + 3] === 255 && late.every((value, c) => Math.abs(pixels[i + c]! - value) < 8)) {
        const ratio = canvas.width / canvas.clientWidth;
        return { x: ((i / 4) % canvas.width) / ratio, y: Math.floor(i / 4 / canvas.width) / ratio };
      }
    }
    return null;
  });
  expect(cross).not.toBeNull();
  const box = (await marks.boundingBox())!;
  await page.mouse.move(box.x + cross!.x, box.y + cross!.y);
  await expect(timeline.getByRole('tooltip')).toContainText(
    /^Late row, dropped in batch \d+ .* missed the watermark .* by /,
  );
  await timeline.screenshot({ path: test.info().outputPath('timeline-late-tooltip.png') });
  await page.mouse.move(0, 0);
  await expect(timeline.getByRole('tooltip')).toBeHidden();
  await openTab(page, 'Late rows');
  const late = page.getByRole('region', { name: 'Late rows' });
  await expect(late.getByRole('table', { name: 'Dropped rows' }).getByRole('row').nth(1)).toContainText('clicks');
  await expect(late.getByRole('table', { name: 'Late rows per batch' })).toContainText(/\d/);
  // Every late row the summary counts is listed, as more arrive (the panel kept its first few once).
  const dropped = late.getByRole('table', { name: 'Dropped rows' });
  const counted = async () => Number(/([\d,]+) late rows? dropped/.exec(await late.innerText())![1]!.replace(/,/g, ''));
  const first = await counted();
  await expect
    .poll(async () => {
      const total = await counted();
      return total > first && Number(await dropped.getAttribute('aria-rowcount')) - 1 === total;
    })
    .toBe(true);

  await openTab(page, 'Progress');
  const progress = page.getByRole('region', { name: 'Progress' });
  await expect(progress.getByRole('table', { name: 'Batches' }).getByRole('row').nth(1)).toBeVisible();
  await progress.getByText(/Raw progress JSON/).click();
  await expect(progress.locator('pre')).toContainText('"stateOperators"');

  await openTab(page, 'Sources');
  const sources = page.getByRole('region', { name: 'Sources' });
  await expect(sources.getByText(/Unbounded input table/)).toBeVisible();
  // The input table grows batch by batch.
  await expect(sources.getByText(/\d+ rows read in [2-9]\d* batches/)).toBeVisible();
  await expect(sources.getByRole('table', { name: 'Input rows of clicks' }).getByRole('row').nth(1)).toBeVisible();
  await expect(sources.getByText(/event time/).first()).toBeVisible();

  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(status).toContainText('paused');
});

test('the Changelog toggle shows the sink as Flink prints it, beside the table those changes build', async ({
  page,
}, testInfo) => {
  await ready(page);
  await page.getByRole('region', { name: 'Controls' }).getByRole('radio', { name: 'update' }).check();
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText('ready');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const results = page.getByRole('region', { name: 'Results' });
  await results.getByRole('button', { name: 'Changelog' }).click();
  await expect(results.getByRole('button', { name: 'Changelog' })).toHaveAttribute('aria-pressed', 'true');
  const changelog = results.getByRole('table', { name: 'Changelog' });
  await expect(results.getByRole('table', { name: 'Result table' })).toBeVisible();
  // Update mode: a window's count per page is inserted, then updated as more clicks come, a row before and after.
  for (const op of ['+I', '-U', '+U']) await expect(changelog.getByRole('cell', { name: op }).first()).toBeVisible();
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText('paused');
  await results.screenshot({ path: testInfo.outputPath('changelog-update-mode.png') });

  await results.getByRole('button', { name: 'Changelog' }).click();
  await expect(changelog).toHaveCount(0);
});
