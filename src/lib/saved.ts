/**
 * The user's work, kept in the browser between visits: the current scenario document (unsaved SQL edits
 * included) in localStorage. A stored document is validated like a share link before it is used; one that
 * cannot be read is discarded, and the caller says so.
 */
import { documentOf, type ScenarioDocument } from '../../workers/engine/scenario';
import { parseScenario, ScenarioError } from '../../workers/engine/validate';

export const SAVED_KEY = 'tideline.document';
export const CHECKPOINT_KEY = 'tideline.checkpoint';

export type SavedDocument =
  { kind: 'none' } | { kind: 'saved'; scenario: ScenarioDocument } | { kind: 'discarded'; reason: string };

/** Storage may be unavailable (private modes, sandboxed frames): nothing is then kept. */
function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/**
 * The name of this tab's checkpoint slot in the engine's storage: kept in sessionStorage, so the same across
 * reloads of a tab and another in each tab. Undefined where there is no sessionStorage (no checkpoints then).
 */
export function tabCheckpointKey(store: Storage | null = tabStorage()): string | undefined {
  try {
    let key = store?.getItem(CHECKPOINT_KEY) ?? undefined;
    if (!key && store) {
      key = crypto.randomUUID();
      store.setItem(CHECKPOINT_KEY, key);
    }
    return key;
  } catch {
    return undefined;
  }
}

function tabStorage(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}

export function readSaved(store: Storage | null = storage()): SavedDocument {
  const text = store?.getItem(SAVED_KEY);
  if (!text) return { kind: 'none' };
  try {
    return { kind: 'saved', scenario: documentOf(parseScenario(JSON.parse(text))) };
  } catch (error) {
    store?.removeItem(SAVED_KEY);
    const reason =
      error instanceof ScenarioError
        ? error.message
        : error instanceof SyntaxError
          ? 'it is not valid JSON'
          : 'it could not be read';
    return { kind: 'discarded', reason };
  }
}

export function writeSaved(scenario: ScenarioDocument, store: Storage | null = storage()): void {
  try {
    store?.setItem(SAVED_KEY, JSON.stringify(scenario));
  } catch {
    // Full or unavailable: the work is not kept.
  }
}

/** Calls `save` once `delayMs` have passed without another `schedule`; `flush` saves what is pending at once. */
export function debounced(save: () => void, delayMs: number): { schedule: () => void; flush: () => void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    if (timer === null) return;
    clearTimeout(timer);
    timer = null;
    save();
  };
  return {
    schedule: () => {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(flush, delayMs);
    },
    flush,
  };
}
