/**
 * Exporting results: CSV text, Arrow IPC bytes, Parquet, and a browser download of each; a notebook's opening words.
 *
 *   download('results.csv', toCsv(columns, rows), CSV_MIME)
 *   download('results.arrow', toArrowIPC(columns, rows), ARROW_FILE_MIME)
 *
 * See each module's top comment for the exact formats.
 */
export { CSV_MIME, csvField, toCsv } from './csv';
export {
  ARROW_FILE_MIME,
  ARROW_STREAM_MIME,
  inferArrowKind,
  timestampMicros,
  toArrowIPC,
  type ArrowKind,
  type ArrowOptions,
} from './arrow';
export { download, safeFilename } from './download';
export { lessonMarkdown, notebookMarkdown } from './notebook';
export { PARQUET_MIME, parquetBytes, toParquet, type ParquetWriter } from './parquet';
