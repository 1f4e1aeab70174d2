/**
 * public/sw.js run in Node against a fake Cache Storage and a fake server: what it caches at install,
 * what it serves offline, what it never touches, and how it moves to a new deploy.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SOURCE = readFileSync(new URL('../../public/sw.js', import.meta.url), 'utf8');
const ORIGIN = 'https://example.org';

/** A Cache that stores bodies as bytes, like the browser's. */
class FakeCache {
  readonly entries = new Map<string, { body: ArrayBuffer; status: number; headers: [string, string][] }>();
  private key(request: string | { url: string }): string {
    return typeof request === 'string' ? new URL(request).href : request.url;
  }
  async match(request: string | { url: string }) {
    const entry = this.entries.get(this.key(request));
    return entry && new Response(entry.body.slice(0), { status: entry.status, headers: entry.headers });
  }
  async put(request: string | { url: string }, response: Response) {
    const body = await response.arrayBuffer();
    this.entries.set(this.key(request), { body, status: response.status, headers: [...response.headers] });
  }
  async keys() {
    return [...this.entries.keys()].map((url) => ({ url }));
  }
  async delete(request: string | { url: string }) {
    return this.entries.delete(this.key(request));
  }
}

class FakeCaches {
  readonly caches = new Map<string, FakeCache>();
  async open(name: string) {
    if (!this.caches.has(name)) this.caches.set(name, new FakeCache());
    return this.caches.get(name)!;
  }
  async keys() {
    return [...this.caches.keys()];
  }
  async delete(name: string) {
    return this.caches.delete(name);
  }
}

/** A static host: path → [content type, body]; unknown paths 404, or fall back to the page when `spa`. */
class FakeServer {
  offline = false;
  readonly requests: string[] = [];
  constructor(
    public files: Map<string, [string, string]>,
    private readonly spaFallback = new Set<string>(),
  ) {}
  fetch = async (input: string | { url: string }) => {
    const url = new URL(typeof input === 'string' ? input : input.url);
    this.requests.push(url.href);
    if (this.offline) throw new TypeError('Failed to fetch');
    if (url.origin !== ORIGIN) throw new Error(`off-origin fetch: ${url.href}`);
    const pathname = url.pathname.endsWith('/') ? `${url.pathname}index.html` : url.pathname;
    const file = this.files.get(pathname) ?? (this.spaFallback.has(url.pathname) ? this.index() : undefined);
    if (!file) return new Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } });
    return new Response(file[1], { status: 200, headers: { 'content-type': file[0] } });
  };
  private index(): [string, string] {
    return [...this.files.entries()].find(([p]) => p.endsWith('/index.html'))![1];
  }
}

interface Dispatched {
  responded?: Promise<Response>;
  /** Waits for the response and every waitUntil promise. */
  settle(): Promise<void>;
}

/** Loads sw.js for `scope` in a fresh worker global scope. */
function loadWorker(scope: string, server: FakeServer, caches = new FakeCaches()) {
  const handlers = new Map<string, (event: object) => void>();
  const self = {
    registration: { scope: `${ORIGIN}${scope}` },
    location: new URL(`${ORIGIN}${scope}sw.js`),
    addEventListener: (type: string, handler: (event: object) => void) => handlers.set(type, handler),
    skipWaiting: async () => {},
    clients: { claim: async () => {} },
  };
  new Function('self', 'caches', 'fetch', SOURCE)(self, caches, server.fetch);

  function dispatch(type: string, fields: object = {}): Dispatched {
    const waits: Promise<unknown>[] = [];
    const result: Dispatched = {
      async settle() {
        await result.responded?.catch(() => {});
        while (waits.length > 0) await waits.shift();
      },
    };
    handlers.get(type)!({
      ...fields,
      waitUntil: (promise: Promise<unknown>) => waits.push(promise),
      respondWith: (promise: Promise<Response>) => (result.responded = promise),
    });
    return result;
  }

  const request = (url: string, init: { method?: string; mode?: string; headers?: Record<string, string> } = {}) => ({
    url: new URL(url, `${ORIGIN}${scope}`).href,
    method: init.method ?? 'GET',
    mode: init.mode ?? 'cors',
    headers: new Headers(init.headers),
  });

  return {
    caches,
    async install() {
      const event = dispatch('install');
      await event.settle();
      const activated = dispatch('activate');
      await activated.settle();
    },
    fetch: (url: string, init?: Parameters<typeof request>[1]) => dispatch('fetch', { request: request(url, init) }),
    cache: () => caches.caches.get(`tideline-offline-v1@${scope}`)!,
  };
}

function build(base: string, hash: string): Map<string, [string, string]> {
  const a = `${base}assets/`;
  return new Map<string, [string, string]>([
    [
      `${base}index.html`,
      [
        'text/html',
        `<!doctype html><link rel="icon" href="${base}favicon.svg"><script type="module" crossorigin src="${a}index-${hash}.js"></script><link rel="stylesheet" href="${a}index-Css00001.css">`,
      ],
    ],
    [`${base}favicon.svg`, ['image/svg+xml', '<svg/>']],
    [
      `${a}index-${hash}.js`,
      [
        'text/javascript',
        `const __vite__mapDeps=["assets/App-Css00002.css"];import{a}from"./rolldown-runtime-Run00001.js";new Worker(new URL(\`${a}engine.worker-Wrk00001.js\`,""+import.meta.url));const x="https://cdn.example.com/lib-Abcdefgh.js";`,
      ],
    ],
    [`${a}rolldown-runtime-Run00001.js`, ['text/javascript', 'export const a=1;']],
    [`${a}index-Css00001.css`, ['text/css', `body{background:url(./bg-Img00001.png)}`]],
    // A dynamic import's style, named relative to the site as Vite's preload helper names it.
    [`${a}App-Css00002.css`, ['text/css', 'main{}']],
    [`${a}bg-Img00001.png`, ['image/png', 'PNG']],
    [
      `${a}engine.worker-Wrk00001.js`,
      [
        'text/javascript',
        `const eh="${a}duckdb-eh-Eh000001.wasm",mvp="${a}duckdb-mvp-Mvp00001.wasm",d="duckdb-eh.wasm",e="./missing-Spa00001.wasm",n="https://cdn.example.com/y-Abcdefgh.js";`,
      ],
    ],
    [`${a}duckdb-eh-Eh000001.wasm`, ['application/wasm', 'EH-WASM']],
    [`${a}duckdb-mvp-Mvp00001.wasm`, ['application/wasm', 'MVP-WASM']],
    [`${a}late-Lazy0001.js`, ['text/javascript', 'export default 1;']],
  ]);
}

describe('the service worker', () => {
  for (const base of ['/', '/tideline/']) {
    describe(`served from ${base}`, () => {
      it('caches the page and its build at install, following scripts to the worker and the wasm', async () => {
        const server = new FakeServer(build(base, 'App00001'), new Set([`${base}assets/missing-Spa00001.wasm`]));
        const sw = loadWorker(base, server);
        await sw.install();
        const cached = [...sw.cache().entries.keys()].map((url) => url.slice(ORIGIN.length)).sort();
        const a = `${base}assets/`;
        expect(cached).toEqual(
          [
            base,
            `${base}favicon.svg`,
            `${a}App-Css00002.css`,
            `${a}bg-Img00001.png`,
            `${a}duckdb-eh-Eh000001.wasm`, // Node has WebAssembly exceptions: the eh build only
            `${a}engine.worker-Wrk00001.js`,
            `${a}index-App00001.js`,
            `${a}index-Css00001.css`,
            `${a}rolldown-runtime-Run00001.js`,
          ].sort(),
        );
        expect(server.requests.every((url) => url.startsWith(`${ORIGIN}${base}`))).toBe(true);
        expect(server.requests.some((url) => url.includes('cdn.example.com'))).toBe(false);
        // names without a fingerprint, named in scripts, are a library's defaults: not even fetched
        expect(server.requests).not.toContain(`${ORIGIN}${a}duckdb-eh.wasm`);
        // a fingerprinted name answered with the HTML fallback page is fetched, but not cached
        expect(server.requests).toContain(`${ORIGIN}${a}missing-Spa00001.wasm`);
      });

      it('serves everything from the cache with the network off', async () => {
        const server = new FakeServer(build(base, 'App00001'));
        const sw = loadWorker(base, server);
        await sw.install();
        server.offline = true;
        const pageEvent = sw.fetch(base, { mode: 'navigate' });
        expect(await (await pageEvent.responded!).text()).toContain('index-App00001.js');
        const withQuery = sw.fetch(`${base}?lesson=watermarks`, { mode: 'navigate' });
        expect((await withQuery.responded!).status).toBe(200);
        const wasm = sw.fetch(`${base}assets/duckdb-eh-Eh000001.wasm`);
        const response = await wasm.responded!;
        expect(await response.text()).toBe('EH-WASM');
        expect(response.headers.get('content-type')).toBe('application/wasm');
        await Promise.all([pageEvent.settle(), withQuery.settle(), wasm.settle()]);
      });

      it('caches other files of the site as they are fetched', async () => {
        const server = new FakeServer(build(base, 'App00001'));
        const sw = loadWorker(base, server);
        await sw.install();
        const lazy = sw.fetch(`${base}assets/late-Lazy0001.js`);
        expect(await (await lazy.responded!).text()).toBe('export default 1;');
        await lazy.settle();
        server.offline = true;
        const again = sw.fetch(`${base}assets/late-Lazy0001.js`);
        expect(await (await again.responded!).text()).toBe('export default 1;');
        // a 404 is passed through, not cached
        server.offline = false;
        const missing = sw.fetch(`${base}assets/missing-Zzzzzzzz.js`);
        expect((await missing.responded!).status).toBe(404);
        await missing.settle();
        expect(sw.cache().entries.has(`${ORIGIN}${base}assets/missing-Zzzzzzzz.js`)).toBe(false);
      });

      it('leaves other origins, other paths, non-GET and range requests to the browser', async () => {
        const server = new FakeServer(build(base, 'App00001'));
        const sw = loadWorker(base, server);
        await sw.install();
        const before = server.requests.length;
        expect(sw.fetch('https://cdn.example.com/x.js').responded).toBeUndefined();
        if (base !== '/') expect(sw.fetch(`${ORIGIN}/other-app/x.js`).responded).toBeUndefined();
        expect(sw.fetch(`${base}api`, { method: 'POST' }).responded).toBeUndefined();
        expect(
          sw.fetch(`${base}assets/duckdb-eh-Eh000001.wasm`, { headers: { range: 'bytes=0-9' } }).responded,
        ).toBeUndefined();
        expect(sw.fetch(`${base}sw.js`).responded).toBeUndefined();
        expect(sw.fetch(`${base}elsewhere.html`, { mode: 'navigate' }).responded).toBeUndefined();
        expect(server.requests.length).toBe(before);
      });

      it('moves to a new deploy: network-first page, then the new build cached and the old one dropped', async () => {
        const server = new FakeServer(build(base, 'App00001'));
        const sw = loadWorker(base, server);
        await sw.install();
        server.files = build(base, 'App00002'); // the next deploy: a new entry script, the same wasm
        server.files.delete(`${base}assets/index-App00001.js`);
        const visit = sw.fetch(base, { mode: 'navigate' });
        expect(await (await visit.responded!).text()).toContain('index-App00002.js');
        await visit.settle();
        const cached = [...sw.cache().entries.keys()];
        expect(cached).toContain(`${ORIGIN}${base}assets/index-App00002.js`);
        expect(cached).not.toContain(`${ORIGIN}${base}assets/index-App00001.js`);
        expect(cached).toContain(`${ORIGIN}${base}assets/duckdb-eh-Eh000001.wasm`);
        server.offline = true;
        const offline = sw.fetch(base, { mode: 'navigate' });
        expect(await (await offline.responded!).text()).toContain('index-App00002.js');
      });

      it('keeps the old page while the new build cannot be cached completely', async () => {
        const server = new FakeServer(build(base, 'App00001'));
        const sw = loadWorker(base, server);
        await sw.install();
        server.files = build(base, 'App00002');
        const broken = server.fetch;
        server.fetch = async (input) => {
          const url = typeof input === 'string' ? input : input.url;
          if (url.includes('index-App00002.js')) throw new TypeError('Failed to fetch');
          return broken(input);
        };
        const sw2 = loadWorker(base, server, sw.caches);
        const visit = sw2.fetch(base, { mode: 'navigate' });
        await visit.settle();
        server.offline = true;
        const offline = sw2.fetch(base, { mode: 'navigate' });
        expect(await (await offline.responded!).text()).toContain('index-App00001.js');
      });
    });
  }

  it('on activation, deletes its own older caches for the same scope only', async () => {
    const caches = new FakeCaches();
    for (const name of ['tideline-offline-v0@/tideline/', 'tideline-offline-v0@/other/', 'someone-else']) {
      await caches.open(name);
    }
    const sw = loadWorker('/tideline/', new FakeServer(build('/tideline/', 'App00001')), caches);
    await sw.install();
    expect((await caches.keys()).sort()).toEqual(
      ['someone-else', 'tideline-offline-v0@/other/', 'tideline-offline-v1@/tideline/'].sort(),
    );
  });

  it('fails to install when the page cannot be fetched, so the browser tries again next time', async () => {
    const server = new FakeServer(new Map());
    const sw = loadWorker('/', server);
    await expect(sw.install()).rejects.toThrow(/page answered 404/);
  });

  const dist = fileURLToPath(new URL('../../dist', import.meta.url));
  it.skipIf(!existsSync(path.join(dist, 'index.html')))('finds the files of the real build in dist/', async (ctx) => {
    const files = new Map<string, [string, string]>();
    const types: Record<string, string> = { html: 'text/html', js: 'text/javascript', css: 'text/css' };
    try {
      for (const name of ['index.html', ...readdirSync(path.join(dist, 'assets')).map((n) => `assets/${n}`)]) {
        const ext = name.split('.').pop()!;
        // wasm bodies are not needed to follow references: keep the test light
        const body = ext === 'wasm' ? 'WASM' : readFileSync(path.join(dist, name), 'utf8');
        files.set(`/${name}`, [types[ext] ?? (ext === 'wasm' ? 'application/wasm' : 'text/plain'), body]);
      }
    } catch {
      ctx.skip(); // dist/ is being rebuilt right now
    }
    const sw = loadWorker('/', new FakeServer(files));
    await sw.install();
    const cached = [...sw.cache().entries.keys()].map((url) => url.slice(ORIGIN.length));
    console.log(`real build: cached at install: ${cached.join(', ')}`);
    const html = files.get('/index.html')![1];
    const entry = /src="(\/assets\/index-[\w-]+\.js)"/.exec(html)![1]!;
    expect(cached).toContain(entry);
    expect(cached.some((url) => /^\/assets\/index-[\w-]+\.css$/.test(url))).toBe(true);
    expect(cached.some((url) => /^\/assets\/engine\.worker-[\w-]+\.js$/.test(url))).toBe(true);
    expect(cached.some((url) => /^\/assets\/duckdb-eh-[\w-]+\.wasm$/.test(url))).toBe(true);
    expect(cached.some((url) => url.includes('duckdb-mvp'))).toBe(false);
    // every file the build names anywhere is cached (a chunk nothing names is never loaded)
    const named = [...files.entries()].filter(([p]) =>
      [...files.values()].some(([, body]) => body.includes(p.split('/').pop()!)),
    );
    for (const [p] of named) if (!p.includes('duckdb-mvp') && p !== '/index.html') expect(cached, p).toContain(p);
  });
});
