/**
 * Baseline (c): the same window aggregates as hand-written TypeScript loops over the generator's Arrow IPC
 * batches, keeping state in Maps keyed by window and key, with the same 2-second watermark. What a small
 * special-purpose stream processor in the worker would do, with none of SQL's generality.
 */
import { tableFromIPC, type Data, type Table } from 'apache-arrow';

const TWO_32 = 4294967296;
const WATERMARK_US = 2_000_000;

export interface TsLoop {
  /** Folds one batch in; returns the milliseconds spent decoding and looping, and the rows it emitted. */
  push(ipc: Uint8Array): { decodeMs: number; loopMs: number; rows: number };
}

/** One record batch's columns, read straight from Arrow's buffers. */
interface Columns {
  length: number;
  int64(name: string): (i: number) => number;
  int32(name: string): Int32Array;
  utf8(name: string): { offsets: Int32Array; bytes: Uint8Array };
}

function columnsOf(table: Table): Columns[] {
  return table.batches.map((batch) => {
    const child = (name: string): Data => {
      const vector = batch.getChild(name);
      if (!vector) throw new Error(`no column ${name}`);
      return vector.data[0]!;
    };
    return {
      length: batch.numRows,
      int64(name) {
        const data = child(name);
        const values = data.values as BigInt64Array;
        const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
        return (i) => words[2 * i + 1]! * TWO_32 + (words[2 * i]! >>> 0);
      },
      int32: (name) => child(name).values as Int32Array,
      utf8(name) {
        const data = child(name);
        return { offsets: data.valueOffsets as Int32Array, bytes: data.values as Uint8Array };
      },
    };
  });
}

const decoder = new TextDecoder();

/** Strings by their bytes, without decoding a string per row: a hash, checked against the bytes. */
class Interner {
  readonly strings: string[] = [];
  private readonly bytes: Uint8Array[] = [];
  private readonly byHash = new Map<number, number>();
  private readonly byText = new Map<string, number>();

  id(source: Uint8Array, start: number, end: number): number {
    let hash = 0x811c9dc5;
    for (let p = start; p < end; p++) hash = Math.imul(hash ^ source[p]!, 0x01000193);
    const known = this.byHash.get(hash);
    if (known !== undefined && sameBytes(this.bytes[known]!, source, start, end)) return known;
    const text = decoder.decode(source.subarray(start, end));
    let id = this.byText.get(text);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(text);
      this.bytes.push(source.slice(start, end));
      this.byText.set(text, id);
    }
    if (known === undefined) this.byHash.set(hash, id);
    return id;
  }
}

function sameBytes(known: Uint8Array, source: Uint8Array, start: number, end: number): boolean {
  if (known.length !== end - start) return false;
  for (let p = 0; p < known.length; p++) if (known[p] !== source[start + p]) return false;
  return true;
}

/** Windows by start, each a map of key → aggregate; closed windows are emitted and forgotten. */
class WindowState<T> {
  readonly windows = new Map<number, Map<number, T>>();
  maxTs = -Infinity;

  group(window: number): Map<number, T> {
    let groups = this.windows.get(window);
    if (!groups) {
      groups = new Map();
      this.windows.set(window, groups);
    }
    return groups;
  }

  /** Emits the windows that end at or before the watermark. */
  close(sizeUs: number, unitUs: number, emit: (window: number, groups: Map<number, T>) => number): number {
    const watermark = this.maxTs - WATERMARK_US;
    let rows = 0;
    for (const [window, groups] of this.windows) {
      if (window * unitUs + sizeUs <= watermark) {
        rows += emit(window, groups);
        this.windows.delete(window);
      }
    }
    return rows;
  }
}

function timed(
  ipc: Uint8Array,
  loop: (batches: Columns[]) => number,
): { decodeMs: number; loopMs: number; rows: number } {
  const t0 = performance.now();
  const batches = columnsOf(tableFromIPC(ipc));
  const t1 = performance.now();
  const rows = loop(batches);
  return { decodeMs: t1 - t0, loopMs: performance.now() - t1, rows };
}

/** Count per (window, page) over tumbling or hopping windows of the clicks stream. */
function clicksCount(sizeUs: number, slideUs: number): TsLoop {
  const pages = new Interner();
  const state = new WindowState<number>();
  const copies = sizeUs / slideUs;
  return {
    push: (ipc) =>
      timed(ipc, (batches) => {
        for (const columns of batches) {
          const ts = columns.int64('ts');
          const { offsets, bytes } = columns.utf8('page');
          for (let r = 0; r < columns.length; r++) {
            const t = ts(r);
            if (t > state.maxTs) state.maxTs = t;
            const page = pages.id(bytes, offsets[r]!, offsets[r + 1]!);
            const last = Math.floor(t / slideUs);
            for (let c = 0; c < copies; c++) {
              const groups = state.group(last - c);
              groups.set(page, (groups.get(page) ?? 0) + 1);
            }
          }
        }
        return state.close(sizeUs, slideUs, (_, groups) => groups.size);
      }),
  };
}

/** YSB: views (device = desktop) per campaign per 10-second window, pages mapped to campaigns by a Map. */
function ysb(campaignOf: Map<string, number>): TsLoop {
  const pages = new Interner();
  const devices = new Interner();
  const campaignById: number[] = [];
  const state = new WindowState<number>();
  const size = 10_000_000;
  return {
    push: (ipc) =>
      timed(ipc, (batches) => {
        for (const columns of batches) {
          const ts = columns.int64('ts');
          const page = columns.utf8('page');
          const device = columns.utf8('device');
          for (let r = 0; r < columns.length; r++) {
            const t = ts(r);
            if (t > state.maxTs) state.maxTs = t;
            if (devices.strings[devices.id(device.bytes, device.offsets[r]!, device.offsets[r + 1]!)] !== 'desktop')
              continue;
            const id = pages.id(page.bytes, page.offsets[r]!, page.offsets[r + 1]!);
            let campaign = campaignById[id];
            if (campaign === undefined) campaign = campaignById[id] = campaignOf.get(pages.strings[id]!) ?? -1;
            if (campaign < 0) continue;
            const groups = state.group(Math.floor(t / size));
            groups.set(campaign, (groups.get(campaign) ?? 0) + 1);
          }
        }
        return state.close(size, size, (_, groups) => groups.size);
      }),
  };
}

/** Nexmark q0, q1, q2: each output row built as the engine's JSON rows are. */
function nexmarkRows(kind: 'q0' | 'q1' | 'q2'): TsLoop {
  return {
    push: (ipc) =>
      timed(ipc, (batches) => {
        let rows = 0;
        for (const columns of batches) {
          const ts = columns.int64('ts');
          const auction = columns.int64('auction');
          const bidder = columns.int64('bidder');
          const price = columns.int64('price');
          const url = columns.utf8('url');
          const out: unknown[][] = [];
          for (let r = 0; r < columns.length; r++) {
            if (kind === 'q0') {
              out.push([
                auction(r),
                bidder(r),
                price(r),
                ts(r),
                decoder.decode(url.bytes.subarray(url.offsets[r]!, url.offsets[r + 1]!)),
              ]);
            } else if (kind === 'q1') {
              out.push([auction(r), bidder(r), 0.908 * price(r), ts(r)]);
            } else {
              const a = auction(r);
              if (a % 123 === 0) out.push([a, price(r)]);
            }
          }
          rows += out.length;
        }
        return rows;
      }),
  };
}

/** Nexmark q5: bids per auction per hopping window; each closed window emits its top auctions (ties kept). */
function nexmarkQ5(): TsLoop {
  const state = new WindowState<number>();
  const slide = 2_000_000;
  const size = 10_000_000;
  return {
    push: (ipc) =>
      timed(ipc, (batches) => {
        for (const columns of batches) {
          const ts = columns.int64('ts');
          const auction = columns.int64('auction');
          for (let r = 0; r < columns.length; r++) {
            const t = ts(r);
            if (t > state.maxTs) state.maxTs = t;
            const a = auction(r);
            const last = Math.floor(t / slide);
            for (let c = 0; c < size / slide; c++) {
              const groups = state.group(last - c);
              groups.set(a, (groups.get(a) ?? 0) + 1);
            }
          }
        }
        return state.close(size, slide, (_, groups) => {
          let best = 0;
          let ties = 0;
          for (const count of groups.values()) {
            if (count > best) [best, ties] = [count, 1];
            else if (count === best) ties++;
          }
          return ties;
        });
      }),
  };
}

/** Nexmark q7: the highest bid (price, then auction, then bidder) per tumbling window. */
function nexmarkQ7(): TsLoop {
  const state = new WindowState<[number, number, number]>();
  const size = 10_000_000;
  return {
    push: (ipc) =>
      timed(ipc, (batches) => {
        for (const columns of batches) {
          const ts = columns.int64('ts');
          const auction = columns.int64('auction');
          const bidder = columns.int64('bidder');
          const price = columns.int64('price');
          for (let r = 0; r < columns.length; r++) {
            const t = ts(r);
            if (t > state.maxTs) state.maxTs = t;
            const groups = state.group(Math.floor(t / size));
            const best = groups.get(0);
            const bid: [number, number, number] = [price(r), auction(r), bidder(r)];
            if (
              !best ||
              bid[0] > best[0] ||
              (bid[0] === best[0] && (bid[1] > best[1] || (bid[1] === best[1] && bid[2] > best[2])))
            )
              groups.set(0, bid);
          }
        }
        return state.close(size, size, () => 1);
      }),
  };
}

/** Nexmark q11: bids per bidder session (10-second gap); sessions close when the watermark passes last + gap. */
function nexmarkQ11(): TsLoop {
  const gap = 10_000_000;
  const open = new Map<number, { start: number; last: number; count: number }>();
  let maxTs = -Infinity;
  return {
    push: (ipc) =>
      timed(ipc, (batches) => {
        let rows = 0;
        for (const columns of batches) {
          const ts = columns.int64('ts');
          const bidder = columns.int64('bidder');
          for (let r = 0; r < columns.length; r++) {
            const t = ts(r);
            if (t > maxTs) maxTs = t;
            const b = bidder(r);
            const session = open.get(b);
            if (!session) {
              open.set(b, { start: t, last: t, count: 1 });
            } else if (t > session.last + gap) {
              rows++;
              open.set(b, { start: t, last: t, count: 1 });
            } else {
              session.count++;
              if (t > session.last) session.last = t;
              if (t < session.start) session.start = t;
            }
          }
        }
        const watermark = maxTs - WATERMARK_US;
        for (const [b, session] of open) {
          if (session.last + gap <= watermark) {
            rows++;
            open.delete(b);
          }
        }
        return rows;
      }),
  };
}

/** The TypeScript loop for a workload, or null when none is written. */
export function tsLoopFor(workload: string, campaigns: [string, number][] = []): TsLoop | null {
  switch (workload) {
    case 'clicks_tumbling':
      return clicksCount(10_000_000, 10_000_000);
    case 'clicks_sliding':
      return clicksCount(10_000_000, 2_000_000);
    case 'ysb':
      return ysb(new Map(campaigns));
    case 'nexmark_q0':
      return nexmarkRows('q0');
    case 'nexmark_q1':
      return nexmarkRows('q1');
    case 'nexmark_q2':
      return nexmarkRows('q2');
    case 'nexmark_q5':
      return nexmarkQ5();
    case 'nexmark_q7':
      return nexmarkQ7();
    case 'nexmark_q11':
      return nexmarkQ11();
    default:
      return null;
  }
}
