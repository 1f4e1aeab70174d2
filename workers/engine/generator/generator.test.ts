import { DataType, Precision, TimeUnit, tableFromIPC, type Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import type { GeneratorSpec } from '../scenario';
import { parseTimestampMicros } from './clock';
import { createGenerator, DATASETS, GeneratorConfigError, type EventGenerator } from './index';
import { nexmarkType, price } from './nexmark';
import { RandomStream } from './random';
import { device, SPIKE_MIN } from './sensors';
import { atmCity, homeCity } from './transactions';
import { zipfProbability } from './zipf';

const START = parseTimestampMicros('2024-01-01 00:00:00')!;

function decode(ipc: Uint8Array): Table {
  return tableFromIPC(ipc);
}

/** Rows as plain objects, BIGINT as bigint; TIMESTAMP as Arrow's milliseconds. */
function rows(ipc: Uint8Array): Record<string, unknown>[] {
  return decode(ipc)
    .toArray()
    .map((row) => ({ ...row.toJSON() }));
}

function column<T>(table: Table, name: string): T[] {
  return [...table.getChild(name)!] as T[];
}

function micros(g: EventGenerator, from: number, to: number): number[] {
  return Array.from(g.generate(from, to).eventTimesMicros, Number);
}

/** Every knob that changes the output, for each dataset. */
function busySpec(kind: string, seed = 7): GeneratorSpec {
  const keyed = !kind.startsWith('nexmark');
  return {
    kind,
    seed,
    rate: 300,
    disorder: 3,
    lateFraction: 0.05,
    lateBy: 30,
    ramp: 2,
    burst: { every: 3, length: 0.5, factor: 4 },
    idle: { every: 5, length: 1 },
    speed: 2,
    ...(keyed && { keys: 40, skew: 0.8 }),
  };
}

describe('determinism', () => {
  for (const { kind } of DATASETS) {
    it(`gives identical bytes for the same spec (${kind})`, () => {
      const a = createGenerator(busySpec(kind)).generate(100, 2100);
      const b = createGenerator(busySpec(kind)).generate(100, 2100);
      expect(a.rowCount).toBe(2000);
      expect(Buffer.from(a.ipc).equals(Buffer.from(b.ipc))).toBe(true);
      expect(a.eventTimesMicros).toEqual(b.eventTimesMicros);
    });

    it(`does not depend on chunking (${kind})`, () => {
      const g = createGenerator(busySpec(kind));
      const whole = rows(g.generate(0, 3000).ipc);
      expect(whole).toHaveLength(3000);
      const halves = [...rows(g.generate(0, 1234).ipc), ...rows(g.generate(1234, 3000).ipc)];
      expect(halves).toEqual(whole);
      const pieces: Record<string, unknown>[] = [];
      for (const [from, to] of [
        [0, 1],
        [1, 1],
        [1, 999],
        [999, 2500],
        [2500, 3000],
      ] as const) {
        pieces.push(...rows(g.generate(from, to).ipc));
      }
      expect(pieces).toEqual(whole);
      // A fresh generator asked for a late range first agrees too.
      expect(rows(createGenerator(busySpec(kind)).generate(2000, 3000).ipc)).toEqual(whole.slice(2000));
    });

    it(`differs between seeds (${kind})`, () => {
      const a = rows(createGenerator(busySpec(kind, 1)).generate(0, 200).ipc);
      const b = rows(createGenerator(busySpec(kind, 2)).generate(0, 200).ipc);
      const differing = a.filter((row, i) => JSON.stringify(row, bigints) !== JSON.stringify(b[i], bigints));
      expect(differing.length).toBeGreaterThan(150);
    });
  }
});

function bigints(_key: string, value: unknown) {
  return typeof value === 'bigint' ? value.toString() : value;
}

describe('Arrow IPC', () => {
  for (const { kind, columns } of DATASETS) {
    it(`decodes to the declared columns and types (${kind})`, () => {
      const { ipc, rowCount, eventTimesMicros } = createGenerator(busySpec(kind)).generate(10, 510);
      const table = decode(ipc);
      expect(rowCount).toBe(500);
      expect(table.numRows).toBe(500);
      expect(columns[0]).toEqual(['ts', 'TIMESTAMP']);
      expect(table.schema.fields.map((f) => f.name)).toEqual(columns.map(([name]) => name));
      table.schema.fields.forEach((field, c) => {
        const type = field.type;
        const declared = columns[c]![1];
        if (declared === 'TIMESTAMP') {
          expect(DataType.isTimestamp(type) && type.unit === TimeUnit.MICROSECOND && !type.timezone).toBe(true);
        } else if (declared === 'INTEGER') {
          expect(DataType.isInt(type) && type.bitWidth === 32 && type.isSigned).toBe(true);
        } else if (declared === 'BIGINT') {
          expect(DataType.isInt(type) && type.bitWidth === 64 && type.isSigned).toBe(true);
        } else if (declared === 'DOUBLE') {
          expect(DataType.isFloat(type) && type.precision === Precision.DOUBLE).toBe(true);
        } else if (declared === 'VARCHAR') {
          expect(DataType.isUtf8(type)).toBe(true);
        } else {
          throw new Error(`unexpected type ${declared}`);
        }
      });
      const ts = table.getChild('ts')!.data[0]!.values as BigInt64Array;
      expect(Array.from(ts)).toEqual(Array.from(eventTimesMicros));
      for (const [name, type] of columns) {
        if (type === 'VARCHAR')
          for (const value of column<string>(table, name)) expect(value.length).toBeGreaterThan(0);
      }
    });
  }

  it('produces a valid empty batch', () => {
    const { ipc, rowCount, eventTimesMicros } = createGenerator({ kind: 'clicks', seed: 1, rate: 5 }).generate(3, 3);
    expect(rowCount).toBe(0);
    expect(eventTimesMicros).toHaveLength(0);
    expect(decode(ipc).schema.fields.map((f) => f.name)).toEqual(['ts', 'user_id', 'page', 'referrer', 'device']);
  });

  it('refuses bad ranges', () => {
    const g = createGenerator({ kind: 'clicks', seed: 1, rate: 5 });
    expect(() => g.generate(5, 4)).toThrow(RangeError);
    expect(() => g.generate(-1, 4)).toThrow(RangeError);
    expect(() => g.generate(0.5, 4)).toThrow(RangeError);
    expect(() => g.offsetAt(Number.NaN)).toThrow(RangeError);
  });
});

describe('rate knobs', () => {
  it('counts rate × seconds exactly at a constant rate', () => {
    for (const rate of [1000, 37, 0.5, 2.5]) {
      const g = createGenerator({ kind: 'clicks', seed: 1, rate });
      expect(g.offsetAt(0)).toBe(0);
      expect(g.offsetAt(-5)).toBe(0);
      expect(g.offsetAt(10_000)).toBe(rate * 10);
    }
  });

  it('places each event at the processing time its offset becomes available', () => {
    const g = createGenerator({
      kind: 'orders',
      seed: 3,
      rate: 77,
      ramp: 4,
      burst: { every: 2, length: 0.5, factor: 3 },
      idle: { every: 7, length: 2 },
    });
    const times = micros(g, 0, 3000);
    expect(times[0]).toBe(START);
    times.forEach((t, i) => {
      const processing = t - START; // speed 1, no disorder: event time = start + processing time
      expect(g.offsetAt(processing / 1000)).toBeLessThanOrEqual(i);
      expect(g.offsetAt((processing + 1) / 1000)).toBeGreaterThan(i);
    });
  });

  it('ramps up linearly: half the events over the ramp', () => {
    const g = createGenerator({ kind: 'clicks', seed: 1, rate: 100, ramp: 10 });
    expect(g.offsetAt(10_000)).toBe(500);
    expect(g.offsetAt(5_000)).toBe(125);
    expect(g.offsetAt(20_000)).toBe(1500);
    const plain = createGenerator({ kind: 'clicks', seed: 1, rate: 100 });
    expect(plain.offsetAt(10_000)).toBe(1000);
  });

  it('multiplies the rate during bursts', () => {
    const g = createGenerator({ kind: 'clicks', seed: 1, rate: 100, burst: { every: 10, length: 2, factor: 5 } });
    expect(g.offsetAt(8_000)).toBe(800);
    expect(g.offsetAt(10_000)).toBe(800 + 1000);
    expect(g.offsetAt(18_000) - g.offsetAt(10_000)).toBe(800);
    expect(g.offsetAt(20_000) - g.offsetAt(18_000)).toBe(1000);
  });

  it('produces nothing while idle', () => {
    const g = createGenerator({ kind: 'clicks', seed: 1, rate: 100, idle: { every: 10, length: 4 } });
    expect(g.offsetAt(6_000)).toBe(600);
    expect(g.offsetAt(9_999)).toBe(600);
    expect(g.offsetAt(60_000)).toBe(3600);
    for (let ms = 0; ms < 60_000; ms += 250) {
      const into = ms % 10_000;
      if (into > 6_000) expect(g.offsetAt(ms)).toBe(g.offsetAt(ms - (into - 6_000)));
    }
    const times = micros(g, 0, 3600);
    for (const t of times) {
      const into = (t - START) % 10_000_000;
      expect(into).toBeLessThan(6_000_000);
    }
  });

  it('scales event time by speed', () => {
    const g = createGenerator({ kind: 'clicks', seed: 1, rate: 10, speed: 60, start: '2024-06-01 12:00:00' });
    const times = micros(g, 0, 101);
    expect(times[0]).toBe(parseTimestampMicros('2024-06-01 12:00:00')!);
    // 100 events at 10/s take 10 s of processing time: 10 minutes of event time.
    expect(times[100]! - times[0]!).toBe(600_000_000);
  });
});

describe('disorder and lateness', () => {
  const base = { kind: 'clicks', seed: 11, rate: 500 };

  it('keeps the delay below disorder', () => {
    const nominal = micros(createGenerator(base), 0, 20_000);
    const times = micros(createGenerator({ ...base, disorder: 5 }), 0, 20_000);
    const delays = times.map((t, i) => nominal[i]! - t);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(5_000_000);
    // Uniform in [0, 5 s): mean 2.5 s, and out of order for real.
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(Math.abs(mean - 2_500_000)).toBeLessThan(50_000);
    expect(times.some((t, i) => i > 0 && t < times[i - 1]!)).toBe(true);
  });

  it('makes lateFraction of the events lateBy seconds late', () => {
    const n = 100_000;
    const nominal = micros(createGenerator(base), 0, n);
    const times = micros(createGenerator({ ...base, disorder: 2, lateFraction: 0.1, lateBy: 45 }), 0, n);
    let late = 0;
    times.forEach((t, i) => {
      const delay = nominal[i]! - t;
      if (delay >= 45_000_000) {
        late++;
        expect(delay).toBeLessThan(47_000_000);
      } else {
        expect(delay).toBeLessThan(2_000_000);
      }
    });
    expect(Math.abs(late / n - 0.1)).toBeLessThan(0.005);
  });

  it('is not late by default', () => {
    const nominal = micros(createGenerator(base), 0, 1000);
    expect(micros(createGenerator({ ...base, lateFraction: 0 }), 0, 1000)).toEqual(nominal);
    expect(nominal.every((t, i) => i === 0 || t >= nominal[i - 1]!)).toBe(true);
  });
});

describe('keys', () => {
  function shares(skew: number): number[] {
    const g = createGenerator({ kind: 'orders', seed: 5, rate: 1000, keys: 100, skew });
    const counts = new Array<number>(100).fill(0);
    const n = 100_000;
    for (const id of column<number>(decode(g.generate(0, n).ipc), 'product_id')) counts[id - 1]!++;
    return counts.map((c) => c / n);
  }

  it('follows Zipf: a skew of 1.2 makes the top key far more frequent than uniform', () => {
    const skewed = shares(1.2);
    const uniform = shares(0);
    for (const k of [0, 1, 9, 99]) expect(Math.abs(skewed[k]! - zipfProbability(100, 1.2, k))).toBeLessThan(0.006);
    expect(skewed[0]).toBeGreaterThan(0.25);
    expect(Math.max(...uniform)).toBeLessThan(0.013);
    expect(Math.min(...uniform)).toBeGreaterThan(0.007);
    expect(skewed[0]! / uniform[0]!).toBeGreaterThan(20);
  });

  it('uses exactly the configured number of keys', () => {
    const g = createGenerator({ kind: 'clicks', seed: 5, rate: 1000, keys: 7 });
    const pages = new Set(column<string>(decode(g.generate(0, 5000).ipc), 'page'));
    expect(pages.size).toBe(7);
    expect(g.dimensionTables().find((t) => t.name === 'pages')!.rows).toHaveLength(7);
  });
});

describe('dimension tables', () => {
  function keysOf(g: EventGenerator, table: string, key: string): Set<unknown> {
    const spec = g.dimensionTables().find((t) => t.name === table)!;
    const c = spec.columns.findIndex(([name]) => name === key);
    return new Set(spec.rows.map((row) => row[c]));
  }

  const JOINS: [kind: string, stream: string, table: string, key: string][] = [
    ['clicks', 'page', 'pages', 'page'],
    ['clicks', 'user_id', 'users', 'user_id'],
    ['orders', 'product_id', 'products', 'product_id'],
    ['sensors', 'device_id', 'devices', 'device_id'],
    ['transactions', 'atm_id', 'atms', 'atm_id'],
  ];

  for (const [kind, streamColumn, table, key] of JOINS) {
    it(`has every ${streamColumn} of ${kind} in ${table}`, () => {
      const g = createGenerator({ ...busySpec(kind), keys: 300, skew: 0.3 });
      const known = keysOf(g, table, key);
      const values = column<unknown>(decode(g.generate(0, 20_000).ipc), streamColumn);
      expect(new Set(values).size).toBeGreaterThan(Math.min(known.size, 50));
      for (const value of values) expect(known.has(value), String(value)).toBe(true);
    });
  }

  it('describes every table with columns matching its rows', () => {
    for (const { kind } of DATASETS) {
      for (const table of createGenerator(busySpec(kind)).dimensionTables()) {
        expect(table.rows.length).toBeGreaterThan(0);
        expect(table.rows.length).toBeLessThanOrEqual(1000);
        for (const row of table.rows) {
          expect(row).toHaveLength(table.columns.length);
          table.columns.forEach(([, type], c) => {
            const value = row[c];
            if (type === 'INTEGER') expect(Number.isInteger(value)).toBe(true);
            else if (type === 'DOUBLE') expect(typeof value).toBe('number');
            else if (type === 'VARCHAR') expect(typeof value).toBe('string');
            else if (type === 'TIMESTAMP') expect(value).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
            else throw new Error(`unexpected type ${type}`);
          });
        }
      }
    }
  });

  it('prices orders as quantity × product price, in cents', () => {
    const g = createGenerator({ kind: 'orders', seed: 9, rate: 100 });
    const [products] = g.dimensionTables();
    const price = new Map(products!.rows.map((row) => [row[0], row[3] as number]));
    const orders = rows(g.generate(0, 5000).ipc);
    orders.forEach((order, i) => {
      expect(order.order_id).toBe(BigInt(i + 1));
      expect(order.quantity).toBeGreaterThanOrEqual(1);
      expect(order.quantity).toBeLessThanOrEqual(5);
      const expected = Math.round((order.quantity as number) * price.get(order.product_id as number)! * 100) / 100;
      expect(order.amount).toBe(expected);
    });
  });

  it('has no dimension tables for Nexmark', () => {
    expect(createGenerator({ kind: 'nexmark_bid', seed: 1, rate: 10 }).dimensionTables()).toEqual([]);
  });
});

describe('nexmark', () => {
  const spec = { seed: 4, rate: 1000 };
  const person = createGenerator({ ...spec, kind: 'nexmark_person' });
  const auction = createGenerator({ ...spec, kind: 'nexmark_auction' });
  const bid = createGenerator({ ...spec, kind: 'nexmark_bid' });

  it('interleaves people, auctions and bids 1 : 3 : 46', () => {
    expect([person.offsetAt(5000), auction.offsetAt(5000), bid.offsetAt(5000)]).toEqual([100, 300, 4600]);
    expect([person.offsetAt(1), auction.offsetAt(1), bid.offsetAt(1)]).toEqual([1, 0, 0]);
    expect([person.offsetAt(4), auction.offsetAt(4), bid.offsetAt(4)]).toEqual([1, 3, 0]);
    expect([person.offsetAt(51), auction.offsetAt(51), bid.offsetAt(51)]).toEqual([2, 3, 46]);
    // At 1000 events/s, global event i happens at i ms: the three streams fill every millisecond once.
    const events: [number, string][] = [];
    for (const [g, type] of [
      [person, 'person'],
      [auction, 'auction'],
      [bid, 'bid'],
    ] as const) {
      for (const t of micros(g, 0, g.offsetAt(5000))) events.push([t, type]);
    }
    events.sort((a, b) => a[0] - b[0]);
    expect(events).toHaveLength(5000);
    events.forEach(([t, type], i) => {
      expect(t).toBe(START + i * 1000);
      expect(type).toBe(nexmarkType(i));
    });
  });

  it('only refers to auctions and people that exist', () => {
    const auctions = rows(auction.generate(0, 300).ipc);
    const people = rows(person.generate(0, 100).ipc);
    const bids = rows(bid.generate(0, 4600).ipc);
    const latest = (list: Record<string, unknown>[], ts: unknown) =>
      list.filter((row) => (row.ts as number) < (ts as number)).reduce((max, row) => Math.max(max, Number(row.id)), -1);
    for (const row of bids.filter((_, i) => i % 7 === 0)) {
      expect(Number(row.auction)).toBeGreaterThanOrEqual(1000);
      expect(Number(row.auction)).toBeLessThanOrEqual(latest(auctions, row.ts));
      expect(Number(row.bidder)).toBeGreaterThanOrEqual(1000);
      expect(Number(row.bidder)).toBeLessThanOrEqual(latest(people, row.ts));
    }
    for (const row of auctions) {
      expect(Number(row.seller)).toBeLessThanOrEqual(latest(people, row.ts));
      expect(row.expires as number).toBeGreaterThan(row.ts as number);
      expect(Number(row.reserve)).toBeGreaterThan(Number(row.initial_bid));
      expect(Number(row.category)).toBeGreaterThanOrEqual(10);
      expect(Number(row.category)).toBeLessThan(15);
    }
    expect(new Set(auctions.map((row) => row.id)).size).toBe(300);
    expect(new Set(people.map((row) => row.id)).size).toBe(100);
  });

  it('sends most bids to a few hot auctions', () => {
    const bids = column<bigint>(decode(bid.generate(0, 46_000).ipc), 'auction');
    const counts = new Map<bigint, number>();
    for (const a of bids) counts.set(a, (counts.get(a) ?? 0) + 1);
    const top = [...counts.values()].sort((a, b) => b - a).slice(0, 30);
    // 3000 auctions; half the bids go to the 30 hot ones.
    expect(top.reduce((a, b) => a + b, 0) / bids.length).toBeGreaterThan(0.45);
    expect(counts.size).toBeGreaterThan(1000);
  });

  it('prices a draw x as Math.round(Math.exp(Math.LN10 * (2 + 6 * x / 2^32))), cents from $1 to $1,000,000', () => {
    // Every 65,521st 32-bit draw and the last, 65,550 draws over the whole range (every one was checked once).
    const differing: number[] = [];
    for (let x = 0; x < 2 ** 32; x += 65_521) {
      if (price(x) !== Math.round(Math.exp(Math.LN10 * (2 + (6 * x) / 2 ** 32)))) differing.push(x);
    }
    expect(differing).toEqual([]);
    expect([price(0), price(2 ** 32 - 1)]).toEqual([100, 100_000_000]);
  });

  it('keeps global events consistent across streams under disorder', () => {
    const disordered = { ...spec, disorder: 4, lateFraction: 0.1 };
    const a = micros(createGenerator({ ...disordered, kind: 'nexmark_auction' }), 0, 300);
    const b = micros(createGenerator({ ...disordered, kind: 'nexmark_auction' }), 0, 300);
    expect(a).toEqual(b);
    const nominal = micros(auction, 0, 300);
    a.forEach((t, i) => expect(nominal[i]! - t).toBeGreaterThanOrEqual(0));
  });
});

describe('sensors', () => {
  it('spikes in anomalyFraction of the readings', () => {
    const seed = 21;
    const g = createGenerator({ kind: 'sensors', seed, rate: 200, anomalyFraction: 0.05 });
    const random = new RandomStream(seed, 1);
    const devices = Array.from({ length: 50 }, (_, rank) => device(rank, random));
    const table = decode(g.generate(0, 50_000).ipc);
    const ids = column<number>(table, 'device_id');
    const temperatures = column<number>(table, 'temperature');
    const humidities = column<number>(table, 'humidity');
    let spikes = 0;
    temperatures.forEach((t, i) => {
      const d = devices[ids[i]! - 1]!;
      const away = Math.abs(t - d.temperature);
      if (away > d.swing + 0.51) {
        spikes++;
        expect(away).toBeGreaterThanOrEqual(SPIKE_MIN - d.swing - 0.51);
      }
      expect(humidities[i]).toBeGreaterThanOrEqual(0);
      expect(humidities[i]).toBeLessThanOrEqual(100);
    });
    expect(Math.abs(spikes / temperatures.length - 0.05)).toBeLessThan(0.005);
  });
});

describe('transactions', () => {
  it('plants fraud: a card withdrawing in several distant cities within a minute', () => {
    const seed = 8;
    const n = 100_000;
    const g = createGenerator({ kind: 'transactions', seed, rate: 100, fraudFraction: 0.02 });
    const table = decode(g.generate(0, n).ipc);
    const cards = column<number>(table, 'card_id');
    const atms = column<number>(table, 'atm_id');
    const times = micros(g, 0, n);
    const away: number[] = [];
    cards.forEach((card, i) => {
      if (atmCity(atms[i]!) !== homeCity(seed, card)) away.push(i);
    });
    expect(Math.abs(away.length / n - 0.02)).toBeLessThan(0.003);
    for (const i of away) {
      const card = cards[i]!;
      const cities = new Set(
        away.filter((j) => cards[j] === card && Math.abs(times[j]! - times[i]!) < 60e6).map((j) => atmCity(atms[j]!)),
      );
      expect(cities.size).toBeGreaterThanOrEqual(3);
    }
  });

  it('has no fraud when fraudFraction is 0', () => {
    const seed = 8;
    const table = decode(
      createGenerator({ kind: 'transactions', seed, rate: 100, fraudFraction: 0 }).generate(0, 20_000).ipc,
    );
    const cards = column<number>(table, 'card_id');
    const atms = column<number>(table, 'atm_id');
    cards.forEach((card, i) => expect(atmCity(atms[i]!)).toBe(homeCity(seed, card)));
  });
});

describe('validation', () => {
  const ok: GeneratorSpec = { kind: 'clicks', seed: 1, rate: 10 };
  const CASES: [spec: Record<string, unknown>, field: string, message: RegExp][] = [
    [
      { ...ok, lateFraction: 1.5 },
      'generator.lateFraction',
      /^generator\.lateFraction: expected a number between 0 and 1, got 1\.5$/,
    ],
    [{ ...ok, kind: 'clickz' }, 'generator.kind', /expected one of clicks, orders, .*transactions, got "clickz"/],
    [{ ...ok, kind: undefined }, 'generator.kind', /got nothing/],
    [{ ...ok, rate: 0 }, 'generator.rate', /greater than 0|> 0, got 0$/],
    [{ ...ok, rate: -3 }, 'generator.rate', /got -3/],
    [{ ...ok, rate: '10' }, 'generator.rate', /got "10"/],
    [{ ...ok, rate: Number.POSITIVE_INFINITY }, 'generator.rate', /got Infinity/],
    [{ ...ok, seed: 1.5 }, 'generator.seed', /non-negative integer, got 1\.5/],
    [{ ...ok, seed: -1 }, 'generator.seed', /non-negative integer/],
    [{ ...ok, seed: undefined }, 'generator.seed', /got nothing/],
    [{ ...ok, disorder: -1 }, 'generator.disorder', /seconds ≥ 0, got -1/],
    [{ ...ok, lateBy: Number.NaN }, 'generator.lateBy', /got NaN/],
    [{ ...ok, ramp: -0.5 }, 'generator.ramp', /got -0\.5/],
    [{ ...ok, speed: 0 }, 'generator.speed', /greater than 0/],
    [{ ...ok, start: 'yesterday' }, 'generator.start', /UTC timestamp like "2024-01-01 00:00:00", got "yesterday"/],
    [{ ...ok, start: 5 }, 'generator.start', /got 5/],
    [{ ...ok, keys: 0 }, 'generator.keys', /integer between 1 and 100000, got 0/],
    [{ ...ok, keys: 2.5 }, 'generator.keys', /got 2\.5/],
    [{ ...ok, keys: 1e6 }, 'generator.keys', /got 1000000/],
    [{ ...ok, skew: -1 }, 'generator.skew', /Zipf exponent/],
    [{ ...ok, burst: 3 }, 'generator.burst', /an object \{ every, length, factor \}, got 3/],
    [{ ...ok, burst: { every: 10, length: 2 } }, 'generator.burst.factor', /got nothing/],
    [
      { ...ok, burst: { every: 10, length: 10, factor: 2 } },
      'generator.burst.length',
      /less than generator\.burst\.every \(10\)/,
    ],
    [{ ...ok, burst: { every: 10, length: 1, factor: 2, phase: 3 } }, 'generator.burst.phase', /unknown field/],
    [{ ...ok, idle: [] }, 'generator.idle', /got an array/],
    [{ ...ok, idle: { every: 0, length: 1 } }, 'generator.idle.every', /greater than 0/],
    [
      { ...ok, anomalyFraction: 0.1 },
      'generator.anomalyFraction',
      /unknown knob for "clicks"; expected one of .*skew$/,
    ],
    [{ ...ok, nope: 1 }, 'generator.nope', /unknown knob/],
    [{ kind: 'nexmark_bid', seed: 1, rate: 10, keys: 5 }, 'generator.keys', /unknown knob for "nexmark_bid"/],
    [{ kind: 'sensors', seed: 1, rate: 10, anomalyFraction: 2 }, 'generator.anomalyFraction', /between 0 and 1, got 2/],
    [{ kind: 'transactions', seed: 1, rate: 10, fraudFraction: -0.1 }, 'generator.fraudFraction', /got -0\.1/],
  ];

  for (const [spec, field, message] of CASES) {
    it(`refuses ${JSON.stringify(spec)}`, () => {
      let error: unknown;
      try {
        createGenerator(spec as GeneratorSpec);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(GeneratorConfigError);
      expect((error as GeneratorConfigError).field).toBe(field);
      expect((error as GeneratorConfigError).message).toMatch(message);
      expect((error as GeneratorConfigError).message.startsWith(`${field}: `)).toBe(true);
    });
  }

  it('refuses a spec that is not an object', () => {
    expect(() => createGenerator(null as unknown as GeneratorSpec)).toThrow(GeneratorConfigError);
  });

  it('accepts every knob of every dataset at its edges', () => {
    for (const { kind } of DATASETS) {
      expect(() =>
        createGenerator({ ...busySpec(kind), lateFraction: 1, disorder: 0, ramp: 0, seed: 2 ** 53 - 1 }),
      ).not.toThrow();
    }
    expect(() =>
      createGenerator({ kind: 'sensors', seed: 0, rate: 1e-3, anomalyFraction: 1, keys: 100_000 }),
    ).not.toThrow();
    expect(() =>
      createGenerator({ kind: 'transactions', seed: 0, rate: 1, fraudFraction: 1, keys: 1_000_000 }),
    ).not.toThrow();
  });
});

describe('DATASETS', () => {
  it('lists every kind with ts first and a description', () => {
    expect(DATASETS.map((d) => d.kind)).toEqual([
      'clicks',
      'orders',
      'nexmark_person',
      'nexmark_auction',
      'nexmark_bid',
      'sensors',
      'transactions',
    ]);
    for (const d of DATASETS) {
      expect(d.columns[0]).toEqual(['ts', 'TIMESTAMP']);
      expect(d.description).toMatch(/uniform random/);
      expect(createGenerator({ kind: d.kind, seed: 1, rate: 1 }).columns).toEqual(d.columns);
    }
  });
});

describe('speed', () => {
  it('generates clicks fast (measured, not asserted)', () => {
    const g = createGenerator({ kind: 'clicks', seed: 1, rate: 10_000, disorder: 2, lateFraction: 0.01, skew: 1 });
    g.generate(0, 100_000); // warm up
    const n = 1_000_000;
    const started = performance.now();
    const { rowCount } = g.generate(1_000_000, 1_000_000 + n);
    const seconds = (performance.now() - started) / 1000;
    expect(rowCount).toBe(n);
    console.log(
      `clicks: ${Math.round(n / seconds).toLocaleString('en-US')} rows/s (generate(1e6, 2e6), Arrow IPC included)`,
    );
  });
});
