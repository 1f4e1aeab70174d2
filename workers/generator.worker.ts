/**
 * The generator worker: makes the events of the engine's next micro-batch while the engine runs the
 * current one, and transfers their Arrow IPC bytes back (see workers/engine/generator/feed.ts).
 */
import { serveGenerators, type GenerateReply, type GenerateRequest } from './engine/generator/feed';

serveGenerators(
  self as unknown as {
    onmessage: ((event: MessageEvent<GenerateRequest>) => void) | null;
    postMessage(message: GenerateReply, transfer: Transferable[]): void;
  },
);
