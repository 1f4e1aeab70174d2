import * as Comlink from 'comlink';
import type { EngineApi } from '../../workers/protocol';

/** A running engine worker: its API, and how to stop it. */
export interface EngineConnection {
  api: Comlink.Remote<EngineApi>;
  close(): void;
}

export interface Liveness {
  /** How often the worker is asked whether it still answers. */
  heartbeatMs: number;
  /** How long an answer may take: a big batch legitimately keeps the worker busy for a while. */
  timeoutMs: number;
}

export const LIVENESS: Liveness = { heartbeatMs: 5_000, timeoutMs: 10_000 };

function spawn(): Worker {
  return new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'tideline-engine',
  });
}

/** The worker started before the app's code had loaded, and the first error it threw meanwhile, if any. */
let early: { worker: Worker; error: string | null } | null = null;

/**
 * Starts the first engine worker at once, while the page's own code is still loading: DuckDB's wasm downloads
 * and compiles meanwhile. The next `startEngine` takes it over.
 */
export function startEngineEarly(): void {
  if (early) return;
  const started = { worker: spawn(), error: null as string | null };
  started.worker.addEventListener('error', (event) => {
    event.preventDefault();
    started.error ??= event.message || 'an uncaught error in the engine worker';
  });
  early = started;
}

/**
 * Starts the engine worker (or takes over the one `startEngineEarly` started); every call on `api` runs in the
 * worker. `onDeath` is called once, with the reason, if the worker throws an uncaught error (a wasm trap, say)
 * or stops answering; the worker is closed by then.
 */
export function startEngine(onDeath: (reason: string) => void, liveness = LIVENESS): EngineConnection {
  const taken = early;
  early = null;
  const worker = taken?.worker ?? spawn();
  const api = Comlink.wrap<EngineApi>(worker);
  let closed = false;
  let asking = false;

  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    worker.terminate();
    api[Comlink.releaseProxy]();
  };
  const die = (reason: string) => {
    if (closed) return;
    close();
    onDeath(reason);
  };

  worker.addEventListener('error', (event) => {
    // Handled here: the UI says what happened.
    event.preventDefault();
    die(event.message || 'an uncaught error in the engine worker');
  });
  // The heartbeat asks a question that waits for nothing, so a slow start (DuckDB-Wasm compiling on a busy
  // machine) is not taken for a hang; only a worker whose event loop is stuck leaves it unanswered.
  const heartbeat = setInterval(() => {
    if (asking) return;
    asking = true;
    const seconds = Math.round(liveness.timeoutMs / 1000);
    const timer = setTimeout(() => die(`it did not answer for ${seconds} seconds`), liveness.timeoutMs);
    const answered = () => {
      clearTimeout(timer);
      asking = false;
    };
    api.alive().then(answered, answered);
  }, liveness.heartbeatMs);
  // An error the early worker threw before anyone listened still counts.
  if (taken?.error) {
    const reason = taken.error;
    queueMicrotask(() => die(reason));
  }

  return { api, close };
}
