import type { Page } from '@playwright/test';
import { expect, openPlayground, test } from './fixtures';

/** Every side tab's label fits: inside the strip, on the strip's first line, not cut inside the tab. */
async function expectTabsUnclipped(page: Page) {
  const strip = page.getByRole('tablist', { name: 'More panels' });
  const outer = (await strip.boundingBox())!;
  const tabs = await strip.getByRole('tab').all();
  expect(tabs).toHaveLength(5);
  for (const tab of tabs) {
    const box = (await tab.boundingBox())!;
    const name = await tab.innerText();
    expect(box.x, `${name} starts inside the strip`).toBeGreaterThanOrEqual(outer.x);
    expect(box.x + box.width, `${name} ends inside the strip`).toBeLessThanOrEqual(outer.x + outer.width + 0.5);
    expect(box.y, `${name} is on the first line`).toBeLessThan(outer.y + box.height / 2);
    expect(await tab.evaluate((element) => element.scrollWidth <= element.clientWidth)).toBe(true);
  }
}

const PANELS = ['Editor', 'Controls', 'Results', 'Timeline', 'Sources', 'Dataflow', 'Late rows', 'Progress'];
const TABBED = new Set(['Sources', 'Dataflow', 'Late rows', 'Progress']);

for (const viewport of [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
]) {
  test(`looks right at ${viewport.width}×${viewport.height}`, async ({ page }, testInfo) => {
    await page.setViewportSize(viewport);
    await openPlayground(page);
    const size = `${viewport.width}x${viewport.height}`;
    await page.screenshot({ path: testInfo.outputPath(`${size}-start.png`) });

    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(page.getByRole('tab', { name: /Late rows \d+/ })).toBeVisible();
    await expect(page.getByRole('table', { name: 'Result table' }).getByRole('row').nth(3)).toBeVisible();
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await expect(page.getByRole('status', { name: 'Run status' })).toContainText('paused');

    // Nothing sticks out of the window: the page itself does not scroll.
    const overflow = await page.evaluate(() => ({
      x: document.documentElement.scrollWidth - window.innerWidth,
      y: document.documentElement.scrollHeight - window.innerHeight,
    }));
    expect(overflow).toEqual({ x: 0, y: 0 });

    await page.screenshot({ path: testInfo.outputPath(`${size}-page.png`) });
    await expectTabsUnclipped(page);
    for (const name of PANELS) {
      if (TABBED.has(name)) await page.getByRole('tab', { name: new RegExp(`^${name}`) }).click();
      const panel = page.getByRole('region', { name, exact: true });
      await expect(panel).toBeVisible();
      const box = await panel.boundingBox();
      expect(box!.width, `${name} width`).toBeGreaterThan(300);
      expect(box!.height, `${name} height`).toBeGreaterThan(150);
      await panel.screenshot({ path: testInfo.outputPath(`${size}-${name.replace(' ', '-').toLowerCase()}.png`) });
    }

    await page.getByRole('button', { name: 'Presentation' }).click();
    await expect(page.locator('html')).toHaveClass(/presentation/);
    await expectTabsUnclipped(page);
    await page.screenshot({ path: testInfo.outputPath(`${size}-presentation.png`) });
    await page.getByRole('button', { name: 'Presentation' }).click();
  });
}
