import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/cli';
import { ArchiveError, readScenarioArchive, scenarioArchive } from './archive';

const scenario = {
  version: 1,
  sources: [
    {
      name: 'readings',
      columns: [
        ['ts', 'TIMESTAMP'],
        ['v', 'BIGINT'],
      ],
      eventTime: 'ts',
      file: { path: 'readings/*', format: 'csv', maxFilesPerTrigger: 1 },
    },
  ],
  query: 'SELECT v FROM readings',
  trigger: { kind: 'availableNow' },
};
const files = [
  { name: 'readings/b.csv', bytes: strToU8('ts,v\n2024-01-01 00:00:02,2\n') },
  { name: 'readings/a.csv', bytes: strToU8('ts,v\n2024-01-01 00:00:01,1\n') },
];

describe('a scenario archive', () => {
  it('holds the document and every data file at its path, and reads back the same', () => {
    const read = readScenarioArchive(scenarioArchive(scenario, files));
    expect(read.scenario).toEqual(scenario);
    expect(read.files).toEqual([files[1], files[0]]);
  });

  it('that cannot be read says why', () => {
    const reason = (bytes: Uint8Array) => {
      try {
        readScenarioArchive(bytes);
        return 'read';
      } catch (error) {
        expect(error).toBeInstanceOf(ArchiveError);
        return (error as Error).message;
      }
    };
    expect(reason(strToU8('{"version": 1}'))).toBe('it is not a zip archive');
    expect(reason(zipSync({ 'data/a.csv': strToU8('x') }))).toBe('it holds no scenario.json at its top');
    expect(reason(zipSync({ 'scenario.json': strToU8('{ nope') }))).toBe('its scenario.json is not JSON');
    expect(reason(scenarioArchive(scenario, []))).toBe('read');
  });

  it('unzipped, runs from the command line: one batch per file, as the page ran it', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tideline-archive-'));
    for (const [name, bytes] of Object.entries(unzipSync(scenarioArchive(scenario, files)))) {
      mkdirSync(dirname(join(folder, name)), { recursive: true });
      writeFileSync(join(folder, name), bytes);
    }
    let printed = '';
    const status = await runCli([join(folder, 'scenario.json')], {
      stdin: () => '',
      write: (text) => (printed += text),
    });
    expect(status).toBe(0);
    const batches = printed
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { rows: unknown[][] })
      .filter((batch) => batch.rows?.length);
    expect(batches.map((batch) => batch.rows)).toEqual([[[1]], [[2]]]);
  });
});
