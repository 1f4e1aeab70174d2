/**
 * The browser's storage for the engine's checkpoints, used in the engine worker: the origin private file
 * system where there is one, IndexedDB otherwise. One slot per key (the UI's tab).
 */
import type { EngineError } from '../protocol';
import type { CheckpointSlot } from '../engine/session';

export interface CheckpointStore {
  /** Where the bytes are kept, for messages. */
  readonly kind: 'opfs' | 'indexeddb';
  read(key: string): Promise<Uint8Array | null>;
  write(key: string, bytes: Uint8Array): Promise<void>;
  remove(key: string): Promise<void>;
}

/** A slot's key names a file: letters, digits and dashes only. */
export const SLOT_KEY = /^[A-Za-z0-9-]{1,64}$/;

/** The first store this browser offers; null when it offers none (a private window may not). */
export async function openCheckpointStore(): Promise<CheckpointStore | null> {
  try {
    const root = await navigator.storage.getDirectory();
    return opfsStore(await root.getDirectoryHandle('checkpoints', { create: true }));
  } catch {
    // No origin private file system here: try IndexedDB.
  }
  try {
    return await indexedDbStore();
  } catch {
    return null;
  }
}

function opfsStore(directory: FileSystemDirectoryHandle): CheckpointStore {
  return {
    kind: 'opfs',
    async read(key) {
      let file: File;
      try {
        file = await (await directory.getFileHandle(key)).getFile();
      } catch (error) {
        if ((error as DOMException).name === 'NotFoundError') return null;
        throw error;
      }
      return new Uint8Array(await file.arrayBuffer());
    },
    async write(key, bytes) {
      const handle = await directory.getFileHandle(key, { create: true });
      // A writable stream replaces the file only when closed: a worker killed while writing leaves the last one whole.
      const writable = await handle.createWritable();
      await writable.write(bytes as Uint8Array<ArrayBuffer>);
      await writable.close();
    },
    async remove(key) {
      await directory.removeEntry(key).catch((error: DOMException) => {
        if (error.name !== 'NotFoundError') throw error;
      });
    },
  };
}

async function indexedDbStore(): Promise<CheckpointStore> {
  const database = await new Promise<IDBDatabase>((resolve, reject) => {
    const opening = indexedDB.open('tideline', 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore('checkpoints');
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
  const request = <T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>) =>
    new Promise<T>((resolve, reject) => {
      const transaction = database.transaction('checkpoints', mode);
      const pending = act(transaction.objectStore('checkpoints'));
      transaction.oncomplete = () => resolve(pending.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  return {
    kind: 'indexeddb',
    async read(key) {
      const found = await request<unknown>('readonly', (store) => store.get(key));
      return found instanceof Uint8Array ? found : null;
    },
    async write(key, bytes) {
      await request('readwrite', (store) => store.put(bytes, key));
    },
    async remove(key) {
      await request('readwrite', (store) => store.delete(key));
    },
  };
}

/**
 * A session's slot in the store: writes happen one at a time in the background, and only the latest waiting
 * checkpoint is written. The first failure is reported; the run goes on without checkpoints.
 */
export function checkpointSlot(
  store: CheckpointStore,
  key: string,
  onError: (error: EngineError) => void,
): CheckpointSlot {
  /** What to do next: bytes to write, null to clear, undefined for nothing. */
  let next: Uint8Array | null | undefined;
  let busy = false;
  let failed = false;
  const drain = async () => {
    busy = true;
    while (next !== undefined && !failed) {
      const bytes = next;
      next = undefined;
      try {
        if (bytes === null) await store.remove(key);
        else await store.write(key, bytes);
      } catch (error) {
        failed = true;
        onError({
          message: `Could not save a checkpoint in the browser's storage: ${(error as Error).message}`,
          hint: 'The run goes on, but if the engine stops it will start over instead of resuming.',
        });
      }
    }
    busy = false;
  };
  const then = (bytes: Uint8Array | null) => {
    next = bytes;
    if (!busy) void drain();
  };
  return { save: (bytes) => then(bytes), clear: () => then(null) };
}
