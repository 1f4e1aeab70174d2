/**
 * The main user story on a second browser engine, WebKit (WebKitGTK's MiniBrowser, Safari's engine), driven over
 * W3C WebDriver by Debian's WebKitWebDriver under a virtual X display: open the playground, Run, see results and
 * a late row. Elements are found as a person finds them, by role and accessible name, through WebDriver's own
 * computed role and label. WebDriver cannot block requests, so the page's CSP (default-src 'self') does, and the
 * run checks that every resource the page loaded came from its origin.
 *
 * The WebDriver client is a few calls over fetch: the npm clients (webdriver, webdriverio) need a newer Node than
 * this project's 20. Needs `apt-get install webkit2gtk-driver xvfb`; without them it says so and skips.
 *
 * Usage: npm run e2e:webkit   Prints what it saw as JSON; exits 1 when the story fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { preview } from 'vite';
import { buildIfNeeded, ROOT } from './site';

const OUT_DIR = 'dist-webkit';
const SITE_PORT = 4181;
const DRIVER_PORT = 4445;
const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
/** Every wait is for a condition; this bound only tells a broken run from a slow machine. */
const PATIENCE_MS = 180_000;

type Json = Record<string, unknown>;

class WebDriver {
  private constructor(
    private readonly base: string,
    private readonly session: string,
  ) {}

  static async start(base: string): Promise<WebDriver> {
    const browserOptions = { binary: MINIBROWSER, args: ['--automation'] };
    const capabilities = { alwaysMatch: { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': browserOptions } };
    const { sessionId } = (await send(base, 'POST', '/session', { capabilities })) as { sessionId: string };
    return new WebDriver(base, sessionId);
  }

  call(method: string, path: string, body?: Json): Promise<unknown> {
    return send(this.base, method, `/session/${this.session}${path}`, body);
  }

  script<T>(source: string, ...args: unknown[]): Promise<T> {
    return this.call('POST', '/execute/sync', { script: source, args }) as Promise<T>;
  }

  /** The first element of `css` whose computed role and accessible name are these, as a screen reader hears it. */
  async byRole(css: string, role: string, name: RegExp): Promise<string | null> {
    const found = (await this.call('POST', '/elements', { using: 'css selector', value: css })) as Json[];
    for (const element of found) {
      const id = Object.values(element)[0] as string;
      const [computedRole, label] = await Promise.all([
        this.call('GET', `/element/${id}/computedrole`),
        this.call('GET', `/element/${id}/computedlabel`),
      ]);
      if (computedRole === role && name.test(String(label))) return id;
    }
    return null;
  }

  close(): Promise<unknown> {
    return send(this.base, 'DELETE', `/session/${this.session}`);
  }
}

async function send(base: string, method: string, path: string, body?: Json): Promise<unknown> {
  const response = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const { value } = (await response.json()) as { value: unknown };
  if (!response.ok) throw new Error(`WebDriver ${method} ${path}: ${JSON.stringify(value)}`);
  return value;
}

/** Waits until `probe` gives something other than null; what it gave. */
async function until<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`never saw ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The text of the element with this ARIA role and label, or null. */
const textOf = (driver: WebDriver, label: string) =>
  driver.script<string | null>(
    'const e = document.querySelector(`[aria-label="${arguments[0]}"]`); return e ? e.textContent : null',
    label,
  );

async function story(driver: WebDriver, url: string): Promise<Json> {
  await driver.call('POST', '/window/rect', { width: 1280, height: 720 });
  await driver.call('POST', '/url', { url });
  const engine = await until('the engine ready', async () => {
    const text = await textOf(driver, 'Engine status');
    return text && /ready/.test(text) ? text.trim() : null;
  });
  // As a person waits: until the button can be pressed (it is disabled while the first scenario loads).
  const run = await until('the Run button enabled', async () => {
    const id = await driver.byRole('button', 'button', /^\s*Run$/);
    return id && (await driver.call('GET', `/element/${id}/enabled`)) === true ? id : null;
  });
  await driver.call('POST', `/element/${run}/click`, {});
  const rows = await until('result rows', () =>
    driver.script<number | null>(
      'const t = document.querySelector(\'table[aria-label="Result table"]\'); const n = t ? t.querySelectorAll("tbody tr").length : 0; return n > 0 ? n : null',
    ),
  );
  // The default clicks stream has 5% of its clicks 30 s late: the timeline counts those the watermark dropped.
  const late = await until('a late row', async () => {
    const legend = await textOf(driver, 'Timeline');
    const count = Number(/late\s*([\d,]+)/.exec(legend ?? '')?.[1]?.replace(/,/g, '') ?? 0);
    return count > 0 ? count : null;
  });
  const offOrigin = await driver.script<string[]>(
    'return performance.getEntriesByType("resource").map(e => e.name).filter(n => !n.startsWith(location.origin) && !/^(data|blob):/.test(n))',
  );
  return { engine, resultRows: rows, lateRows: late, offOrigin };
}

async function main(): Promise<number> {
  const missing = ['WebKitWebDriver', 'xvfb-run'].filter(
    (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
  );
  if (missing.length > 0) {
    console.log(
      JSON.stringify({ skipped: `not installed: ${missing.join(', ')} (apt-get install webkit2gtk-driver xvfb)` }),
    );
    return 0;
  }
  buildIfNeeded(OUT_DIR);
  const server = await preview({
    root: ROOT,
    logLevel: 'error',
    build: { outDir: OUT_DIR },
    preview: { host: '127.0.0.1', port: SITE_PORT, strictPort: true },
  });
  // WebKit refuses the C locale of a bare environment as a language tag ("invalid language tag: C").
  const env = { ...process.env, LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' };
  const driverProcess: ChildProcess = spawn('xvfb-run', ['-a', 'WebKitWebDriver', `--port=${DRIVER_PORT}`], {
    env,
    stdio: 'ignore',
    detached: true,
  });
  const base = `http://127.0.0.1:${DRIVER_PORT}`;
  let driver: WebDriver | null = null;
  try {
    await until('WebKitWebDriver', () => fetch(`${base}/status`).then((response) => (response.ok ? true : null)));
    driver = await WebDriver.start(base);
    const seen = await story(driver, server.resolvedUrls!.local[0]!);
    const ok = (seen.offOrigin as string[]).length === 0;
    console.log(JSON.stringify({ browser: 'WebKitGTK MiniBrowser', ok, ...seen }, null, 2));
    return ok ? 0 : 1;
  } catch (error) {
    const status = await driver
      ?.script<string | null>('return document.querySelector(\'[aria-label="Run status"]\')?.textContent ?? null')
      .catch(() => null);
    console.log(
      JSON.stringify({ browser: 'WebKitGTK MiniBrowser', ok: false, error: String(error), runStatus: status }),
    );
    return 1;
  } finally {
    await driver?.close().catch(() => {});
    process.kill(-driverProcess.pid!, 'SIGTERM');
    await server.close();
  }
}

process.exitCode = await main();
