import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { parquetBytes, type ParquetWriter } from './parquet';

const writer = createRequire(import.meta.url)('parquet-wasm/node') as ParquetWriter;

describe('results as Parquet', () => {
  it('native DuckDB reads back the same rows and column types', async () => {
    const columns = ['window_start', 'page', 'clicks', 'share', 'final'];
    const rows = [
      ['2024-01-01 00:00:00', '/home', 12, 0.5, true],
      ['2024-01-01 00:00:10', null, 3, null, false],
    ];
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tideline-parquet-')), 'results.parquet');
    writeFileSync(file, parquetBytes(writer, columns, rows));

    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    expect(described.getRowObjectsJS().map((row) => [row.column_name, row.column_type])).toEqual([
      ['window_start', 'TIMESTAMP'],
      ['page', 'VARCHAR'],
      ['clicks', 'BIGINT'],
      ['share', 'DOUBLE'],
      ['final', 'BOOLEAN'],
    ]);
    const read = await connection.runAndReadAll(
      `SELECT window_start::VARCHAR AS window_start, page, clicks, share, final FROM read_parquet('${file}')`,
    );
    expect(read.getRowsJS()).toEqual([
      ['2024-01-01 00:00:00', '/home', 12n, 0.5, true],
      ['2024-01-01 00:00:10', null, 3n, null, false],
    ]);
  });
});
