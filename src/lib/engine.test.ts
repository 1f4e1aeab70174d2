import * as Comlink from 'comlink';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineApi } from '../../workers/protocol';
import { LIVENESS, startEngine } from './engine';

/** One end of an in-memory message channel; what it posts reaches the other end's listeners in a microtask. */
class End implements Comlink.Endpoint {
  other!: End;
  private readonly listeners = new Set<EventListenerOrEventListenerObject>();
  postMessage(data: unknown): void {
    const to = this.other;
    const event = { data } as MessageEvent;
    queueMicrotask(() =>
      to.listeners.forEach((listener) =>
        typeof listener === 'function' ? listener(event) : listener.handleEvent(event),
      ),
    );
  }
  addEventListener(type: string, listener: EventListenerOrEventListenerObject): void {
    if (type === 'message') this.listeners.add(listener);
  }
  removeEventListener(_type: string, listener: EventListenerOrEventListenerObject): void {
    this.listeners.delete(listener);
  }
}

/** What the fake worker runs: its engine API, or nothing at all when its event loop is stuck. */
let inside: Partial<EngineApi> | null = null;

class FakeWorker extends End {
  terminated = false;
  constructor() {
    super();
    const worker = new End();
    this.other = worker;
    worker.other = this;
    if (inside) Comlink.expose(inside, worker);
  }
  terminate(): void {
    this.terminated = true;
  }
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubGlobal('Worker', FakeWorker);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const aMinute = 60_000;

describe("the UI's heartbeat to the engine worker", () => {
  it('takes a slow start for what it is: a worker whose DuckDB is still compiling answers it', async () => {
    inside = { alive: async () => true, info: () => new Promise(() => {}) };
    const deaths: string[] = [];
    const engine = startEngine((reason) => deaths.push(reason));
    await vi.advanceTimersByTimeAsync(aMinute);
    expect(deaths).toEqual([]);
    engine.close();
  });

  it('restarts a worker whose event loop answers nothing', async () => {
    inside = null;
    const deaths: string[] = [];
    startEngine((reason) => deaths.push(reason));
    await vi.advanceTimersByTimeAsync(LIVENESS.heartbeatMs + LIVENESS.timeoutMs + 1);
    expect(deaths).toEqual(['it did not answer for 10 seconds']);
    await vi.advanceTimersByTimeAsync(aMinute);
    expect(deaths).toHaveLength(1);
  });
});
