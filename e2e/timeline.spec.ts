import { expect, openPlayground, stepOnce, test } from './fixtures';

test('session windows are drawn on the timeline as outlined, hatched bands', async ({ page }, testInfo) => {
  await openPlayground(page);
  await page.getByRole('combobox', { name: 'Lesson' }).selectOption('session-windows');
  const timeline = page.getByRole('region', { name: 'Timeline' });
  await expect(timeline).toContainText('sessions (gap 2 s)');
  const sessions = timeline.getByTestId('timeline-sessions').locator('rect');
  // Steps, not time: the lesson's first session closes within its first twelve steps, and its band appears.
  for (let i = 0; i < 12 && (await sessions.count()) === 0; i++) await stepOnce(page);
  await expect(sessions.first()).toBeAttached();
  // The legend counts the bands drawn: the two are read again until the chart has drawn both from one batch.
  const count = timeline.getByTestId('timeline-session-count');
  await expect(async () => expect(Number(await count.innerText())).toBe(await sessions.count())).toPass();
  await expect(sessions.first().locator('title')).toHaveText(/^Session of \d+: [\d:.]+ to [\d:.]+ \(/);
  // Each band spans its session's event time, outlined in the colour of the legend's session key.
  const box = await sessions.first().boundingBox();
  expect(box!.height).toBeGreaterThan(0);
  const outline = await sessions.first().evaluate((rect) => getComputedStyle(rect).stroke);
  const key = await timeline
    .getByText('sessions (gap 2 s)')
    .locator('[aria-hidden="true"]')
    .evaluate((swatch) => getComputedStyle(swatch).borderTopColor);
  expect(outline).toBe(key);
  await timeline.screenshot({ path: testInfo.outputPath('timeline-sessions.png') });
});
