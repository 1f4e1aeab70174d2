import { expect, openPlayground, stepOnce, test } from './fixtures';

/**
 * What each Nexmark example shows after `steps` one-second steps (six unless said), as `npm run scenario -- <file>
 * --batches N` prints it: rows, or (Q11's sessions never go 10 seconds without a bid) none yet. Those that emit
 * from their second batch on are stepped twice. Q4 and Q9 chain a
 * join, whose watermark stands 5 seconds back, and windows: their first windows close in the ninth batch.
 */
const NEXMARK: { id: string; rows: 'some' | 'none'; steps?: number }[] = [
  { id: 'q0', rows: 'some', steps: 2 },
  { id: 'q1', rows: 'some', steps: 2 },
  { id: 'q2', rows: 'some', steps: 2 },
  { id: 'q3', rows: 'some', steps: 2 },
  { id: 'q4', rows: 'some', steps: 9 },
  { id: 'q5', rows: 'some' },
  { id: 'q7', rows: 'some' },
  { id: 'q8', rows: 'some', steps: 2 },
  { id: 'q9', rows: 'some', steps: 9 },
  { id: 'q11', rows: 'none' },
  { id: 'q13', rows: 'some', steps: 2 },
  { id: 'q14', rows: 'some', steps: 2 },
  { id: 'q17', rows: 'some', steps: 2 },
  { id: 'q18', rows: 'some', steps: 2 },
  { id: 'q20', rows: 'some', steps: 2 },
  { id: 'q21', rows: 'some', steps: 2 },
  { id: 'q22', rows: 'some', steps: 2 },
];

// One page walks half the examples, one after the other from the menu, as a user browsing them would: each
// example replaces the last one's run. Two halves, so that both test workers take one.
const HALVES = [NEXMARK.filter((_, i) => i % 2 === 0), NEXMARK.filter((_, i) => i % 2 === 1)];

for (const examples of HALVES) {
  test(`Nexmark ${examples.map((e) => e.id).join(', ')} open from the Examples menu and play`, async ({ page }) => {
    await openPlayground(page);
    for (const { id, rows, steps = 6 } of examples) {
      await test.step(`Nexmark ${id}`, async () => {
        await page.getByRole('combobox', { name: 'Lesson' }).selectOption(`example:nexmark-${id}`);
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
