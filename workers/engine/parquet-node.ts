/** Parquet in Node (the command line, tests): parquet-wasm's Node build, which instantiates as it loads. */
import { readParquet } from 'parquet-wasm/node';
import type { ParquetToArrow } from './files';

export const readParquetInNode: ParquetToArrow = (bytes) => readParquet(bytes).intoIPCStream();
