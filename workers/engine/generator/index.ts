/**
 * Seeded, deterministic synthetic event streams.
 *
 * Event i of a stream is a pure function of (spec, i). Its processing time p(i) comes from the rate schedule
 * (`clock.ts`): the latest moment at which only i events exist, so p(0) = 0 and event i is counted by
 * `offsetAt(ms)` for every ms after p(i); `generate(offsetAt(a), offsetAt(b))` thus holds the events with
 * a ≤ p(i) < b. Its nominal event time is `start + p(i) × speed`, and its event time `ts` subtracts a disorder
 * delay, uniform in [0, disorder) seconds, plus `lateBy` seconds for a `lateFraction` of the events. Every
 * random choice is a hash of (seed, global event index, field) (`random.ts`), so any range can be generated in
 * any chunking with the same bytes.
 */
import type { IpcTarget } from '../reused-ipc';
import type { ColumnSpec, GeneratorSpec, TableSpec } from '../scenario';
import { Int64Column, scratch, toArrowIPC } from './arrow';
import { clicks } from './clicks';
import { Clock } from './clock';
import { GeneratorConfigError, validateSpec, type GeneratorConfig } from './config';
import { EVENT_STREAM, FIELD_DISORDER, FIELD_LATE, type Batch, type Dataset, type DatasetStream } from './dataset';
import { nexmarkAuction, nexmarkBid, nexmarkPerson } from './nexmark';
import { orders } from './orders';
import { RandomStream, unitField } from './random';
import { sensors } from './sensors';
import { transactions } from './transactions';

export { GeneratorConfigError } from './config';

export interface EventGenerator {
  /** The stream's columns, [name, DuckDB type]. The event-time column is always "ts" of type TIMESTAMP. */
  readonly columns: ColumnSpec[];
  /**
   * How many events exist at simulated processing time `ms` (milliseconds since the run started);
   * non-decreasing, 0 at 0. Encodes rate, ramp, bursts and idle periods.
   */
  offsetAt(ms: number): number;
  /**
   * The events with offsets [from, to) as an Arrow IPC stream, columns in `columns` order, with the row count
   * and each row's event time in epoch microseconds. The stream is written `into` reused memory when given.
   */
  generate(
    from: number,
    to: number,
    into?: IpcTarget,
  ): { ipc: Uint8Array; rowCount: number; eventTimesMicros: BigInt64Array };
  /** Static dimension tables whose keys match the stream's keys, TIMESTAMP as 'YYYY-MM-DD HH:MM:SS' UTC. */
  dimensionTables(): TableSpec[];
}

const ALL: Dataset[] = [clicks, orders, nexmarkPerson, nexmarkAuction, nexmarkBid, sensors, transactions];
const BY_KIND = new Map(ALL.map((dataset) => [dataset.kind, dataset]));

/** The datasets, for the UI and the docs. */
export const DATASETS: { kind: string; description: string; columns: ColumnSpec[] }[] = ALL.map((dataset) => ({
  kind: dataset.kind,
  description: dataset.description,
  columns: dataset.columns.map(([name, type]): ColumnSpec => [name, type]),
}));

/** Validates `spec` strictly (throwing GeneratorConfigError) and returns its generator. */
export function createGenerator(spec: GeneratorSpec): EventGenerator {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new GeneratorConfigError('generator', `generator: expected an object { kind, seed, rate, ... }`);
  }
  const dataset = typeof spec.kind === 'string' ? BY_KIND.get(spec.kind) : undefined;
  if (!dataset) {
    const got =
      typeof spec.kind === 'string' ? JSON.stringify(spec.kind) : spec.kind === undefined ? 'nothing' : 'a non-string';
    throw new GeneratorConfigError(
      'generator.kind',
      `generator.kind: expected one of ${ALL.map((d) => d.kind).join(', ')}, got ${got}`,
    );
  }
  return new Generator(validateSpec(spec, dataset), dataset);
}

class Generator implements EventGenerator {
  readonly columns: ColumnSpec[];
  private readonly clock: Clock;
  private readonly stream: DatasetStream;
  private readonly random: RandomStream;

  constructor(
    private readonly config: GeneratorConfig,
    dataset: Dataset,
  ) {
    this.columns = dataset.columns.map(([name, type]): ColumnSpec => [name, type]);
    this.clock = new Clock(config);
    this.stream = dataset.create(config);
    this.random = new RandomStream(config.seed, EVENT_STREAM + dataset.family);
  }

  offsetAt(ms: number): number {
    if (typeof ms !== 'number' || !Number.isFinite(ms))
      throw new RangeError(`offsetAt: expected a finite time in ms, got ${ms}`);
    return this.stream.countIn(this.clock.countAtMs(ms));
  }

  generate(
    from: number,
    to: number,
    into?: IpcTarget,
  ): { ipc: Uint8Array; rowCount: number; eventTimesMicros: BigInt64Array } {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from) {
      throw new RangeError(`generate: expected offsets 0 ≤ from ≤ to, got [${from}, ${to})`);
    }
    const n = to - from;
    const { startMicros, speed } = this.config;
    const disorderMicros = Math.round(this.config.disorder * 1e6);
    const lateMicros = Math.round(this.config.lateBy * 1e6);
    const lateFraction = this.config.lateFraction;
    const batch: Batch = {
      from,
      length: n,
      global: new Float64Array(scratch.take(n * 8), 0, n),
      bases: new Uint32Array(scratch.take(n * 4), 0, n),
      nominalMicros: new Float64Array(scratch.take(n * 8), 0, n),
      eventMicros: new Float64Array(scratch.take(n * 8), 0, n),
    };
    const ts = new Int64Column(n, true);
    for (let r = 0; r < n; r++) {
      const i = this.stream.globalIndex(from + r);
      const base = this.random.base(i);
      // Event i's processing time: it exists from the next microsecond on.
      const nominal = startMicros + Math.floor(this.clock.eventMicros(i) * speed);
      let time = nominal;
      if (disorderMicros > 0) time -= Math.floor(unitField(base, FIELD_DISORDER) * disorderMicros);
      if (lateFraction > 0 && unitField(base, FIELD_LATE) < lateFraction) time -= lateMicros;
      batch.global[r] = i;
      batch.bases[r] = base;
      batch.nominalMicros[r] = nominal;
      batch.eventMicros[r] = time;
      ts.set(r, time);
    }
    try {
      const ipc = toArrowIPC(this.columns, [ts.data(), ...this.stream.fill(batch)], n, into);
      return { ipc, rowCount: n, eventTimesMicros: ts.values };
    } finally {
      scratch.reclaim();
    }
  }

  dimensionTables(): TableSpec[] {
    return this.stream.dimensionTables();
  }
}
