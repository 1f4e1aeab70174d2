import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError } from './validate';

const clicks = {
  name: 'clicks',
  columns: [
    ['ts', 'TIMESTAMP'],
    ['user', 'VARCHAR'],
  ],
  eventTime: 'ts',
  watermark: '10 seconds',
};

function withFile(file: unknown, more: Record<string, unknown> = {}) {
  return { version: 1, sources: [{ ...clicks, file, ...more }], query: 'SELECT * FROM clicks' };
}

function errorOf(document: unknown): ScenarioError {
  try {
    parseScenario(document);
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
  throw new Error('expected a ScenarioError');
}

describe('a file source in the scenario document', () => {
  it('takes a path, a format and maxFilesPerTrigger beside columns, eventTime and watermark', () => {
    const file = { path: 'data/events-*.csv', format: 'csv', maxFilesPerTrigger: 1 };
    const [source] = parseScenario(withFile(file)).sources;
    expect(source).toMatchObject({ name: 'clicks', eventTime: 'ts', file });
    expect(parseScenario(withFile({ path: 'a.parquet', format: 'parquet' })).sources[0]!.file).toEqual({
      path: 'a.parquet',
      format: 'parquet',
    });
  });

  it('names the field that is wrong', () => {
    expect(errorOf(withFile({ path: '', format: 'csv' })).field).toBe('sources[0].file.path');
    expect(errorOf(withFile({ path: 'a.csv' })).field).toBe('sources[0].file.format');
    expect(errorOf(withFile({ path: 'a.json', format: 'json' })).field).toBe('sources[0].file.format');
    expect(errorOf(withFile({ path: 'a.csv', format: 'csv', maxFilesPerTrigger: 0 })).field).toBe(
      'sources[0].file.maxFilesPerTrigger',
    );
    expect(errorOf(withFile({ path: 'a.csv', format: 'csv', header: false })).field).toBe('sources[0].file.header');
  });

  it('is refused beside a generator, and with scripted steps', () => {
    const generator = { kind: 'clicks', seed: 1, rate: 1 };
    expect(errorOf(withFile({ path: 'a.csv', format: 'csv' }, { generator })).message).toMatch(/not both/);
    const scripted = { ...withFile({ path: 'a.csv', format: 'csv' }), steps: [{ end: true }] };
    expect(errorOf(scripted).field).toBe('steps');
  });
});
