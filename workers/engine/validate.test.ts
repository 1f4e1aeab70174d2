import { describe, expect, it } from 'vitest';
import { documentOf, type Scenario } from './scenario';
import { analyseDuration } from './duration';
import { parseScenario, ScenarioError } from './validate';

/** A small valid document; tests spread it and change one thing. */
function base(): Record<string, unknown> {
  return {
    version: 1,
    sources: [
      {
        name: 'clicks',
        columns: [
          ['ts', 'TIMESTAMP'],
          ['user_id', 'INTEGER'],
          ['url', 'VARCHAR'],
        ],
        eventTime: 'ts',
        watermark: '10 seconds',
      },
    ],
    tables: [
      {
        name: 'users',
        columns: [
          ['user_id', 'INTEGER'],
          ['name', 'VARCHAR'],
        ],
        rows: [[1, 'ada']],
      },
    ],
    query: 'SELECT count(*) FROM clicks',
  };
}

function errorOf(input: unknown): ScenarioError {
  try {
    parseScenario(input);
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
  throw new Error('expected parseScenario to throw a ScenarioError');
}

/** Asserts the document fails at `field`, with a message starting with that path; returns the error. */
function expectError(input: unknown, field: string, pattern?: RegExp): ScenarioError {
  const error = errorOf(input);
  expect(error.field).toBe(field);
  expect(error.message.startsWith(`${field}: `)).toBe(true);
  if (pattern) expect(error.message).toMatch(pattern);
  return error;
}

function withSource(changes: Record<string, unknown>): Record<string, unknown> {
  const doc = base();
  const [source] = doc.sources as Record<string, unknown>[];
  doc.sources = [{ ...source, ...changes }];
  return doc;
}

function withTable(columns: [string, string][], rows: unknown[][]): Record<string, unknown> {
  return { ...base(), tables: [{ name: 'things', columns, rows }] };
}

describe('ScenarioError', () => {
  it('prefixes the message with the field path and keeps field and hint', () => {
    const error = new ScenarioError('sources[0].watermark', 'expected a duration', 'try "10 seconds"');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ScenarioError');
    expect(error.message).toBe('sources[0].watermark: expected a duration');
    expect(error.field).toBe('sources[0].watermark');
    expect(error.hint).toBe('try "10 seconds"');
    expect(new ScenarioError('query', 'query: already prefixed').message).toBe('query: already prefixed');
  });
});

describe('parseScenario: the whole document', () => {
  it('round-trips a full document and fills in nothing it already has', () => {
    const doc = {
      version: 1,
      sources: [
        {
          name: 'clicks',
          columns: [
            ['ts', 'timestamp'],
            ['user_id', 'BigInt'],
            ['price', 'decimal(10, 2)'],
          ],
          eventTime: 'ts',
          watermark: '10 seconds',
          generator: { kind: 'clicks', seed: 7, rate: 20, skew: 0.3 },
        },
      ],
      tables: [
        {
          name: 'users',
          columns: [
            ['user_id', 'BIGINT'],
            ['name', 'VARCHAR'],
          ],
          rows: [
            [1, 'ada'],
            ['9007199254740993', null],
          ],
        },
      ],
      query: 'SELECT * FROM clicks JOIN users USING (user_id)',
      outputMode: 'update',
      trigger: { kind: 'processingTime', interval: '500 ms' },
      watermarkPolicy: 'max',
      steps: [{ add: { clicks: [['2024-01-01 00:00:01', 1, '9.99']] } }, { restart: true }, { end: true }],
      ui: { editor: { height: 300 }, tab: 'results' },
    };
    const input = structuredClone(doc);
    const scenario = parseScenario(input);
    expect(input).toEqual(doc); // not mutated
    const expected: Scenario = {
      ...doc,
      version: 1,
      outputMode: 'update',
      trigger: { kind: 'processingTime', interval: { text: '500 ms', us: 500_000 } },
      watermarkPolicy: 'max',
      sources: [
        {
          ...doc.sources[0]!,
          watermark: { text: '10 seconds', us: 10_000_000 },
          columns: [
            ['ts', 'TIMESTAMP'],
            ['user_id', 'BIGINT'],
            ['price', 'DECIMAL(10,2)'],
          ],
        },
      ],
      tables: doc.tables as Scenario['tables'],
      steps: doc.steps as Scenario['steps'],
    };
    expect(scenario).toEqual(expected);
    // Fresh arrays, not the input's.
    expect(scenario.sources).not.toBe(input.sources);
    expect(scenario.tables[0]!.rows[0]).not.toBe(input.tables[0]!.rows[0]);
    // Its document is the input with the column types spelled out, and validates again unchanged.
    const document = documentOf(scenario);
    expect(document).toEqual({ ...doc, sources: [{ ...doc.sources[0]!, columns: expected.sources[0]!.columns }] });
    expect(parseScenario(JSON.parse(JSON.stringify(document)))).toEqual(scenario);
  });

  it('fills in every default for a minimal document', () => {
    expect(parseScenario({ version: 1, query: 'SELECT 1' })).toEqual({
      version: 1,
      sources: [],
      tables: [],
      query: 'SELECT 1',
      outputMode: 'append',
      trigger: { kind: 'processingTime', interval: { text: '1 second', us: 1_000_000 } },
      watermarkPolicy: 'min',
    });
  });

  it('passes ui through untouched', () => {
    const ui = { anything: [1, { nested: true }], 'odd key': null };
    expect(parseScenario({ version: 1, query: 'SELECT 1', ui }).ui).toBe(ui);
    expectError({ version: 1, query: 'SELECT 1', ui: [1] }, 'ui', /expected an object, got an array/);
    expectError({ version: 1, query: 'SELECT 1', ui: null }, 'ui', /got null/);
  });

  it('rejects a document that is not an object', () => {
    for (const input of [null, [], [1], 'text', 42, true, undefined]) {
      expectError(input, '(document)', /expected a scenario object/);
    }
  });

  it('rejects unknown top-level fields, with a suggestion', () => {
    const error = expectError({ ...base(), qeury: 'SELECT 1' }, 'qeury', /unknown field; the document takes/);
    expect(error.hint).toBe('did you mean "query"?');
    expectError({ ...base(), 'two words': 1 }, '"two words"', /unknown field/);
  });

  it('takes several named queries instead of one, each with its own output mode', () => {
    const rest: Record<string, unknown> = base();
    delete rest.query;
    const scenario = parseScenario({
      ...rest,
      outputMode: 'update',
      queries: [
        { name: 'appended', query: 'SELECT 1', outputMode: 'append' },
        { name: 'updated', query: 'SELECT 2' },
      ],
    });
    expect(scenario.queries).toEqual([
      { name: 'appended', query: 'SELECT 1', outputMode: 'append' },
      { name: 'updated', query: 'SELECT 2', outputMode: 'update' },
    ]);
    expect(scenario.query).toBeUndefined();
    expectError({ ...base(), queries: [{ name: 'a', query: 'SELECT 1' }] }, 'queries', /either "query" or "queries"/);
    expectError({ ...rest, queries: [] }, 'queries', /non-empty array/);
    expectError(
      {
        ...rest,
        queries: [
          { name: 'a', query: 'x' },
          { name: 'A', query: 'y' },
        ],
      },
      'queries[1].name',
      /already named/,
    );
    expectError({ ...rest, queries: [{ name: 'a', query: 'x', mode: 'append' }] }, 'queries[0].mode', /unknown field/);
  });

  it('reports the first problem in document order', () => {
    expectError({ version: 1, sources: [{ name: '1x' }], query: '' }, 'sources[0].name');
  });
});

describe('parseScenario: version', () => {
  it('must be exactly 1', () => {
    expectError({ query: 'SELECT 1' }, 'version', /expected the number 1, but the field is missing/);
    const two = expectError({ ...base(), version: 2 }, 'version', /expected the number 1, got 2/);
    expect(two.hint).toBe('this Tideline reads version 1 documents');
    expectError({ ...base(), version: '1' }, 'version', /got "1"/);
    expectError({ ...base(), version: 1.5 }, 'version', /got 1.5/);
  });

  it('is checked before unknown fields, so a newer document says so first', () => {
    expectError({ version: 2, query: 'SELECT 1', futureField: true }, 'version');
  });
});

describe('parseScenario: sources', () => {
  it('must be an array of objects', () => {
    expectError({ ...base(), sources: {} }, 'sources', /expected an array of sources, got an object/);
    expectError({ ...base(), sources: null }, 'sources', /got null/);
    expectError({ ...base(), sources: ['clicks'] }, 'sources[0]', /expected a source object/);
  });

  it('rejects unknown source fields', () => {
    const error = expectError(withSource({ colums: [] }), 'sources[0].colums', /unknown field; sources\[0\] takes/);
    expect(error.hint).toBe('did you mean "columns"?');
    expectError(withSource({ rows: [] }), 'sources[0].rows', /unknown field/);
  });

  it('needs an identifier name', () => {
    expectError(withSource({ name: undefined }), 'sources[0].name', /the field is missing/);
    const spaced = expectError(withSource({ name: 'my clicks' }), 'sources[0].name', /SQL identifier.*"my clicks"/);
    expect(spaced.hint).toBe('try "my_clicks"');
    expectError(withSource({ name: '9lives' }), 'sources[0].name', /got "9lives"/);
    expectError(withSource({ name: 5 }), 'sources[0].name', /got 5/);
  });

  it('keeps names unique across sources and tables, case-insensitively', () => {
    const doc = base();
    doc.sources = [...(doc.sources as object[]), { name: 'CLICKS', columns: [['a', 'INTEGER']] }];
    expectError(doc, 'sources[1].name', /duplicate name "CLICKS": sources\[0\] already has it/);
    const clash = base();
    clash.tables = [{ name: 'Clicks', columns: [['a', 'INTEGER']], rows: [] }];
    expectError(clash, 'tables[0].name', /duplicate name "Clicks": sources\[0\]/);
  });

  it('checks columns: a non-empty array of [identifier, type] pairs with unique names', () => {
    expectError(withSource({ columns: undefined }), 'sources[0].columns', /the field is missing/);
    expectError(withSource({ columns: [] }), 'sources[0].columns', /non-empty array.*got an empty array/);
    expectError(withSource({ columns: [['ts']] }), 'sources[0].columns[0]', /\[name, type\] pair/);
    expectError(withSource({ columns: [{ name: 'ts' }] }), 'sources[0].columns[0]', /got an object/);
    expectError(withSource({ columns: [['a-b', 'INTEGER']] }), 'sources[0].columns[0][0]', /column name/);
    expectError(
      withSource({
        columns: [
          ['ts', 'TIMESTAMP'],
          ['TS', 'INTEGER'],
        ],
      }),
      'sources[0].columns[1][0]',
      /duplicate column name "TS": sources\[0\].columns\[0\]/,
    );
  });

  it('accepts the listed types case-insensitively and normalises them to upper case', () => {
    const types = [
      'boolean',
      'TinyInt',
      'smallint',
      'integer',
      'bigint',
      'hugeint',
      'utinyint',
      'usmallint',
      'uinteger',
      'ubigint',
      'float',
      'real',
      'double',
      'decimal(18,3)',
      'DECIMAL( 38 , 0 )',
      'varchar',
      'text',
      'string',
      'date',
      'time',
      'timestamp',
      'interval',
      'blob',
      'uuid',
    ];
    const columns = types.map((type, i): [string, string] => [`c${i}`, type]);
    const scenario = parseScenario(withTable(columns, []));
    expect(scenario.tables[0]!.columns.map(([, type]) => type)).toEqual([
      'BOOLEAN',
      'TINYINT',
      'SMALLINT',
      'INTEGER',
      'BIGINT',
      'HUGEINT',
      'UTINYINT',
      'USMALLINT',
      'UINTEGER',
      'UBIGINT',
      'FLOAT',
      'REAL',
      'DOUBLE',
      'DECIMAL(18,3)',
      'DECIMAL(38,0)',
      'VARCHAR',
      'TEXT',
      'STRING',
      'DATE',
      'TIME',
      'TIMESTAMP',
      'INTERVAL',
      'BLOB',
      'UUID',
    ]);
  });

  it('rejects other types, suggesting the supported spelling', () => {
    const int = expectError(withSource({ columns: [['n', 'INT']] }), 'sources[0].columns[0][1]', /got "INT"/);
    expect(int.hint).toBe('use INTEGER');
    const tz = expectError(withSource({ columns: [['t', 'timestamptz']] }), 'sources[0].columns[0][1]');
    expect(tz.hint).toMatch(/TIMESTAMP/);
    expectError(withSource({ columns: [['n', 'DECIMAL']] }), 'sources[0].columns[0][1]');
    expectError(withSource({ columns: [['n', 'DECIMAL(39,2)']] }), 'sources[0].columns[0][1]', /precision.*1 to 38/);
    expectError(withSource({ columns: [['n', 'DECIMAL(4,5)']] }), 'sources[0].columns[0][1]', /scale/);
    expectError(withSource({ columns: [['n', 'INTEGER[]']] }), 'sources[0].columns[0][1]');
    expectError(withSource({ columns: [['n', 7]] }), 'sources[0].columns[0][1]', /got 7/);
  });

  it('checks eventTime names a TIMESTAMP column', () => {
    const missing = expectError(withSource({ eventTime: 'TS' }), 'sources[0].eventTime', /"TS" is not one of/);
    expect(missing.hint).toBe('did you mean "ts"?');
    expectError(withSource({ eventTime: 'url' }), 'sources[0].eventTime', /must be TIMESTAMP.*"url" is VARCHAR/);
    expectError(withSource({ eventTime: 0 }), 'sources[0].eventTime', /got 0/);
  });

  it('checks the watermark: a non-negative duration that needs eventTime', () => {
    const ten = expectError(withSource({ watermark: 'ten' }), 'sources[0].watermark');
    expect(ten.message).toBe('sources[0].watermark: expected a duration such as "10 seconds", got "ten"');
    expectError(
      withSource({ watermark: '-5 seconds' }),
      'sources[0].watermark',
      /a negative watermark delay is an error, got "-5 seconds"/,
    );
    const month = expectError(withSource({ watermark: '1 month' }), 'sources[0].watermark', /no fixed length/);
    expect(month.hint).toMatch(/days/);
    expectError(withSource({ watermark: 10 }), 'sources[0].watermark', /got 10/);
    expectError(
      withSource({ eventTime: undefined, watermark: '5 seconds' }),
      'sources[0].watermark',
      /needs an event-time column/,
    );
    expectError(withSource({ watermark: '106751992 days' }), 'sources[0].watermark', /about 292,000 years\)$/);
    expect(parseScenario(withSource({ watermark: '0 seconds' })).sources[0]!.watermark).toEqual({
      text: '0 seconds',
      us: 0,
    });
    expect(parseScenario(withSource({ watermark: ' 1.5 Minutes ' })).sources[0]!.watermark).toEqual({
      text: ' 1.5 Minutes ',
      us: 90_000_000,
    });
  });

  it('checks the generator kind, seed and rate, and keeps its other knobs', () => {
    const generator = { kind: 'clicks', seed: 1, rate: 2.5, late: { fraction: 0.1 } };
    expect(parseScenario(withSource({ generator })).sources[0]!.generator).toEqual(generator);
    expectError(withSource({ generator: 'clicks' }), 'sources[0].generator', /got "clicks"/);
    expectError(withSource({ generator: { seed: 1, rate: 1 } }), 'sources[0].generator.kind', /missing/);
    expectError(withSource({ generator: { kind: 3, seed: 1, rate: 1 } }), 'sources[0].generator.kind', /got 3/);
    expectError(withSource({ generator: { kind: 'c', rate: 1 } }), 'sources[0].generator.seed', /missing/);
    expectError(withSource({ generator: { kind: 'c', seed: 1.5, rate: 1 } }), 'sources[0].generator.seed', /1.5/);
    expectError(withSource({ generator: { kind: 'c', seed: 1 } }), 'sources[0].generator.rate', /missing/);
    expectError(withSource({ generator: { kind: 'c', seed: 1, rate: 0 } }), 'sources[0].generator.rate', /got 0/);
    expectError(withSource({ generator: { kind: 'c', seed: 1, rate: '5' } }), 'sources[0].generator.rate', /"5"/);
  });
});

describe('parseScenario: tables and cells', () => {
  it('checks table fields', () => {
    expectError({ ...base(), tables: 'users' }, 'tables', /expected an array of tables/);
    expectError({ ...base(), tables: [{ name: 'a', columns: [['x', 'INTEGER']] }] }, 'tables[0].rows', /missing/);
    const wm = { name: 'a', columns: [['x', 'INTEGER']], rows: [], watermark: '1 s' };
    expectError({ ...base(), tables: [wm] }, 'tables[0].watermark', /unknown field; tables\[0\] takes/);
    expectError({ ...base(), tables: [{ name: 'a', columns: [['x', 'INTEGER']], rows: {} }] }, 'tables[0].rows');
  });

  it('checks each row is an array of exactly columns.length cells', () => {
    const columns: [string, string][] = [
      ['a', 'INTEGER'],
      ['b', 'VARCHAR'],
    ];
    expectError(withTable(columns, [[1, 'x'], [2]]), 'tables[0].rows[1]', /expected 2 cells \(a, b\), got 1/);
    expectError(withTable(columns, [[1, 'x', 3]]), 'tables[0].rows[0]', /got 3/);
    expectError({ ...withTable(columns, []), tables: [{ name: 't', columns, rows: [{ a: 1 }] }] }, 'tables[0].rows[0]');
  });

  it('names the exact cell, e.g. tables[1].rows[3][2]', () => {
    const doc = base();
    const table = {
      name: 'scores',
      columns: [
        ['a', 'INTEGER'],
        ['b', 'INTEGER'],
        ['c', 'INTEGER'],
      ],
      rows: [
        [1, 2, 3],
        [1, 2, 3],
        [1, 2, 3],
        [1, 2, 'three'],
      ],
    };
    doc.tables = [...(doc.tables as object[]), table];
    const error = expectError(doc, 'tables[1].rows[3][2]');
    expect(error.message).toBe(
      'tables[1].rows[3][2]: column "c" is INTEGER: expected a whole number from -2147483648 to 2147483647 or null, got "three"',
    );
  });

  /** Checks `good` cells pass and each `bad` cell fails at rows[i][0] for a one-column table of `type`. */
  function cells(type: string, good: unknown[], bad: unknown[]) {
    expect(() =>
      parseScenario(
        withTable(
          [['v', type]],
          [...good, null].map((v) => [v]),
        ),
      ),
    ).not.toThrow();
    bad.forEach((value) => {
      const rows = [[null], [value]];
      expectError(
        withTable([['v', type]], rows),
        'tables[0].rows[1][0]',
        new RegExp(`column "v" is ${type.replace(/[()]/g, '\\$&')}`),
      );
    });
  }

  it('checks integer cells are JSON integers in range for the type', () => {
    cells('TINYINT', [-128, 127, 0], [128, -129, 1.5, '1', true]);
    cells('SMALLINT', [-32768, 32767], [32768, -32769]);
    cells('INTEGER', [-2147483648, 2147483647], [2147483648, -2147483649, '5', 2.5]);
    cells('UTINYINT', [0, 255], [-1, 256]);
    cells('USMALLINT', [65535], [65536, -1]);
    cells('UINTEGER', [4294967295], [4294967296, -1]);
    const quoted = expectError(withTable([['v', 'INTEGER']], [['5']]), 'tables[0].rows[0][0]');
    expect(quoted.hint).toBe('write the number without quotes');
  });

  it('lets BIGINT, HUGEINT and UBIGINT cells also be decimal-integer strings', () => {
    cells(
      'BIGINT',
      [Number.MAX_SAFE_INTEGER, '9223372036854775807', '-9223372036854775808', '42'],
      ['9223372036854775808', '-9223372036854775809', '1.5', '0x10', ' 1', 1.5],
    );
    cells(
      'HUGEINT',
      ['170141183460469231731687303715884105727', '-170141183460469231731687303715884105728'],
      ['170141183460469231731687303715884105728'],
    );
    cells('UBIGINT', ['18446744073709551615', 0], ['18446744073709551616', '-1', -1]);
    const unsafe = expectError(withTable([['v', 'BIGINT']], [[2 ** 60]]), 'tables[0].rows[0][0]', /lose precision/);
    expect(unsafe.hint).toMatch(/string/);
  });

  it('checks float, double and decimal cells', () => {
    cells('DOUBLE', [1.5, -2, 1e300, 'NaN', 'Infinity', '-Infinity'], ['1.5', true, 'inf']);
    cells('FLOAT', [1.5, 3.4e38], [1e39, '2']);
    cells('REAL', [0.25], ['0.25']);
    cells('DECIMAL(4,2)', [12.34, -99.99, '12.345', '-0.5', 0, '99.994'], [100, '123.4', '99.995', '1e3', '.5', true]);
    cells('DECIMAL(38,0)', ['99999999999999999999999999999999999999', 1e21], ['1' + '0'.repeat(38)]);
  });

  it('checks boolean, string, UUID and interval cells', () => {
    cells('BOOLEAN', [true, false], ['true', 1, 0]);
    cells('VARCHAR', ['', 'hello'], [1, true]);
    cells('TEXT', ['x'], [1]);
    cells('STRING', ['x'], [[]]);
    cells('UUID', ['123e4567-e89b-12d3-a456-426614174000', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'], ['123', 5]);
    cells('INTERVAL', ['1 day'], [5]);
    cells('BLOB', ['\\xAA'], [1]);
  });

  it('checks timestamp, date and time cells are real', () => {
    cells(
      'TIMESTAMP',
      ['2024-01-01 00:00:00', '2024-02-29 23:59:59.123456', '2024-01-01 00:00:01.5', '2024-01-01', '0001-01-01'],
      [
        '2023-02-29 00:00:00',
        '2024-13-01 00:00:00',
        '2024-01-01 24:00:00',
        '2024-01-01 00:60:00',
        '2024-01-01 00:00:00.1234567',
        '2024-01-01T00:00:00',
        '2024-01-01 00:00:00Z',
        '2024-1-1',
        '0000-01-01',
        1704067200000,
      ],
    );
    const iso = expectError(withTable([['v', 'TIMESTAMP']], [['2024-01-01T00:00:00']]), 'tables[0].rows[0][0]');
    expect(iso.hint).toMatch(/space/);
    expectError(withTable([['v', 'TIMESTAMP']], [['2023-02-29 00:00:00']]), 'tables[0].rows[0][0]', /not a real date/);
    cells('DATE', ['2024-02-29', '1900-02-28'], ['1900-02-29', '2024-04-31', '2024-01-01 00:00:00', 20240101]);
    cells('TIME', ['00:00:00', '23:59:59.999999'], ['24:00:00', '12:00', 'noon']);
  });
});

describe('parseScenario: query, outputMode, trigger, watermarkPolicy', () => {
  it('needs a non-empty query string', () => {
    const { query: _ignored, ...noQuery } = base();
    void _ignored;
    expectError(noQuery, 'query', /the field is missing/);
    expectError({ ...base(), query: '' }, 'query', /non-empty string, got ""/);
    expectError({ ...base(), query: '   ' }, 'query');
    expectError({ ...base(), query: ['SELECT 1'] }, 'query', /got an array/);
  });

  it('checks outputMode', () => {
    for (const mode of ['append', 'update', 'complete']) {
      expect(parseScenario({ ...base(), outputMode: mode }).outputMode).toBe(mode);
    }
    const error = expectError({ ...base(), outputMode: 'Update' }, 'outputMode', /"append", "update" or "complete"/);
    expect(error.hint).toBe('did you mean "update"?');
    expectError({ ...base(), outputMode: null }, 'outputMode', /got null/);
  });

  it('checks the trigger', () => {
    const triggers = [
      { kind: 'processingTime', interval: '2 minutes' },
      { kind: 'once' },
      { kind: 'availableNow' },
      { kind: 'manual' },
    ];
    for (const trigger of triggers) expect(documentOf(parseScenario({ ...base(), trigger })).trigger).toEqual(trigger);
    expect(parseScenario({ ...base(), trigger: triggers[0] }).trigger).toEqual({
      kind: 'processingTime',
      interval: { text: '2 minutes', us: 120_000_000 },
    });
    expectError({ ...base(), trigger: 'once' }, 'trigger', /expected a trigger object/);
    expectError({ ...base(), trigger: {} }, 'trigger.kind', /missing/);
    const kind = expectError({ ...base(), trigger: { kind: 'Once' } }, 'trigger.kind', /got "Once"/);
    expect(kind.hint).toBe('did you mean "once"?');
    expectError({ ...base(), trigger: { kind: 'processingTime' } }, 'trigger.interval', /missing/);
    expectError({ ...base(), trigger: { kind: 'processingTime', interval: '0 seconds' } }, 'trigger.interval', /zero/);
    expectError({ ...base(), trigger: { kind: 'processingTime', interval: '-1 s' } }, 'trigger.interval');
    expectError({ ...base(), trigger: { kind: 'processingTime', interval: 1000 } }, 'trigger.interval', /got 1000/);
    expectError({ ...base(), trigger: { kind: 'processingTime', interval: '1 year' } }, 'trigger.interval');
    expectError({ ...base(), trigger: { kind: 'once', interval: '1 s' } }, 'trigger.interval', /takes no interval/);
    expectError({ ...base(), trigger: { kind: 'manual', every: 1 } }, 'trigger.every', /unknown field/);
    expectError(
      { ...base(), trigger: { kind: 'processingTime', interval: '1 s', delay: 1 } },
      'trigger.delay',
      /unknown field/,
    );
  });

  it('checks watermarkPolicy', () => {
    expect(parseScenario({ ...base(), watermarkPolicy: 'max' }).watermarkPolicy).toBe('max');
    expectError({ ...base(), watermarkPolicy: 'minimum' }, 'watermarkPolicy', /"min" or "max", got "minimum"/);
  });
});

describe('parseScenario: steps', () => {
  const steps = (value: unknown) => ({ ...base(), steps: value });

  it('accepts add, restart and end steps', () => {
    const list = [
      {
        add: {
          clicks: [
            ['2024-01-01 00:00:00', 1, '/'],
            [null, null, null],
          ],
        },
      },
      { restart: true },
      { end: true },
    ];
    expect(parseScenario(steps(list)).steps).toEqual(list);
    expect(parseScenario(steps([])).steps).toEqual([]);
  });

  it('checks the shape of each step', () => {
    expectError(steps({}), 'steps', /expected an array of steps/);
    expectError(steps(['end']), 'steps[0]', /got "end"/);
    expectError(steps([{}]), 'steps[0]', /got an object/);
    expectError(steps([{ end: true, restart: true }]), 'steps[0]', /exactly one thing/);
    const typo = expectError(steps([{ ad: {} }]), 'steps[0].ad', /unknown field/);
    expect(typo.hint).toBe('did you mean "add"?');
    expectError(steps([{ restart: false }]), 'steps[0].restart', /expected true, got false/);
    expectError(steps([{ end: 1 }]), 'steps[0].end', /expected true, got 1/);
    expectError(steps([{ add: [] }]), 'steps[0].add', /got an empty array/);
    expectError(steps([{ add: {} }]), 'steps[0].add', /at least one source/);
  });

  it('adds rows only to declared sources', () => {
    const table = expectError(steps([{ add: { users: [] } }]), 'steps[0].add.users', /not a declared source/);
    expect(table.hint).toMatch(/tables are static/);
    const typo = expectError(steps([{ add: { click: [] } }]), 'steps[0].add.click', /declared sources: clicks/);
    expect(typo.hint).toBe('did you mean "clicks"?');
    expectError(steps([{ add: { 'no such': [] } }]), 'steps[0].add["no such"]');
    expectError(steps(JSON.parse('[{"add":{"__proto__":[]}}]')), 'steps[0].add.__proto__');
  });

  it('checks added rows against the source columns, naming the cell', () => {
    const good = ['2024-01-01 00:00:00', 1, '/'];
    const list = [{ end: true }, { restart: true }, { add: { clicks: [good, ['2024-01-01 00:00:01', '2', '/']] } }];
    const error = expectError(steps(list), 'steps[2].add.clicks[1][1]', /column "user_id" is INTEGER/);
    expect(error.message).toMatch(/got "2"$/);
    expectError(steps([{ add: { clicks: [good.slice(1)] } }]), 'steps[0].add.clicks[0]', /expected 3 cells/);
    expectError(steps([{ add: { clicks: good } }]), 'steps[0].add.clicks[0]', /expected a row/);
  });

  it('keeps a source named __proto__ as an ordinary key', () => {
    const doc = JSON.parse(
      '{"version":1,"query":"SELECT 1","sources":[{"name":"__proto__","columns":[["a","INTEGER"]]}],' +
        '"steps":[{"add":{"__proto__":[[1]]}}]}',
    ) as unknown;
    const step = parseScenario(doc).steps![0]!;
    expect(Object.getPrototypeOf(step)).toBe(Object.prototype);
    expect('add' in step && Object.hasOwn(step.add, '__proto__')).toBe(true);
    expect('add' in step && Object.getPrototypeOf(step.add)).toBe(Object.prototype);
  });
});

/** A duration's microseconds, or null when the text is not one. */
function parseDuration(text: string): bigint | null {
  const analysis = analyseDuration(text);
  return 'micros' in analysis ? analysis.micros : null;
}

describe('analyseDuration', () => {
  it('parses every unit, singular and plural, case-insensitively, into microseconds', () => {
    const cases: [string, bigint][] = [
      ['1 millisecond', 1_000n],
      ['500 milliseconds', 500_000n],
      ['250 ms', 250_000n],
      ['1 second', 1_000_000n],
      ['10 seconds', 10_000_000n],
      ['3 sec', 3_000_000n],
      ['3 secs', 3_000_000n],
      ['10s', 10_000_000n],
      ['1 minute', 60_000_000n],
      ['2 minutes', 120_000_000n],
      ['5 min', 300_000_000n],
      ['1 hour', 3_600_000_000n],
      ['2 hours', 7_200_000_000n],
      ['1h', 3_600_000_000n],
      ['1 day', 86_400_000_000n],
      ['2 days', 172_800_000_000n],
      ['1d', 86_400_000_000n],
      ['10 SECONDS', 10_000_000n],
      ['1 Hour', 3_600_000_000n],
      ['  10   seconds  ', 10_000_000n],
      ['0 seconds', 0n],
    ];
    for (const [text, micros] of cases) expect(parseDuration(text), text).toBe(micros);
  });

  it('accepts decimals down to the microsecond', () => {
    expect(parseDuration('1.5 seconds')).toBe(1_500_000n);
    expect(parseDuration('0.5 ms')).toBe(500n);
    expect(parseDuration('0.000001 s')).toBe(1n);
    expect(parseDuration('1.25 days')).toBe(108_000_000_000n);
    expect(parseDuration('0.0001 ms')).toBeNull();
  });

  it('accepts up to 2^63 - 1 microseconds, the longest Spark holds', () => {
    expect(parseDuration('106751991 days')).toBe(9_223_372_022_400_000_000n);
    expect(parseDuration('9223372036854775.807 ms')).toBe(2n ** 63n - 1n);
    expect(parseDuration('9223372036854775.808 ms')).toBeNull();
    expect(parseDuration(`1${'0'.repeat(400)} ms`)).toBeNull();
  });

  it('returns negative durations, for the caller to judge', () => {
    expect(parseDuration('-5 seconds')).toBe(-5_000_000n);
  });

  it('rejects months, years and malformed text', () => {
    for (const text of [
      '1 month',
      '2 months',
      '1 year',
      '1 y',
      'ten seconds',
      '',
      '5',
      'seconds',
      '5 m',
      '1 week',
      '1e3 ms',
      '.5 s',
      '5. s',
      '+5 s',
      '5 seconds ago',
      '5 seconds 3 ms',
      '1,5 s',
    ]) {
      expect(parseDuration(text), text).toBeNull();
    }
  });
});
