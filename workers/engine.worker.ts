import * as Comlink from 'comlink';
import { getPlatformFeatures } from '@duckdb/duckdb-wasm/browser-blocking';
import { absolute, openBindings } from './duckdb-browser';
import { Database, dieOfTrap } from './engine/database';
import { clusterScript } from './engine/cluster';
import { describeFailure } from './engine/failures';
import { formatOf, inspectFile, isParquet, type ParquetToArrow } from './engine/files';
import { GeneratorFeed } from './engine/generator/feed';
import { REAL_TIMERS } from './engine/scheduler';
import { LiveSession, type CheckpointSlot, type SessionListener } from './engine/session';
import { toLiveBatch } from './live-batch';
import { databaseCatalog } from './engine/streaming/catalog';
import { parseScenario } from './engine/validate';
import { rehearse } from './engine/rehearsal';
import type { EngineApi, EngineInfo, LiveListener } from './protocol';
import { checkpointSlot, openCheckpointStore, SLOT_KEY } from './storage/checkpoints';

const started = performance.now();

async function open(): Promise<{ database: Database; session: LiveSession; info: EngineInfo }> {
  const features = await getPlatformFeatures();
  const database = new Database(await openBindings(), absolute(import.meta.env.BASE_URL + 'extensions'));
  const info: EngineInfo = {
    duckdbVersion: database.version,
    bundle: features.wasmExceptions ? 'eh' : 'mvp',
    startupMs: performance.now() - started,
  };
  const session = new LiveSession(database, REAL_TIMERS, generatorFeed());
  return { database, session, info };
}

/**
 * Generation runs in a worker of its own, so that it overlaps the engine's batches on another core; with two
 * cores or fewer the engine generates itself, leaving the page's main thread a core of its own.
 */
function generatorFeed(): GeneratorFeed | undefined {
  if (navigator.hardwareConcurrency <= 2) return undefined;
  const generator = new Worker(new URL('./generator.worker.ts', import.meta.url), {
    type: 'module',
    name: 'tideline-generator',
  });
  return new GeneratorFeed(generator);
}

const ready = open();
let parquet: Promise<ParquetToArrow> | null = null;

/** parquet-wasm's web build, fetched from this site and instantiated the first time a Parquet file is read. */
function parquetReader(): Promise<ParquetToArrow> {
  parquet ??= (async () => {
    const [module, { default: wasmUrl }] = await Promise.all([
      import('parquet-wasm/esm'),
      import('parquet-wasm/esm/parquet_wasm_bg.wasm?url'),
    ]);
    await module.default({ module_or_path: wasmUrl });
    return (bytes: Uint8Array) => module.readParquet(bytes).intoIPCStream();
  })();
  return parquet;
}

const store = openCheckpointStore();
/** One slot per key, so that one tab's checkpoints are written one after the other. */
const slots = new Map<string, CheckpointSlot>();
/** Where the current load's slot reports a failure to save. */
let reportTo: LiveListener = () => {};

async function slotFor(key: string | undefined): Promise<CheckpointSlot | undefined> {
  const checkpoints = key !== undefined && SLOT_KEY.test(key) ? await store : null;
  if (!checkpoints || key === undefined) return undefined;
  let slot = slots.get(key);
  if (!slot) {
    slot = checkpointSlot(checkpoints, key, (error) => reportTo({ kind: 'error', error }));
    slots.set(key, slot);
  }
  return slot;
}

/**
 * Each batch goes to the UI with its rows and late rows as Arrow, their buffers transferred. The listener's answer
 * to a batch comes once the page has drawn it.
 */
function sendingArrow(listener: LiveListener): SessionListener {
  return (event) => {
    if (event.kind !== 'batch') return void listener(event);
    const { batch, transfer } = toLiveBatch(event.report);
    return listener(Comlink.transfer({ kind: 'batch', batch, status: event.status }, transfer));
  };
}

const api: EngineApi = {
  async alive() {
    return true;
  },
  async info() {
    return (await ready).info;
  },
  async query(sql) {
    const { database } = await ready;
    try {
      const outcome = database.run(sql);
      return outcome.ok ? Comlink.transfer(outcome, [outcome.arrow.buffer]) : outcome;
    } catch (trap) {
      // `run` lets only a trap through: this DuckDB can no longer be trusted.
      return { ok: false, error: dieOfTrap(trap, (die) => setTimeout(die)) };
    }
  },
  async load(scenario, listener, options = {}) {
    const { session } = await ready;
    const slot = await slotFor(options.checkpointKey);
    let resumeFrom: Uint8Array | null | undefined;
    if (options.resume) resumeFrom = slot ? await (await store)!.read(options.checkpointKey!).catch(() => null) : null;
    const { files } = options;
    const readParquet = files?.some((file) => isParquet(file.bytes)) ? await parquetReader() : undefined;
    const outcome = session.load(scenario, sendingArrow(listener), {
      slot,
      resumeFrom,
      files,
      readParquet,
      record: options.record,
    });
    if (outcome.ok) reportTo = listener;
    return outcome;
  },
  async play() {
    (await ready).session.play();
  },
  async pause() {
    (await ready).session.pause();
  },
  async step() {
    (await ready).session.step();
  },
  async reset() {
    return (await ready).session.reset();
  },
  async state(request) {
    return (await ready).session.state(request);
  },
  async clusterScript(document, target) {
    const { database } = await ready;
    try {
      return { ok: true, script: clusterScript(parseScenario(document), target, databaseCatalog(database).durationOf) };
    } catch (error) {
      return { ok: false, error: describeFailure(error) };
    }
  },
  async inspectFile(file, format) {
    const { database } = await ready;
    const chosen = format ?? formatOf(file.name) ?? (isParquet(file.bytes) ? 'parquet' : undefined);
    return inspectFile(database, file, chosen, chosen === 'parquet' ? await parquetReader() : undefined);
  },
  async rehearse(scenario, steps) {
    return rehearse((await ready).database, scenario, steps);
  },
  async bundle(target, root) {
    return (await ready).session.bundle(target, root);
  },
};

Comlink.expose(api);
