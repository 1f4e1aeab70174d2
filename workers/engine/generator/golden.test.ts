/**
 * Golden outputs: a hash of every value of a long stretch of each dataset's events, pinned. Generation may get
 * faster, never different: a change to any value of any column, at any offset here, changes the hash.
 */
import { createHash } from 'node:crypto';
import { tableFromIPC, type Data } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import type { GeneratorSpec } from '../scenario';
import { createGenerator, DATASETS } from './index';

/** The decoded values, column by column (names, types, value buffers), hashed; not the IPC framing. */
function valuesHash(ipc: Uint8Array): string {
  const hash = createHash('sha256');
  const table = tableFromIPC(ipc);
  table.schema.fields.forEach((field, c) => {
    hash.update(`${field.name}:${String(field.type)}|`);
    for (const data of table.getChildAt(c)!.data as Data[]) {
      if (data.valueOffsets)
        hash.update(new Uint8Array(data.valueOffsets.buffer, data.valueOffsets.byteOffset, (data.length + 1) * 4));
      const values = data.values as ArrayBufferView & { BYTES_PER_ELEMENT: number };
      const width = data.type.typeId === 6 ? 0 : values.BYTES_PER_ELEMENT; // Bool: bytes, packed bits
      const end = data.valueOffsets
        ? data.valueOffsets[data.length]!
        : width
          ? data.length * width
          : (data.length + 7) >> 3;
      hash.update(new Uint8Array(values.buffer, values.byteOffset, end));
    }
  });
  return hash.digest('hex').slice(0, 16);
}

/** Every knob that changes an event, at a rate where offsets span many seconds. */
function busy(kind: string): GeneratorSpec {
  const keyed = !kind.startsWith('nexmark');
  return {
    kind,
    seed: 1234,
    rate: 20_000,
    disorder: 2,
    lateFraction: 0.03,
    lateBy: 20,
    ramp: 3,
    burst: { every: 4, length: 1, factor: 3 },
    idle: { every: 7, length: 1.5 },
    speed: 1.5,
    ...(keyed && { keys: 700, skew: 1.1 }),
  };
}

/** As the bench and the examples run them: constant rate, 1 second of disorder. */
function plain(kind: string): GeneratorSpec {
  return { kind, seed: 42, rate: 2_000_000, disorder: 1 };
}

const GOLDEN: Record<string, string[]> = {
  clicks: ['c70b143856372562 5f79e3adf03e0eff', '4b12b2a255d2214a 4fdea2f2eaa3269c'],
  orders: ['9ada117d0007450b a9bae65cb86cdff3', '92e4a8713578457d 2b21d2737c418584'],
  nexmark_person: ['baca3f7734f81768 af246d8f55f9b6ff', 'a87a0b85dcf76e42 b9f3e7334d59401c'],
  nexmark_auction: ['1b1da777fe44d60d 4d7378aaa57e8b3b', '83890e45da2cbb27 a4b89afecec0ca9a'],
  nexmark_bid: ['42b6673ef0b8318e 575b9edf200998e6', '38da3c3f895ce0b8 2dde6c785549c9c7'],
  sensors: ['192b972dc7ca26de 439e91d52dd2edb6', '37ebf1062bb27979 506af001fad7d751'],
  transactions: ['3fd33870921a1952 9878f1ee4e7f4777', '7d1255d125758989 a599c68f60a100c3'],
};

describe('golden outputs', () => {
  for (const { kind } of DATASETS) {
    it(`pins 120,000 events of ${kind} in two chunks, busy and plain`, () => {
      const hashes = [busy(kind), plain(kind)].map((spec) => {
        const generator = createGenerator(spec);
        return [generator.generate(987_654, 1_047_654), generator.generate(3_000_000, 3_060_000)]
          .map(({ ipc }) => valuesHash(ipc))
          .join(' ');
      });
      expect(hashes).toEqual(GOLDEN[kind]);
    });
  }

  it('keeps a batch as it was after the next batches are made (their memory is reused)', () => {
    const generator = createGenerator(plain('nexmark_bid'));
    const first = generator.generate(0, 20_000);
    const copy = first.ipc.slice();
    const times = first.eventTimesMicros.slice();
    generator.generate(20_000, 40_000);
    createGenerator(plain('clicks')).generate(0, 30_000);
    expect(Buffer.from(first.ipc).equals(Buffer.from(copy))).toBe(true);
    expect(first.eventTimesMicros).toEqual(times);
  });
});
