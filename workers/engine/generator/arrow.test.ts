import { describe, expect, it } from 'vitest';
import { StringColumnBuilder, StringDictionary } from './arrow';

/** The values of a builder's UTF-8 column, decoded. */
function values(builder: StringColumnBuilder): string[] {
  const column = builder.data();
  if (column.kind !== 'utf8') throw new Error(`expected a utf8 column, got ${column.kind}`);
  const decoder = new TextDecoder();
  return Array.from({ length: column.offsets.length - 1 }, (_, r) =>
    decoder.decode(column.bytes.subarray(column.offsets[r]!, column.offsets[r + 1]!)),
  );
}

describe('StringColumnBuilder', () => {
  it('writes integers in decimal, left-padded with zeros to a width, on each side of 10^4 and 10^8', () => {
    const numbers = [0, 7, 10, 99, 100, 999, 1000, 9999, 10_000, 10_001, 99_999, 123_456, 1_000_000, 12_345_678];
    const all = [...numbers, 99_999_999, 1e8, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1];
    const builder = new StringColumnBuilder(all.length * 7, 4);
    const expected: string[] = [];
    for (const value of all) {
      for (const width of [1, 2, 3, 4, 5, 8, 9]) {
        builder.int(value, width).end();
        expected.push(String(value).padStart(width, '0'));
      }
    }
    expect(values(builder)).toEqual(expected);
  });

  it('joins dictionary entries, characters and integers, and grows past its first guess', () => {
    const words = new StringDictionary(['', 'a', 'São Paulo', 'https://www.nexmark.example/item.htm?query=']);
    const builder = new StringColumnBuilder(4, 1);
    builder.dict(words, 2).char(32).int(42).end();
    builder.dict(words, 3).int(1234).dict(words, 1).end();
    builder.dict(words, 0).end();
    builder.int(5, 3).dict(words, 2).end();
    expect(values(builder)).toEqual([
      'São Paulo 42',
      'https://www.nexmark.example/item.htm?query=1234a',
      '',
      '005São Paulo',
    ]);
  });
});
