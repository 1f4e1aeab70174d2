/**
 * Generation in a worker of its own: the engine asks for the events of its next batch while it runs the
 * current one, and the generator worker hands the Arrow IPC bytes back by transfer, so that both cores work.
 * Events are a pure function of (spec, offset), so bytes made there are the bytes the engine would make.
 * The engine's side is `GeneratorFeed`; the worker's side is `serveGenerators` (workers/generator.worker.ts).
 */
import { ReturnedIpc, STREAMS_IN_USE } from '../reused-ipc';
import type { GeneratorSpec } from '../scenario';
import { createGenerator, type EventGenerator } from './index';

export interface GenerateRequest {
  id: number;
  spec: GeneratorSpec;
  from: number;
  to: number;
  /** Buffers of events the engine has read, transferred back to be written into again. */
  spent: ArrayBuffer[];
}

export type GenerateReply = { id: number; ipc: Uint8Array } | { id: number; error: string };

/** The part of a Worker (or a MessagePort) the feed talks through. */
export interface FeedPort {
  postMessage(message: GenerateRequest, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<GenerateReply>) => void) | null;
  onerror?: ((event: never) => void) | null;
}

interface Prefetch {
  id: number;
  from: number;
  to: number;
  ipc: Uint8Array | null;
  arrived: Promise<void>;
  settle: () => void;
}

/**
 * The engine's side: per source, at most one range asked for ahead. A batch takes the bytes when they
 * are exactly its range (a trigger on time); otherwise (a batch overran, or caught up) it makes them itself.
 */
export class GeneratorFeed {
  private nextId = 0;
  private readonly prefetched = new Map<string, Prefetch>();
  private broken = false;
  /** Per source, the buffers of the batches taken last, oldest first: STREAMS_IN_USE, then the oldest goes back. */
  private readonly taken = new Map<string, ArrayBuffer[]>();
  /** Buffers read and no longer needed, to go back with the next request. */
  private spent: ArrayBuffer[] = [];

  constructor(private readonly port: FeedPort) {
    port.onmessage = (event) => this.receive(event.data);
    port.onerror = () => this.break();
  }

  /** Forgets every prefetch: a new run starts. */
  reset(): void {
    for (const prefetch of this.prefetched.values()) prefetch.settle();
    this.prefetched.clear();
    this.taken.clear();
  }

  /** Asks the generator worker for events [from, to) of `source`, replacing any earlier ask. */
  request(source: string, spec: GeneratorSpec, from: number, to: number): void {
    this.prefetched.get(source)?.settle();
    if (this.broken || to <= from) {
      this.prefetched.delete(source);
      return;
    }
    const id = ++this.nextId;
    let settle = () => {};
    const arrived = new Promise<void>((resolve) => (settle = resolve));
    this.prefetched.set(source, { id, from, to, ipc: null, arrived, settle });
    const spent = this.spent;
    this.spent = [];
    this.port.postMessage({ id, spec, from, to, spent }, spent);
  }

  /** Resolves once every prefetch asked for has arrived (or failed); null when none is on its way. */
  settled(): Promise<void> | null {
    const waiting = [...this.prefetched.values()].filter((prefetch) => prefetch.ipc === null);
    return waiting.length ? Promise.all(waiting.map((prefetch) => prefetch.arrived)).then(() => {}) : null;
  }

  /** The prefetched events [from, to) of `source`, when they arrived; otherwise the engine makes them. */
  take(source: string, from: number, to: number): Uint8Array | undefined {
    const prefetch = this.prefetched.get(source);
    if (!prefetch || prefetch.ipc === null) return undefined;
    this.prefetched.delete(source);
    if (prefetch.from !== from || prefetch.to !== to) return undefined;
    const taken = this.taken.get(source) ?? [];
    taken.push(prefetch.ipc.buffer as ArrayBuffer);
    if (taken.length > STREAMS_IN_USE) this.spent.push(taken.shift()!);
    this.taken.set(source, taken);
    return prefetch.ipc;
  }

  private receive(reply: GenerateReply): void {
    for (const [source, prefetch] of this.prefetched) {
      if (prefetch.id !== reply.id) continue;
      if ('ipc' in reply) prefetch.ipc = reply.ipc;
      else this.prefetched.delete(source);
      prefetch.settle();
    }
  }

  /** The worker failed: the engine generates everything itself from now on. */
  private break(): void {
    this.broken = true;
    this.reset();
  }
}

/**
 * The generator worker's side: answers each request with the events' Arrow IPC bytes, transferred, written into
 * the buffers the engine gave back.
 */
export function serveGenerators(scope: {
  onmessage: ((event: MessageEvent<GenerateRequest>) => void) | null;
  postMessage(message: GenerateReply, transfer: Transferable[]): void;
}): void {
  const generators = new Map<string, EventGenerator>();
  const written = new ReturnedIpc();
  scope.onmessage = ({ data: { id, spec, from, to, spent } }) => {
    written.giveBack(spent);
    try {
      const key = JSON.stringify(spec);
      let generator = generators.get(key);
      if (!generator) {
        if (generators.size > 16) generators.clear();
        generator = createGenerator(spec);
        generators.set(key, generator);
      }
      const { ipc } = generator.generate(from, to, written);
      scope.postMessage({ id, ipc }, [ipc.buffer]);
    } catch (error) {
      scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) }, []);
    }
  };
}
