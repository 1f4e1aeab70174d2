import { afterEach, describe, expect, it, vi } from 'vitest';
import { debounced, readSaved, SAVED_KEY, tabCheckpointKey, writeSaved } from './saved';
import { defaultScenario, toDocument } from './scenario';

function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  };
}

describe('saved work', () => {
  afterEach(() => vi.useRealTimers());

  it('reads back what was written, validated', () => {
    const store = memoryStorage();
    expect(readSaved(store)).toEqual({ kind: 'none' });
    const document = toDocument(defaultScenario());
    writeSaved(document, store);
    const saved = readSaved(store);
    expect(saved.kind).toBe('saved');
    expect(saved.kind === 'saved' && saved.scenario.query).toBe(document.query);
  });

  it('discards a document that is not JSON, or that the format refuses, and says why', () => {
    const store = memoryStorage();
    store.setItem(SAVED_KEY, '{"version": 1,');
    expect(readSaved(store)).toEqual({ kind: 'discarded', reason: 'it is not valid JSON' });
    expect(store.getItem(SAVED_KEY)).toBeNull();
    store.setItem(SAVED_KEY, JSON.stringify({ ...toDocument(defaultScenario()), outputMode: 'sometimes' }));
    const saved = readSaved(store);
    expect(saved.kind === 'discarded' && saved.reason).toMatch(/^outputMode: /);
    expect(store.getItem(SAVED_KEY)).toBeNull();
  });

  it('saves once edits pause, and at once when flushed', () => {
    vi.useFakeTimers();
    const save = vi.fn();
    const saver = debounced(save, 400);
    saver.schedule();
    vi.advanceTimersByTime(300);
    saver.schedule();
    vi.advanceTimersByTime(300);
    expect(save).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(save).toHaveBeenCalledTimes(1);
    saver.schedule();
    saver.flush();
    saver.flush();
    expect(save).toHaveBeenCalledTimes(2);
  });
});

describe("a tab's checkpoint slot", () => {
  it('is made once per tab and kept across reloads of it; none without storage', () => {
    const tab = memoryStorage();
    const key = tabCheckpointKey(tab);
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(tabCheckpointKey(tab)).toBe(key);
    expect(tabCheckpointKey(memoryStorage())).not.toBe(key);
    expect(tabCheckpointKey(null)).toBeUndefined();
  });
});
