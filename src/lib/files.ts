/**
 * The user's own files as a stream: which format a file is, what the source reading it is called, and the
 * path its document carries. Picked files live under a folder named after their source, so that each file
 * source's glob takes only its own files.
 */
import type { FileSourceSpec } from '../../workers/engine/scenario';
import type { DataFile, FileFormat, FileProblem } from '../../workers/protocol';
import { plural } from './format';
import type { SourceDocument } from './scenario';

/** What the page will hold in memory of the user's files, all sources together. */
export const MAX_FILE_BYTES = 512 * 1024 * 1024;

/** Picked files, their inferred schema as the user edits it, and what the engine found wrong in them. */
export interface FileSourceDraft {
  files: DataFile[];
  format: FileFormat;
  name: string;
  columns: [string, string][];
  eventTime: string;
  watermark: string;
  pace: FilePace;
  rows: number;
  problems: FileProblem[];
}

/** The source a draft becomes in the scenario document, and its files as the engine gets them. */
export function fileSource(draft: FileSourceDraft): { source: SourceDocument; files: DataFile[] } {
  const files = draft.files.map((file) => ({ name: `${draft.name}/${file.name}`, bytes: file.bytes }));
  const source: SourceDocument = {
    name: draft.name,
    columns: draft.columns,
    file: { path: `${draft.name}/*`, format: draft.format, ...paceFor(draft.pace, draft.eventTime !== '') },
  };
  if (draft.eventTime) source.eventTime = draft.eventTime;
  if (draft.eventTime && draft.watermark.trim()) source.watermark = draft.watermark.trim();
  return { source, files };
}

/** How a file source's rows come: whole files per trigger (Spark's file source), or replayed rows per second. */
export type FilePace = Pick<FileSourceSpec, 'maxFilesPerTrigger' | 'rowsPerSecond' | 'order'>;

/** The rate a file source is replayed at when the user first picks rows per second. */
export const DEFAULT_ROWS_PER_SECOND = 100;

/** The pace as the document carries it: no order by event time for a source without one, no default order. */
export function paceFor(pace: FilePace, hasEventTime: boolean): FilePace {
  if (pace.rowsPerSecond === undefined)
    return pace.maxFilesPerTrigger === undefined ? {} : { maxFilesPerTrigger: pace.maxFilesPerTrigger };
  return {
    rowsPerSecond: pace.rowsPerSecond,
    ...(pace.order === 'eventTime' && hasEventTime && { order: 'eventTime' as const }),
  };
}

/** The pace in words: "1 file per trigger", "all at once", "100 rows/s by event time". */
export function describePace(pace: FilePace): string {
  if (pace.rowsPerSecond !== undefined)
    return `${pace.rowsPerSecond} rows/s${pace.order === 'eventTime' ? ' by event time' : ', in file order'}`;
  return pace.maxFilesPerTrigger ? `${plural(pace.maxFilesPerTrigger, 'file')} per trigger` : 'all at once';
}

const KEYWORDS = new Set(
  'all and as by case date desc distinct end from group having in interval join limit not null offset on or order select table time timestamp to union user values where window with'.split(
    ' ',
  ),
);

const EXTENSIONS: [RegExp, FileFormat][] = [
  [/\.(csv|tsv|txt)$/i, 'csv'],
  [/\.parquet$/i, 'parquet'],
  [/\.(arrow|arrows|ipc|feather)$/i, 'arrow'],
];

export function formatOf(fileName: string): FileFormat | null {
  return EXTENSIONS.find(([pattern]) => pattern.test(fileName))?.[1] ?? null;
}

/** A name for the source a file feeds: its name up to the first dot, digits and dashes at the end dropped. */
export function sourceNameFor(fileName: string, taken: string[]): string {
  const stem = fileName
    .replace(/\..*$/, '')
    .replace(/([-_ ]*\d+)+$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const named = /^[a-z_]/.test(stem) ? stem : stem ? `file_${stem}` : 'file';
  // A keyword would need quoting in every query.
  const base = KEYWORDS.has(named) ? `${named}_data` : named;
  const used = new Set(taken.map((name) => name.toLowerCase()));
  if (!used.has(base)) return base;
  let n = 2;
  while (used.has(`${base}_${n}`)) n++;
  return `${base}_${n}`;
}

/** Why these picked files cannot become one source, or null. */
export function refusal(files: { name: string; size: number }[], held: number): string | null {
  if (files.length === 0) return 'No file was chosen.';
  const unknown = files.find((file) => formatOf(file.name) === null);
  if (unknown) return `${unknown.name} is not a CSV, Parquet or Arrow IPC file (by its name's extension).`;
  const formats = new Set(files.map((file) => formatOf(file.name)));
  if (formats.size > 1)
    return 'The files of one source must share one format: choose CSV, Parquet or Arrow files, not a mix.';
  const bytes = files.reduce((sum, file) => sum + file.size, held);
  if (bytes > MAX_FILE_BYTES) {
    const mb = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;
    return `These files come to ${mb(bytes)} with those already loaded, over the ${mb(MAX_FILE_BYTES)} the page holds in memory. Choose fewer or smaller files.`;
  }
  return null;
}
