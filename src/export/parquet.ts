/**
 * Results as a Parquet file, written by parquet-wasm from the Arrow table `toArrowIPC` builds (DuckDB-Wasm's
 * npm build has no parquet extension). parquet-wasm's 5 MB of wasm load on the first Parquet export only.
 *
 *   download('results.parquet', await toParquet(columns, rows), PARQUET_MIME)
 */
import type { JsonValue } from '../../workers/protocol';
import { toArrowIPC } from './arrow';

export const PARQUET_MIME = 'application/vnd.apache.parquet';

/** What of parquet-wasm the writer uses; its browser and Node builds have the same API. */
export type ParquetWriter = Pick<
  typeof import('parquet-wasm/esm'),
  'Table' | 'writeParquet' | 'WriterPropertiesBuilder' | 'Compression'
>;

/** The rows as Parquet, Snappy-compressed, with the column types `toArrowIPC` infers. */
export function parquetBytes(
  writer: ParquetWriter,
  columns: readonly string[],
  rows: readonly (readonly JsonValue[])[],
): Uint8Array {
  const table = writer.Table.fromIPCStream(toArrowIPC(columns, rows, { format: 'stream' }));
  const properties = new writer.WriterPropertiesBuilder().setCompression(writer.Compression.SNAPPY).build();
  return writer.writeParquet(table, properties);
}

let browserWriter: Promise<ParquetWriter> | null = null;

/** In the browser: parquet-wasm's web build, fetched from this site and instantiated once. */
export async function toParquet(columns: readonly string[], rows: readonly (readonly JsonValue[])[]) {
  browserWriter ??= (async () => {
    const [module, { default: wasmUrl }] = await Promise.all([
      import('parquet-wasm/esm'),
      import('parquet-wasm/esm/parquet_wasm_bg.wasm?url'),
    ]);
    await module.default({ module_or_path: wasmUrl });
    return module;
  })();
  return parquetBytes(await browserWriter, columns, rows);
}
