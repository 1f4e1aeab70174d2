import { tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ReusedIpc } from './reused-ipc';

const table = (rows: number, seed: number) =>
  tableFromArrays({
    id: Int32Array.from({ length: rows }, (_, i) => i * seed),
    page: Array.from({ length: rows }, (_, i) => `/page/${(i * seed) % 7}`),
  });

describe('ReusedIpc', () => {
  it('writes the bytes tableToIPC writes, growing its buffer for a larger stream', () => {
    const written = new ReusedIpc(1);
    for (const rows of [3, 5000, 20]) {
      const rowsTable = table(rows, 3);
      const stream = written.write(rowsTable);
      expect(stream).toEqual(tableToIPC(rowsTable, 'stream'));
      expect(
        tableFromIPC(stream)
          .getChild('page')!
          .get(rows - 1),
      ).toBe(`/page/${((rows - 1) * 3) % 7}`);
    }
  });

  it('keeps a stream intact until as many more as it has slots are written', () => {
    const written = new ReusedIpc(2);
    const first = written.write(table(100, 1));
    const second = written.write(table(100, 2));
    const secondBytes = second.slice();
    const third = written.write(table(100, 5));
    expect(third.buffer).toBe(first.buffer); // the first's memory, not fresh memory
    expect(second).toEqual(secondBytes);
    expect(tableFromIPC(second).getChild('id')!.get(99)).toBe(198);
  });
});
