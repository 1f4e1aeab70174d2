import type { Page } from '@playwright/test';
import { encodeLink } from '../src/share/link';
import { documentOf } from '../workers/engine/scenario';
import { parseScenario } from '../workers/engine/validate';
import { expect, openPlayground as ready, test, writeSql } from './fixtures';

/** Markup that would run if it were ever rendered as HTML: each sets `window.pwned` or loads from elsewhere. */
const PAYLOADS = [
  '<img src=x onerror="window.pwned=1">',
  '<script>window.pwned=2</script>',
  '<svg onload="window.pwned=3"></svg>',
  '<img src="https://attacker.invalid/x.png">',
];

/** Records every CSP violation the page reports, from before its first script runs. */
async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (event) =>
      seen.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`),
    );
  });
  return () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
}

test('the page carries a strict Content-Security-Policy and no inline script', async ({ page }) => {
  const html = await (await page.request.get('./')).text();
  const policy = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
  expect(policy, 'a CSP meta tag').toBeDefined();
  const directives = new Map(
    policy!.split(';').map((part) => {
      const [name = '', ...values] = part.trim().split(/\s+/);
      return [name, values.join(' ')] as const;
    }),
  );
  expect(directives.get('default-src')).toBe("'self'");
  expect(directives.get('script-src')).toBe("'self' 'wasm-unsafe-eval'");
  expect(directives.get('object-src')).toBe("'none'");
  expect(directives.get('base-uri')).toBe("'self'");
  expect(policy).not.toMatch(/\*|https?:|'unsafe-eval'|script-src[^;]*unsafe-inline/);
  // Every script is a file of the site: no inline code, no inline event handlers.
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  expect(scripts.length).toBeGreaterThan(0);
  for (const [, attributes, body] of scripts) {
    expect(attributes).toMatch(/\bsrc=/);
    expect(body!.trim()).toBe('');
  }
  expect(html).not.toMatch(/\son[a-z]+\s*=/i);
  expect(html).not.toMatch(/javascript:/i);
});

test('the playground runs a live query, a lesson and every panel without one CSP violation', async ({ page }) => {
  const violations = await watchViolations(page);
  await ready(page);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Run status' })).toContainText(/[3-9]\d* batch|\d{2,} batch/);
  for (const tab of await page.getByRole('tab').all()) await tab.click();
  await page.getByRole('combobox', { name: 'Lesson' }).selectOption('watermarks');
  for (let i = 0; i < 4; i++) await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Results' }).getByRole('row')).not.toHaveCount(0);
  await writeSql(page, 'SELECT * FROM readings WHERE');
  await page.keyboard.press('Control+Space');
  expect(await violations()).toEqual([]);
});

test('a link whose text fields hold HTML and script shows them as text and runs none of it', async ({ page }) => {
  const violations = await watchViolations(page);
  const [img, script, svg, remote] = PAYLOADS;
  const scenario = parseScenario({
    version: 1,
    sources: [
      {
        name: 'events',
        columns: [
          ['ts', 'TIMESTAMP'],
          ['note', 'VARCHAR'],
        ],
      },
    ],
    tables: [{ name: 'notes', columns: [['body', 'VARCHAR']], rows: PAYLOADS.map((payload) => [payload]) }],
    query: `-- ${script}\nSELECT ts, note, '${svg}' AS markup FROM events`,
    trigger: { kind: 'manual' },
    steps: [{ add: { events: PAYLOADS.map((payload, i) => [`2024-01-01 00:00:0${i}`, payload]) } }],
    ui: { lesson: script, about: img, title: remote, notes: PAYLOADS },
  });
  await ready(page, './' + (await encodeLink(documentOf(scenario))));
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  const results = page.getByRole('region', { name: 'Results' });
  for (const payload of PAYLOADS) await expect(results).toContainText(payload);
  await expect(results).toContainText(svg!);
  await expect(page.getByRole('region', { name: 'Editor' })).toContainText(script!);
  for (const tab of await page.getByRole('tab').all()) await tab.click();

  const injected = await page.evaluate(() => ({
    pwned: (window as unknown as { pwned?: number }).pwned,
    elements: document.querySelectorAll('img[src="x"], img[src^="https:"], [onerror], [onload], svg[onload]').length,
    inlineScripts: [...document.scripts].filter((element) => !element.src).length,
  }));
  expect(injected).toEqual({ pwned: undefined, elements: 0, inlineScripts: 0 });
  expect(await violations()).toEqual([]);
});

test('a link refused as invalid quotes its markup as text in the message', async ({ page }) => {
  const violations = await watchViolations(page);
  const [img] = PAYLOADS;
  // Not a valid scenario (the source name is no identifier), so the message quotes it back.
  const fragment = await encodeLink({
    version: 1,
    sources: [{ name: img, columns: [['a', 'INTEGER']] }],
    query: 'SELECT 1',
  } as never);
  await ready(page, './' + fragment);
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('This link could not be opened');
  await expect(alert).toContainText('<img src=x onerror=');
  const pwned = await page.evaluate(() => ({
    pwned: (window as unknown as { pwned?: number }).pwned,
    elements: document.querySelectorAll('img[src="x"], [onerror]').length,
  }));
  expect(pwned).toEqual({ pwned: undefined, elements: 0 });
  expect(await violations()).toEqual([]);
});
