import { tableFromIPC, Type } from 'apache-arrow';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JsonValue } from '../../workers/protocol';
import { openNodeDatabase } from '../../workers/engine/node';
import { tableToJsonRows } from '../../workers/engine/values';
import { download, inferArrowKind, safeFilename, timestampMicros, toArrowIPC, toCsv } from '.';

describe('toCsv', () => {
  it('quotes per RFC 4180, keeps NULL and the empty string apart, writes nested values as JSON', () => {
    const csv = toCsv(
      ['id', 'text, with comma', 'value'],
      [
        [1, 'plain', true],
        [2, 'say "hi"', false],
        [3, 'two\nlines', null],
        [4, 'cr\rhere', 1.5],
        [5, '', null],
        [6, null, { a: [1, 'x'] }],
        [7, 'ünïcødé 🌊', [1, null]],
        [8, ' padded ', -0.001],
      ],
    );
    expect(csv).toBe(
      [
        'id,"text, with comma",value',
        '1,plain,true',
        '2,"say ""hi""",false',
        '3,"two\nlines",',
        '4,"cr\rhere",1.5',
        '5,"",',
        '6,,"{""a"":[1,""x""]}"',
        '7,ünïcødé 🌊,"[1,null]"',
        '8, padded ,-0.001',
        '',
      ].join('\r\n'),
    );
  });

  it('writes a header line only when there are no rows, and empty fields for missing cells', () => {
    expect(toCsv(['a', 'b'], [])).toBe('a,b\r\n');
    expect(toCsv(['a', 'b'], [[1]])).toBe('a,b\r\n1,\r\n');
  });

  it('round-trips through an RFC 4180 reader', () => {
    const rows: JsonValue[][] = [
      [1, 'a,b', null],
      [2, 'quote " inside', ''],
      [3, 'line\r\nbreak', 'x'],
    ];
    const parsed = parseCsv(toCsv(['n', 's', 't'], rows));
    expect(parsed[0]).toEqual(['n', 's', 't']);
    expect(parsed.slice(1)).toEqual(rows.map((row) => row.map((v) => (v === null ? null : String(v)))));
  });
});

/** A strict RFC 4180 reader for the test: unquoted empty fields read as null. */
function parseCsv(text: string): (string | null)[][] {
  const records: (string | null)[][] = [];
  let record: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    let field: string | null;
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const close = text.indexOf('"', i);
        value += text.slice(i, close);
        i = close + 1;
        if (text[i] === '"') {
          value += '"';
          i++;
        } else break;
      }
      field = value;
    } else {
      const end = text.slice(i).search(/,|\r\n/);
      field = text.slice(i, i + end) || null;
      i += end;
    }
    record.push(field);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) {
      records.push(record);
      record = [];
      i += 2;
    } else throw new Error(`unexpected ${text[i]} at ${i}`);
  }
  return records;
}

describe('toArrowIPC', () => {
  const columns = ['flag', 'count', 'ratio', 'ts', 'name', 'big', 'nested', 'mixed', 'nothing', 'name'];
  const rows: JsonValue[][] = [
    [true, 1, 0.5, '2024-01-01 00:00:00', 'a', '9007199254740993', [1, 2], 1, null, 'dup1'],
    [false, -2, 2, '2024-01-01 00:00:00.123456', 'b,"c"', '12.50', { k: 'v' }, 'x', null, 'dup2'],
    [null, null, null, null, null, null, null, null, null, null],
    [true, 9007199254740991, -1e300, '1969-12-31 23:59:59.5', 'ünï', '-1', null, true, null, 'dup3'],
  ];

  it('infers each column’s type and round-trips the values (file and stream formats)', () => {
    for (const format of ['file', 'stream'] as const) {
      const bytes = toArrowIPC(columns, rows, { format });
      const table = tableFromIPC(bytes);
      expect(table.schema.fields.map((f) => f.name)).toEqual(columns); // duplicate names kept
      expect(table.schema.fields.map((f) => Type[f.typeId])).toEqual([
        'Bool',
        'Int',
        'Float',
        'Timestamp',
        'Utf8',
        'Utf8',
        'Utf8',
        'Utf8',
        'Null',
        'Utf8',
      ]);
      expect(table.numRows).toBe(4);
      const column = (i: number) => table.getChildAt(i)!.toArray() as ArrayLike<unknown>;
      expect(Array.from(column(0))).toEqual([true, false, null, true]);
      expect(table.getChildAt(1)!.toJSON()).toEqual([1n, -2n, null, 9007199254740991n]);
      expect(table.getChildAt(2)!.toJSON()).toEqual([0.5, 2, null, -1e300]);
      // timestamps are exact to the microsecond: read the raw int64 values
      const ts = table.getChildAt(3)!;
      expect(ts.data[0]!.values).toEqual(new BigInt64Array([1704067200000000n, 1704067200123456n, 0n, -500000n]));
      expect(ts.nullCount).toBe(1);
      expect(table.getChildAt(4)!.toJSON()).toEqual(['a', 'b,"c"', null, 'ünï']);
      expect(table.getChildAt(5)!.toJSON()).toEqual(['9007199254740993', '12.50', null, '-1']);
      expect(table.getChildAt(6)!.toJSON()).toEqual(['[1,2]', '{"k":"v"}', null, null]);
      expect(table.getChildAt(7)!.toJSON()).toEqual(['1', 'x', null, 'true']);
      expect(table.getChildAt(8)!.nullCount).toBe(4);
    }
  });

  it('is loaded by DuckDB with matching SQL types and the same values', async () => {
    const db = await openNodeDatabase();
    const ipc = toArrowIPC(
      ['ts', 'n', 'x', 's', 'b', 'dec'],
      [
        ['2024-05-01 12:00:00.250001', 3, 1.25, 'a', true, '12.50'],
        ['2024-05-01 12:10:00', null, 2.5, null, false, null],
      ],
      { format: 'stream' },
    );
    db.insertArrow('exported', ipc, true);
    const types = tableToJsonRows(
      db.query("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'exported'"),
    );
    expect(types.rows).toEqual([
      ['ts', 'TIMESTAMP'],
      ['n', 'BIGINT'],
      ['x', 'DOUBLE'],
      ['s', 'VARCHAR'],
      ['b', 'BOOLEAN'],
      ['dec', 'VARCHAR'],
    ]);
    expect(tableToJsonRows(db.query('SELECT ts::VARCHAR AS ts, n, x, s, b, dec FROM exported')).rows).toEqual([
      ['2024-05-01 12:00:00.250001', 3, 1.25, 'a', true, '12.50'],
      ['2024-05-01 12:10:00', null, 2.5, null, false, null],
    ]);
  });

  it('accepts explicit kinds, and makes an empty result a table of Null columns', () => {
    const table = tableFromIPC(toArrowIPC(['a', 'b'], [[1, 2]], { kinds: ['float64', 'utf8'] }));
    expect(table.schema.fields.map((f) => Type[f.typeId])).toEqual(['Float', 'Utf8']);
    expect(table.getChildAt(1)!.toJSON()).toEqual(['2']);
    const empty = tableFromIPC(toArrowIPC(['a'], []));
    expect(empty.numRows).toBe(0);
    expect(Type[empty.schema.fields[0]!.typeId]).toBe('Null');
  });

  it('infers kinds as documented', () => {
    expect(inferArrowKind([null, 1, 2])).toBe('int64');
    expect(inferArrowKind([1, 2.5])).toBe('float64');
    expect(inferArrowKind([1, '2'])).toBe('utf8');
    expect(inferArrowKind(['2024-01-01 00:00:00', 'later'])).toBe('utf8');
    expect(inferArrowKind(['2024-02-30 00:00:00'])).toBe('utf8'); // not a real date
    expect(inferArrowKind(['2024-01-01T00:00:00'])).toBe('utf8'); // not the engine's form
    expect(inferArrowKind([[1]])).toBe('utf8');
    expect(inferArrowKind([])).toBe('null');
    expect(timestampMicros('2024-01-01 24:00:00')).toBeNull();
    expect(timestampMicros('1970-01-01 00:00:00.000001')).toBe(1n);
  });
});

describe('download', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('clicks a temporary <a download> on an object URL, then revokes the URL', async () => {
    vi.useFakeTimers();
    const clicked: { href: string; download: string }[] = [];
    const appended: unknown[] = [];
    const link = {
      href: '',
      download: '',
      rel: '',
      style: { display: '' },
      click() {
        clicked.push({ href: this.href, download: this.download });
      },
      remove: vi.fn(),
    };
    vi.stubGlobal('document', {
      createElement: (tag: string) => (tag === 'a' ? link : null),
      body: { append: (node: unknown) => appended.push(node) },
    });
    const blobs: Blob[] = [];
    const revoke = vi.fn();
    vi.stubGlobal('URL', {
      createObjectURL: (blob: Blob) => (blobs.push(blob), 'blob:tideline/1'),
      revokeObjectURL: revoke,
    });
    download('results: 12:00/13:00.csv', 'a,b\r\n', 'text/csv;charset=utf-8');
    expect(clicked).toEqual([{ href: 'blob:tideline/1', download: 'results- 12-00-13-00.csv' }]);
    expect(appended).toEqual([link]);
    expect(link.remove).toHaveBeenCalled();
    expect(blobs[0]!.type).toBe('text/csv;charset=utf-8');
    expect(await blobs[0]!.text()).toBe('a,b\r\n');
    expect(revoke).not.toHaveBeenCalled();
    vi.runAllTimers();
    expect(revoke).toHaveBeenCalledWith('blob:tideline/1');
  });

  it('makes safe file names', () => {
    expect(safeFilename('a/b\\c:d*e?f"g<h>i|j.csv')).toBe('a-b-c-d-e-f-g-h-i-j.csv');
    expect(safeFilename('...')).toBe('download');
    expect(safeFilename(' report.arrow ')).toBe('report.arrow');
  });
});
