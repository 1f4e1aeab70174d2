/*
 * Tideline's service worker: after one visit, the playground works with the network off.
 *
 * Registered by src/offline/register.ts as <base>sw.js with scope <base> (the site may live under a
 * sub-path). It only ever handles GET requests for its own origin and scope; anything else is left to the
 * browser untouched, so it never fetches or caches anything from another origin.
 *
 * What it keeps, in one cache per version and scope ("tideline-offline-v1@/tideline/"):
 *   - the page (the scope URL, i.e. index.html), fetched network-first: online you always get the latest
 *     deploy; offline, the cached page;
 *   - everything else in scope (scripts, styles, the worker, DuckDB's .wasm), cache-first: Vite
 *     fingerprints these names, so a cached file never goes stale; files not cached yet are cached as
 *     they are fetched.
 * Vite's file names change with every build and this file is copied as it is (no build step writes a
 * list into it), so at install time it finds the build's files itself: it reads the page, follows the
 * scripts and styles it names, and the fingerprinted files those name in turn (the worker, the .wasm),
 * and caches them all. That matters on the first visit, when the page and its worker start loading
 * before this worker is installed. Of DuckDB's two builds it caches only the one this browser runs
 * (the wasm-exceptions "eh" build where WebAssembly exceptions exist, else "mvp"), as the engine does.
 * When a visit finds a changed page (a new deploy), it caches the new build the same way and then drops
 * fingerprinted files the new build no longer names. Activating a new version of this file deletes
 * the caches of older versions for the same scope. Bump VERSION when the caching scheme changes.
 */
'use strict';

const VERSION = 'v1';
const SCOPE = new URL(self.registration.scope);
const PREFIX = 'tideline-offline-';
const CACHE = `${PREFIX}${VERSION}@${SCOPE.pathname}`;
/** The page: the scope URL serves index.html. */
const SHELL = SCOPE.href;
/** At most this many files are followed from the page at install (a guard, far above a real build). */
const MAX_FILES = 64;
/** A Vite-fingerprinted file name: name-XXXXXXXX.ext */
const FINGERPRINTED = /-[\w-]{8}\.[a-z0-9]+$/i;
/** Quoted paths (or CSS url(...)) that end in a file type the app loads. */
const REFERENCE =
  /["'`(]((?:\.{0,2}\/)?[\w\-.~/@%]*[\w\-~@%]\.(?:js|mjs|css|wasm|svg|png|ico|webp|woff2?|json|webmanifest))(?=[?#"'`)])/g;

/** Whether this browser runs DuckDB's "eh" build: a module with try/catch_all must validate. */
function hasWasmExceptions() {
  try {
    // (module (func try catch_all end)): header, type section, function section, code section.
    const bytes = [0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 8, 1, 6, 0, 6, 64, 25, 11, 11];
    return WebAssembly.validate(new Uint8Array(bytes));
  } catch {
    return false;
  }
}

/** Whether `url` is a file of this site: same origin, inside the scope. */
function inScope(url) {
  return url.origin === SCOPE.origin && url.pathname.startsWith(SCOPE.pathname);
}

function isShell(url) {
  return url.pathname === SCOPE.pathname || url.pathname === `${SCOPE.pathname}index.html`;
}

/**
 * Whether a response may be cached: a complete, same-origin 200 that is not an HTML fallback page served
 * for a missing script or wasm file. ("default" is the type of a Response built by hand, as in tests.)
 */
function cacheable(url, response) {
  if (response.status !== 200 || response.redirected) return false;
  if (response.type !== 'basic' && response.type !== 'default') return false;
  const type = response.headers.get('content-type') ?? '';
  return isShell(url) || !type.includes('text/html');
}

/** The in-scope files `text` (at `base`) names; from scripts and styles, fingerprinted files only. */
function references(text, base, fromPage) {
  const wanted = hasWasmExceptions() ? /duckdb-mvp/ : /duckdb-eh/;
  const found = new Set();
  for (const match of text.matchAll(REFERENCE)) {
    // Vite names a dynamic import's dependencies relative to the site ("assets/App-….css"), and everything
    // else relative to the file naming it: a script's bare path is tried both ways (a miss is a 404, skipped).
    const bases = fromPage || /^\.{0,2}\//.test(match[1]) ? [base] : [base, SCOPE.href];
    for (const from of bases) {
      let url;
      try {
        url = new URL(match[1], from);
      } catch {
        continue;
      }
      url.hash = '';
      if (!inScope(url) || isShell(url)) continue;
      if (!fromPage && !FINGERPRINTED.test(url.pathname)) continue;
      if (url.pathname.endsWith('.wasm') && wanted.test(url.pathname)) continue;
      found.add(url.href);
    }
  }
  return found;
}

/**
 * Caches the page `html` (already fetched) and every file of its build, following references from the
 * page to scripts and styles and from those to further fingerprinted files. Returns the build's files
 * and whether every one of them is now cached.
 */
async function cacheBuild(cache, html) {
  const files = new Set();
  let complete = true;
  const queue = [...references(html, SHELL, true)];
  while (queue.length > 0 && files.size < MAX_FILES) {
    const href = queue.shift();
    if (files.has(href)) continue;
    files.add(href);
    let response = await cache.match(href);
    if (!response) {
      try {
        response = await fetch(href, { credentials: 'same-origin' });
      } catch {
        complete = false;
        continue;
      }
      if (!cacheable(new URL(href), response)) {
        // A name in a script may be a library's default file name, not one of ours: a 404 (or an HTML
        // fallback page) is skipped. A server error leaves the build incomplete.
        if (response.status >= 500) complete = false;
        continue;
      }
      await cache.put(href, response.clone());
    }
    if (/\.(m?js|css)$/.test(new URL(href).pathname)) {
      for (const next of references(await response.text(), href, false)) if (!files.has(next)) queue.push(next);
    }
  }
  return { files, complete: complete && queue.length === 0 };
}

/** Drops the cached fingerprinted files that `files` (a complete build) does not name. */
async function prune(cache, files) {
  for (const request of await cache.keys()) {
    const url = new URL(request.url);
    if (FINGERPRINTED.test(url.pathname) && !files.has(url.href)) await cache.delete(request);
  }
}

async function install() {
  const cache = await caches.open(CACHE);
  const response = await fetch(SHELL, { cache: 'no-cache', credentials: 'same-origin' });
  if (!cacheable(SCOPE, response)) throw new Error(`Tideline offline: the page answered ${response.status}`);
  const html = await response.clone().text();
  await cache.put(SHELL, response);
  await cacheBuild(cache, html);
}

async function activate() {
  for (const name of await caches.keys()) {
    if (name.startsWith(PREFIX) && name.endsWith(`@${SCOPE.pathname}`) && name !== CACHE) await caches.delete(name);
  }
  await self.clients.claim();
}

/** The page, network-first, falling back to the cached page offline. A changed page is a new deploy. */
async function page(event) {
  const cache = await caches.open(CACHE);
  let response;
  try {
    response = await fetch(event.request);
  } catch (error) {
    const cached = await cache.match(SHELL);
    if (cached) return cached;
    throw error;
  }
  if (cacheable(new URL(event.request.url), response)) {
    const copy = response.clone();
    const html = await response.clone().text();
    const cached = await cache.match(SHELL);
    if (!cached || (await cached.text()) !== html) event.waitUntil(update(cache, html, copy));
  }
  return response;
}

/**
 * A new deploy: cache its build first, and only then its page, so that the cached page always finds its
 * files offline; then drop the files of the old build. An incomplete attempt changes nothing.
 */
async function update(cache, html, response) {
  const { files, complete } = await cacheBuild(cache, html);
  if (!complete) return;
  await cache.put(SHELL, response);
  await prune(cache, files);
}

/** Any other file in scope, cache-first. */
async function file(event) {
  const cache = await caches.open(CACHE);
  const url = new URL(event.request.url);
  url.hash = '';
  const cached = await cache.match(url.href, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(event.request);
  if (cacheable(url, response)) event.waitUntil(cache.put(url.href, response.clone()));
  return response;
}

self.addEventListener('install', (event) => {
  event.waitUntil(install().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(activate());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || request.headers.has('range')) return;
  const url = new URL(request.url);
  if (!inScope(url) || url.href === self.location.href) return;
  if (request.mode === 'navigate') {
    if (isShell(url)) event.respondWith(page(event));
    return;
  }
  event.respondWith(file(event));
});
