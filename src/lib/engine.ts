import * as Comlink from 'comlink';
import type { EngineApi } from '../../workers/protocol';

/** Starts the engine worker; every call on the result runs in the worker. */
export function startEngine(): Comlink.Remote<EngineApi> {
  const worker = new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'tideline-engine',
  });
  return Comlink.wrap<EngineApi>(worker);
}
