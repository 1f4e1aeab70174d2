import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { EngineError } from '../protocol';
import { checkpointSlot, openCheckpointStore, type CheckpointStore } from './checkpoints';

/** A store whose writes finish when the test says so. */
function slowStore() {
  const kept = new Map<string, Uint8Array>();
  const waiting: (() => void)[] = [];
  const log: string[] = [];
  let failWrites = false;
  const later = (action: () => void) =>
    new Promise<void>((resolve, reject) =>
      waiting.push(() => {
        if (failWrites) reject(new Error('QuotaExceededError'));
        else {
          action();
          resolve();
        }
      }),
    );
  const store: CheckpointStore = {
    kind: 'indexeddb',
    read: async (key) => kept.get(key) ?? null,
    write: (key, bytes) => {
      log.push(`write ${bytes[0]}`);
      return later(() => kept.set(key, bytes));
    },
    remove: (key) => {
      log.push('remove');
      return later(() => kept.delete(key));
    },
  };
  const finishOne = async () => {
    waiting.shift()?.();
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { store, kept, log, finishOne, failNext: () => (failWrites = true) };
}

describe('a checkpoint slot', () => {
  it('writes one checkpoint at a time, and of those waiting only the latest', async () => {
    const { store, kept, log, finishOne } = slowStore();
    const slot = checkpointSlot(store, 'tab', () => {});
    slot.save(new Uint8Array([1]));
    slot.save(new Uint8Array([2]));
    slot.save(new Uint8Array([3]));
    await finishOne();
    await finishOne();
    expect(log).toEqual(['write 1', 'write 3']);
    expect(kept.get('tab')).toEqual(new Uint8Array([3]));
    slot.clear();
    await finishOne();
    expect(await store.read('tab')).toBeNull();
  });

  it('reports the first failure to save, once, and stops writing', async () => {
    const { store, log, finishOne, failNext } = slowStore();
    const errors: EngineError[] = [];
    const slot = checkpointSlot(store, 'tab', (error) => errors.push(error));
    failNext();
    slot.save(new Uint8Array([1]));
    slot.save(new Uint8Array([2]));
    await finishOne();
    slot.save(new Uint8Array([3]));
    await finishOne();
    expect(log).toEqual(['write 1']);
    expect(errors).toEqual([
      {
        message: "Could not save a checkpoint in the browser's storage: QuotaExceededError",
        hint: 'The run goes on, but if the engine stops it will start over instead of resuming.',
      },
    ]);
  });
});

describe('the IndexedDB store, where there is no origin private file system', () => {
  it('keeps, replaces and removes a slot’s bytes', async () => {
    const store = (await openCheckpointStore())!;
    expect(store.kind).toBe('indexeddb');
    expect(await store.read('tab')).toBeNull();
    await store.write('tab', new Uint8Array([1, 2, 3]));
    await store.write('other', new Uint8Array([9]));
    await store.write('tab', new Uint8Array([4, 5]));
    expect(await store.read('tab')).toEqual(new Uint8Array([4, 5]));
    await store.remove('tab');
    await store.remove('never written');
    expect(await store.read('tab')).toBeNull();
    expect(await store.read('other')).toEqual(new Uint8Array([9]));
  });
});
