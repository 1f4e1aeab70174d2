/**
 * Offline support: registers the service worker `public/sw.js` (see its top comment for what it caches).
 *
 *   registerOffline()  registers <BASE_URL>sw.js with scope <BASE_URL>; resolves once registered. A no-op
 *                      in development, where the browser does not support service workers, or outside a
 *                      secure context (http:// other than localhost). Never rejects: the playground works
 *                      without it, only not offline.
 *   offlineReady()     resolves to true once a service worker controls this page (the playground then
 *                      survives the network going away), false where there will be none.
 *
 * Call `registerOffline()` once at start-up, e.g. `void registerOffline()` in main.ts. Every path derives
 * from `import.meta.env.BASE_URL`, so a build served under a sub-path (BASE=/tideline/) registers
 * /tideline/sw.js for /tideline/ and nothing else.
 */

/** What registration needs from the browser; tests pass fakes. */
export interface OfflineEnvironment {
  /** Vite's BASE_URL: an absolute path ending in "/". */
  base: string;
  dev: boolean;
  location: { href: string };
  secure: boolean;
  serviceWorker?: Pick<
    ServiceWorkerContainer,
    'register' | 'ready' | 'controller' | 'addEventListener' | 'removeEventListener'
  >;
}

export function browserEnvironment(): OfflineEnvironment {
  const hasNavigator = typeof navigator !== 'undefined';
  return {
    base: import.meta.env.BASE_URL,
    dev: import.meta.env.DEV,
    location: typeof location === 'undefined' ? { href: 'http://localhost/' } : location,
    secure: typeof isSecureContext === 'boolean' ? isSecureContext : false,
    ...(hasNavigator && 'serviceWorker' in navigator && { serviceWorker: navigator.serviceWorker }),
  };
}

/** The service worker's URL and scope for a site at `base`, resolved against the page. */
export function serviceWorkerUrls(base: string, page: string): { script: string; scope: string } {
  const scope = new URL(base, page);
  return { script: new URL('sw.js', scope).href, scope: scope.href };
}

type Container = NonNullable<OfflineEnvironment['serviceWorker']>;

function supported(env: OfflineEnvironment): env is OfflineEnvironment & { serviceWorker: Container } {
  return !env.dev && env.secure && env.serviceWorker !== undefined;
}

export async function registerOffline(env: OfflineEnvironment = browserEnvironment()): Promise<void> {
  if (!supported(env)) return;
  const { script, scope } = serviceWorkerUrls(env.base, env.location.href);
  try {
    await env.serviceWorker.register(script, { scope, type: 'classic', updateViaCache: 'none' });
  } catch {
    // No offline support this time (private mode, storage disabled, a failed fetch of sw.js): not an error.
  }
}

export async function offlineReady(env: OfflineEnvironment = browserEnvironment()): Promise<boolean> {
  if (!supported(env)) return false;
  await env.serviceWorker.ready;
  if (env.serviceWorker.controller) return true;
  // First visit: the worker claims the page when it activates.
  const container = env.serviceWorker;
  return new Promise((resolve) => {
    const check = () => {
      if (!container.controller) return;
      container.removeEventListener('controllerchange', check);
      resolve(true);
    };
    container.addEventListener('controllerchange', check);
    check();
  });
}
