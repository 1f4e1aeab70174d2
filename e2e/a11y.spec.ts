import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { batchesRun, expect, openPlayground, test } from './fixtures';

/** axe-core's WCAG 2.0 and 2.1 A and AA rules on the page, or on one part of it: each violation, its elements. */
async function violations(page: Page, part?: string) {
  const axe = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  const results = await (part ? axe.include(part) : axe).analyze();
  return results.violations.map((violation) => ({
    rule: violation.id,
    nodes: violation.nodes.map((node) => node.target.join(' ')),
  }));
}

test('the page passes axe-core’s WCAG 2.1 AA rules, idle and while a run plays', async ({ page }) => {
  await openPlayground(page);
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText('ready');
  expect(await violations(page), 'idle').toEqual([]);

  // Four batches a second, each as long in event time as one of the default's one a second (5x event time):
  // twenty batches bring the same rows in a quarter of the time.
  await page.getByLabel('Trigger interval (seconds)').fill('0.25');
  await page.getByLabel('Trigger interval (seconds)').press('Tab');
  await page.getByRole('slider', { name: 'Speed' }).fill('20');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect.poll(() => batchesRun(page)).toBeGreaterThanOrEqual(3);
  expect(await violations(page), 'running').toEqual([]);
  // axe reads only what is shown: each side tab in turn, once the run has brought enough rows that its tables
  // and lists scroll (a region that scrolls must be focusable).
  await expect.poll(() => batchesRun(page)).toBeGreaterThanOrEqual(20);
  for (const name of ['Lesson', 'Sources', 'Dataflow', 'Late rows', 'Progress']) {
    const tab = page.getByRole('tab', { name: new RegExp(`^${name}`) });
    await tab.click();
    await expect(tab).toHaveAttribute('aria-selected', 'true');
    // The rest of the page was checked just before: only the tab's panel.
    const panel = `#${await tab.getAttribute('aria-controls')}`;
    expect(await violations(page, panel), `running, ${name} open`).toEqual([]);
  }
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
});
