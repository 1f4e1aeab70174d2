import { describe, expect, it, vi } from 'vitest';
import { offlineReady, registerOffline, serviceWorkerUrls, type OfflineEnvironment } from './register';

function fakeContainer(controlled = false) {
  const listeners = new Set<() => void>();
  const container = {
    controller: controlled ? ({} as ServiceWorker) : null,
    ready: Promise.resolve({} as ServiceWorkerRegistration),
    register: vi.fn(async () => ({}) as ServiceWorkerRegistration),
    addEventListener: vi.fn((_type: string, listener: () => void) => listeners.add(listener)),
    removeEventListener: vi.fn((_type: string, listener: () => void) => listeners.delete(listener)),
    /** The worker claims the page. */
    claim() {
      container.controller = {} as ServiceWorker;
      for (const listener of [...listeners]) listener();
    },
  };
  return container;
}

function env(overrides: Partial<OfflineEnvironment> = {}, container = fakeContainer()) {
  return {
    env: {
      base: '/tideline/',
      dev: false,
      secure: true,
      location: { href: 'https://example.org/tideline/#v1.abc' },
      serviceWorker: container as unknown as OfflineEnvironment['serviceWorker'],
      ...overrides,
    } satisfies OfflineEnvironment,
    container,
  };
}

describe('registerOffline', () => {
  it('registers <base>sw.js for the scope <base>, never an absolute "/"', async () => {
    const { env: e, container } = env();
    await registerOffline(e);
    expect(container.register).toHaveBeenCalledWith('https://example.org/tideline/sw.js', {
      scope: 'https://example.org/tideline/',
      type: 'classic',
      updateViaCache: 'none',
    });
    expect(serviceWorkerUrls('/', 'http://127.0.0.1:4173/?x=1')).toEqual({
      script: 'http://127.0.0.1:4173/sw.js',
      scope: 'http://127.0.0.1:4173/',
    });
  });

  it('does nothing in development, outside a secure context, or without service workers', async () => {
    for (const overrides of [{ dev: true }, { secure: false }]) {
      const { env: e, container } = env(overrides);
      await registerOffline(e);
      expect(container.register).not.toHaveBeenCalled();
      expect(await offlineReady(e)).toBe(false);
    }
    const { env: none } = env();
    delete (none as OfflineEnvironment).serviceWorker;
    await expect(registerOffline(none)).resolves.toBeUndefined();
  });

  it('never rejects when registration fails', async () => {
    const { env: e, container } = env();
    container.register.mockRejectedValueOnce(new Error('SecurityError'));
    await expect(registerOffline(e)).resolves.toBeUndefined();
  });
});

describe('offlineReady', () => {
  it('resolves once a worker controls the page', async () => {
    expect(await offlineReady(env({}, fakeContainer(true)).env)).toBe(true);
    const { env: e, container } = env();
    let ready: boolean | undefined;
    const pending = offlineReady(e).then((value) => (ready = value));
    await Promise.resolve();
    expect(ready).toBeUndefined();
    container.claim();
    await pending;
    expect(ready).toBe(true);
    expect(container.removeEventListener).toHaveBeenCalled();
  });
});
