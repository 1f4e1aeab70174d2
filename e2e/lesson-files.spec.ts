import type { Page } from '@playwright/test';
import { defaultScenario, toDocument } from '../src/lib/scenario';
import { expect, freshProfile, openPlayground, savedDownload, stepOnce, test, writeSql } from './fixtures';

const QUERY = "SELECT ts, page FROM clicks WHERE page = '/cart'";

test('an instructor writes a lesson in the UI, saves it as a file, and a fresh page opens and plays it', async ({
  page,
  browser,
  baseURL,
  guard,
}) => {
  await openPlayground(page);
  await writeSql(page, QUERY);
  const panel = page.getByRole('region', { name: 'Lesson', exact: true });
  await page.getByRole('tab', { name: 'Lesson' }).click();
  await panel.getByRole('button', { name: 'Write a lesson' }).click();
  const form = panel.getByRole('form', { name: 'Write a lesson' });
  // A step without text is refused, by the form's own names.
  await form.getByRole('textbox', { name: 'Title' }).fill('Carts only');
  await form.getByRole('textbox', { name: 'Summary' }).fill('A filter keeps no state.');
  await form.getByRole('button', { name: 'Use this lesson' }).click();
  await expect(form.getByRole('alert')).toHaveText('Step 1: text: must be some text');
  await form.getByRole('textbox', { name: 'Text' }).fill('Press **Step**: each batch keeps the `/cart` clicks.');
  await form.getByRole('textbox', { name: 'Predict' }).fill('Does a batch emit rows an earlier batch read?');
  await form.getByRole('textbox', { name: 'Answer' }).fill('No: a *stateless* query sees each row once.');
  // The answer, in a form the engine checks: a row the second step emits, and no late rows.
  await form.getByText('Check the answer against the engine').click();
  await form.getByRole('textbox', { name: 'After' }).fill('2');
  await form.getByRole('textbox', { name: 'Emits' }).fill('["2023-12-31 23:59:58.604279", "/cart"]');
  await form.getByRole('textbox', { name: 'Late rows' }).fill('0');
  await form.getByRole('button', { name: 'Add a step' }).click();
  await form.getByRole('textbox', { name: 'Text' }).nth(1).fill('Now count them.');
  // A wrong answer: the engine says so.
  await form.getByRole('textbox', { name: 'Predict' }).nth(1).fill('How many rows come late?');
  await form.getByRole('textbox', { name: 'Answer' }).nth(1).fill('Five.');
  await form.getByText('Check the answer against the engine').nth(1).click();
  await form.getByRole('textbox', { name: 'After' }).nth(1).fill('2');
  await form.getByRole('textbox', { name: 'Late rows' }).nth(1).fill('5');
  await form.getByRole('button', { name: 'Use this lesson' }).click();
  await expect(form).toHaveCount(0);
  // The step's markdown, rendered.
  await expect(panel.getByRole('heading', { name: 'Carts only' })).toBeVisible();
  await expect(panel.locator('.text strong')).toHaveText('Step');
  await expect(panel.locator('.text code')).toHaveText('/cart');

  const file = await savedDownload(
    page,
    () => panel.getByRole('button', { name: 'Save as a file' }).click(),
    'carts-only.lesson.json',
  );

  // Another browser profile: nothing of the first page's saved work.
  const context = await freshProfile(browser, baseURL!, guard);
  const fresh = await context.newPage();
  await openPlayground(fresh);
  const freshPanel = fresh.getByRole('region', { name: 'Lesson', exact: true });
  await fresh.getByRole('tab', { name: 'Lesson' }).click();
  await freshPanel.getByLabel('Open a lesson file').setInputFiles(file);
  await expect(freshPanel.getByRole('heading', { name: 'Carts only' })).toBeVisible();
  await expect(fresh.getByLabel('SQL')).toHaveText(QUERY);
  await expect(freshPanel).toContainText('Step 1 of 2');
  await expect(freshPanel.getByRole('status', { name: 'Predictions checked' })).toHaveText(
    'Predictions checked against the engine: 1 of 2 hold.',
  );
  await freshPanel.getByRole('button', { name: 'Show the answer' }).click();
  const answer = freshPanel.getByRole('status', { name: 'The answer' });
  await expect(answer).toContainText('No: a stateless query sees each row once.');
  await expect(answer).toContainText('The engine agrees: after 2 steps, it emitted the row predicted');
  await freshPanel.getByRole('button', { name: 'Next', exact: true }).click();
  await freshPanel.getByRole('button', { name: 'Show the answer' }).click();
  await expect(answer).toContainText('The engine disagrees: after 2 steps, it dropped 0 late rows, not 5.');
  await freshPanel.getByRole('button', { name: 'Previous', exact: true }).click();
  await stepOnce(fresh);
  await stepOnce(fresh);
  const rows = fresh.getByRole('region', { name: 'Results' }).getByRole('table', { name: 'Result table' });
  await expect(rows.getByRole('row').nth(1)).toContainText('/cart');
  // Shared as a link, the written lesson comes along.
  const linked = await context.newPage();
  await linked.goto(`./${await shareLink(fresh)}`);
  await linked.getByRole('tab', { name: 'Lesson' }).click();
  await expect(linked.getByRole('heading', { name: 'Carts only' })).toBeVisible({ timeout: 90_000 });

  // A lesson too long for a link is offered as a file, and the file brings it back.
  await freshPanel.getByRole('button', { name: 'Edit this lesson' }).click();
  const edit = freshPanel.getByRole('form', { name: 'Write a lesson' });
  await edit.getByRole('button', { name: 'Add a step' }).click();
  await edit
    .getByRole('textbox', { name: 'Text' })
    .nth(2)
    .fill(`The long read. ${incompressible(80_000)}`);
  await edit.getByRole('button', { name: 'Use this lesson' }).click();
  await fresh.getByRole('button', { name: 'Copy link' }).click();
  const notice = fresh.getByRole('alert').filter({ hasText: 'This is too long for a link.' });
  await expect(notice).toContainText('links hold up to 65,536');
  const archive = await savedDownload(
    fresh,
    () => notice.getByRole('button', { name: 'Save as a file' }).click(),
    'tideline-scenario.zip',
  );
  await linked.getByLabel('Open a scenario file').setInputFiles(archive);
  const linkedPanel = linked.getByRole('region', { name: 'Lesson', exact: true });
  await expect(linkedPanel).toContainText('Step 1 of 3');
  await linkedPanel.getByRole('button', { name: 'Next', exact: true }).click();
  await linkedPanel.getByRole('button', { name: 'Next', exact: true }).click();
  await expect(linkedPanel).toContainText('The long read.');
  await context.close();
});

/** Letters and digits from a seeded generator: text that deflate cannot shrink much. */
function incompressible(length: number): string {
  const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let seed = 12345;
  return Array.from({ length }, () => {
    seed = (seed * 48271) % 2147483647;
    return ALPHABET[seed % ALPHABET.length];
  }).join('');
}

test('a hostile lesson file runs no script, and a file that is not a lesson says why and changes nothing', async ({
  page,
}) => {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await openPlayground(page);
  await writeSql(page, QUERY);
  await page.getByRole('tab', { name: 'Lesson' }).click();
  const panel = page.getByRole('region', { name: 'Lesson', exact: true });
  const open = panel.getByLabel('Open a lesson file');
  const lesson = (fields: object) => ({
    name: 'lesson.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(fields)),
  });

  await open.setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{ not json') });
  await expect(panel.getByRole('alert')).toHaveText(
    'notes.json is not a lesson file Tideline can open: it is not JSON. Nothing was changed.',
  );
  const bad = { version: 1, id: 'bad', title: 'Bad', summary: 'Bad', steps: [{ text: 'x' }] };
  await open.setInputFiles(lesson({ ...bad, scenario: { version: 1, sources: [], query: 'SELEC nothing' } }));
  await expect(panel.getByRole('alert')).toContainText(
    "The lesson's scenario could not be loaded, so nothing was changed",
  );
  await expect(page.getByLabel('SQL')).toHaveText(QUERY);

  const scenario = { ...toDocument(defaultScenario()), query: QUERY };
  await open.setInputFiles(
    lesson({
      ...bad,
      title: '<img src=x onerror="alert(1)">',
      scenario,
      steps: [
        {
          text: '<script>alert(2)</script> [click me](javascript:alert(3)) ![pixel](https://evil.example/p.png)',
          predict: { question: '<b onmouseover="alert(4)">hover</b>', answer: 'x' },
        },
      ],
    }),
  );
  await expect(panel.getByRole('heading', { name: '<img src=x onerror="alert(1)">' })).toBeVisible();
  const text = panel.locator('.text');
  await expect(text).toContainText('<script>alert(2)</script>');
  await expect(panel.locator('script, img, b[onmouseover], a[href^="javascript"]')).toHaveCount(0);
  await panel.getByText('hover').hover();
  expect(dialogs).toEqual([]);
});

/** The share link Copy link makes, as a path relative to the site. */
async function shareLink(page: Page): Promise<string> {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByText('Copied')).toBeVisible();
  const url = new URL(await page.evaluate(() => navigator.clipboard.readText()));
  return url.hash;
}
