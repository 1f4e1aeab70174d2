import { readdirSync } from 'node:fs';
import { expect, openPlayground, stepOnce, test } from './fixtures';

/**
 * What a Nexmark example shows after `steps` one-second steps (six unless said), as `npm run scenario -- <file>
 * --batches N` prints it: rows, or (Q11's sessions never go 10 seconds without a bid) none yet. Those that emit
 * from their second batch on are stepped twice. Q4 chains a join, whose watermark stands 5 seconds back, and
 * windows: its first windows close in the ninth batch. Q8's window join, as Flink's, emits a window's matches when the
 * watermark closes it: in the fourth batch. Q12's processing-time windows close when the run's clock reaches their end:
 * the first at 10 s, in the eleventh batch (the first runs at 0 s). Q19's Top-N emits its rank changes every batch.
 *
 * The unit tests (examples/nexmark.test.ts) run every example in the engine; here the page plays one of each
 * shape: a projection, a join feeding windows, a Top-N of sliding windows, a window join, sessions, processing-time
 * windows, a static side input, the last bid and a Top-N with updates, and string functions.
 */
const NEXMARK: { id: string; rows: 'some' | 'none'; steps?: number }[] = [
  { id: 'q0', rows: 'some', steps: 2 },
  { id: 'q4', rows: 'some', steps: 9 },
  { id: 'q5', rows: 'some' },
  { id: 'q8', rows: 'some', steps: 4 },
  { id: 'q11', rows: 'none' },
  { id: 'q12', rows: 'some', steps: 11 },
  { id: 'q13', rows: 'some', steps: 2 },
  { id: 'q18', rows: 'some', steps: 2 },
  { id: 'q19', rows: 'some', steps: 2 },
  { id: 'q22', rows: 'some', steps: 2 },
];
/** Every Nexmark example in examples/nexmark/, in the order the menu should offer them. */
const OFFERED = readdirSync(new URL('../examples/nexmark/', import.meta.url))
  .map((file) => file.replace(/\.json$/, ''))
  .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));

// One page walks half the examples, one after the other from the menu, as a user browsing them would: each
// example replaces the last one's run. Two halves, so that both test workers take one.
const HALVES = [NEXMARK.filter((_, i) => i % 2 === 0), NEXMARK.filter((_, i) => i % 2 === 1)];

for (const examples of HALVES) {
  test(`Nexmark ${examples.map((e) => e.id).join(', ')} open from the Examples menu and play`, async ({ page }) => {
    await openPlayground(page);
    const menu = page.getByRole('combobox', { name: 'Lesson' });
    const offered = await menu
      .locator('option[value^="example:nexmark-"]')
      .evaluateAll((options) =>
        options.map((option) => (option as HTMLOptionElement).value.replace('example:nexmark-', '')),
      );
    expect(offered).toEqual(OFFERED);
    for (const { id, rows, steps = 6 } of examples) {
      await test.step(`Nexmark ${id}`, async () => {
        await menu.selectOption(`example:nexmark-${id}`);
        await expect(page.getByRole('region', { name: 'Lesson' })).toContainText(`Nexmark ${id.toUpperCase()}:`);
        const status = page.getByRole('status', { name: 'Run status' });
        await expect(status).toContainText('ready');
        for (let i = 1; i <= steps; i++) await stepOnce(page);
        await expect(status).toContainText(`${steps} batches`);
        const results = page.getByRole('region', { name: 'Results' });
        const table = results.getByRole('table', { name: 'Result table' });
        if (rows === 'some') {
          await expect(results).toContainText(new RegExp(`\\b[1-9][\\d,]* rows?\\s*·\\s*batch ${steps - 1} emitted`));
          await expect(table.getByRole('row').nth(1)).toBeVisible();
        } else {
          await expect(results).toContainText(/\b0 rows\s*·\s*batch 5 emitted 0 rows/);
          await expect(table.getByRole('row')).toHaveCount(1);
        }
        await expect(page.getByRole('region', { name: 'Editor' }).getByRole('alert')).toHaveCount(0);
        // Its dataflow: every operator, sources to sink, with what went through it in the last batch.
        await page.getByRole('tab', { name: 'Dataflow' }).click();
        const nodes = page.getByRole('list', { name: 'Operators' }).getByRole('listitem');
        await expect(nodes.last()).toHaveAccessibleName('sink');
        expect(await nodes.count()).toBeGreaterThanOrEqual(3);
        for (const node of await nodes.all()) await expect(node).toContainText(/[\d,]+ in → [\d,]+ out/);
      });
    }
  });
}
