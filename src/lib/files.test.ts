import { describe, expect, it } from 'vitest';
import {
  describePace,
  fileSource,
  formatOf,
  MAX_FILE_BYTES,
  paceFor,
  refusal,
  sourceNameFor,
  type FileSourceDraft,
} from './files';

const bytes = new Uint8Array([1, 2, 3]);

describe("the user's own files as a source", () => {
  it('knows a file’s format by its extension', () => {
    expect(['a.csv', 'B.CSV', 'x.parquet', 'y.arrow', 'z.arrows', 'w.feather', 'v.json'].map(formatOf)).toEqual([
      'csv',
      'csv',
      'parquet',
      'arrow',
      'arrow',
      'arrow',
      null,
    ]);
  });

  it('names the source after the file, without the numbering of a series, and apart from the names taken', () => {
    expect(sourceNameFor('orders-2024-01.csv', [])).toBe('orders');
    expect(sourceNameFor('Sensor Readings_3.parquet', [])).toBe('sensor_readings');
    expect(sourceNameFor('2024.csv', [])).toBe('file');
    expect(sourceNameFor('clicks.csv', ['clicks', 'Clicks_2'])).toBe('clicks_3');
    // A keyword would need quoting in every query.
    expect(sourceNameFor('values.parquet', [])).toBe('values_data');
  });

  it('refuses a mix of formats, an unknown file and more than the page holds, saying which', () => {
    expect(refusal([], 0)).toBe('No file was chosen.');
    expect(refusal([{ name: 'a.json', size: 1 }], 0)).toMatch(/^a\.json is not a CSV, Parquet or Arrow IPC file/);
    expect(
      refusal(
        [
          { name: 'a.csv', size: 1 },
          { name: 'b.parquet', size: 1 },
        ],
        0,
      ),
    ).toMatch(/share one format/);
    expect(refusal([{ name: 'a.csv', size: MAX_FILE_BYTES }], 1)).toMatch(
      /^These files come to 512 MB .* over the 512 MB/,
    );
    expect(
      refusal(
        [
          { name: 'a.csv', size: 10 },
          { name: 'b.csv', size: 10 },
        ],
        0,
      ),
    ).toBeNull();
  });

  it('becomes a source whose glob takes its own files only, under its folder', () => {
    const draft: FileSourceDraft = {
      files: [
        { name: 'day-1.csv', bytes },
        { name: 'day-2.csv', bytes },
      ],
      format: 'csv',
      name: 'day',
      columns: [
        ['ts', 'TIMESTAMP'],
        ['v', 'BIGINT'],
      ],
      eventTime: 'ts',
      watermark: ' 5 seconds ',
      pace: { maxFilesPerTrigger: 1 },
      rows: 2,
      problems: [],
    };
    expect(fileSource(draft)).toEqual({
      source: {
        name: 'day',
        columns: draft.columns,
        eventTime: 'ts',
        watermark: '5 seconds',
        file: { path: 'day/*', format: 'csv', maxFilesPerTrigger: 1 },
      },
      files: [
        { name: 'day/day-1.csv', bytes },
        { name: 'day/day-2.csv', bytes },
      ],
    });
    // No event time: no watermark either.
    expect(fileSource({ ...draft, eventTime: '' }).source).not.toHaveProperty('watermark');
  });

  it('is read whole files per trigger or replayed at a rate, by event time only where it has one', () => {
    expect(paceFor({ maxFilesPerTrigger: 2, rowsPerSecond: undefined }, true)).toEqual({ maxFilesPerTrigger: 2 });
    expect(paceFor({ rowsPerSecond: 50, order: 'eventTime' }, true)).toEqual({ rowsPerSecond: 50, order: 'eventTime' });
    expect(paceFor({ rowsPerSecond: 50, order: 'eventTime' }, false)).toEqual({ rowsPerSecond: 50 });
    expect(paceFor({ rowsPerSecond: 50, order: 'file' }, true)).toEqual({ rowsPerSecond: 50 });
    expect(
      [{ maxFilesPerTrigger: 1 }, {}, { rowsPerSecond: 20 }, { rowsPerSecond: 5, order: 'eventTime' as const }].map(
        describePace,
      ),
    ).toEqual(['1 file per trigger', 'all at once', '20 rows/s, in file order', '5 rows/s by event time']);
  });
});
