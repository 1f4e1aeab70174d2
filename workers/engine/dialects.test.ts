import { readdirSync, readFileSync } from 'node:fs';
import { FlinkSQL, SparkSQL } from 'dt-sql-parser';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LESSONS } from '../../src/lessons';
import { clusterScript } from './cluster';
import { openNodeDatabase } from './node';
import { databaseCatalog } from './streaming/catalog';
import type { DurationOf } from './sql/windows';
import { parseScenario } from './validate';

/**
 * Every export is parsed with a real grammar of its target's dialect: dt-sql-parser's FlinkSQL for the Flink SQL
 * script, its SparkSQL for each spark.sql("""...""") of the PySpark job. The scenarios: every example and lesson.
 */
const EXAMPLES = new URL('../../examples/', import.meta.url);
const DOCUMENTS: [string, unknown][] = [
  ...['', 'nexmark/'].flatMap((dir) =>
    readdirSync(new URL(dir, EXAMPLES))
      .filter((name) => name.endsWith('.json'))
      .map((name): [string, unknown] => [
        `examples/${dir}${name}`,
        JSON.parse(readFileSync(new URL(dir + name, EXAMPLES), 'utf8')),
      ]),
  ),
  ...LESSONS.map((lesson): [string, unknown] => [`lesson ${lesson.id}`, lesson.scenario]),
].map(([name, document]) => [name, withShortTables(document)]);

/** Static tables cut to 20 rows: the grammars take minutes over q13's 10 000 rows, and each row has one shape. */
function withShortTables(document: unknown): unknown {
  const tables = (document as { tables?: { rows: unknown[] }[] }).tables;
  if (!tables) return document;
  return { ...(document as object), tables: tables.map((table) => ({ ...table, rows: table.rows.slice(0, 20) })) };
}

/**
 * Flink SQL the grammar does not know yet: the SESSION window table function, which Flink has had since 1.19
 * ("SESSION(TABLE data [PARTITION BY(keycols, ...)], DESCRIPTOR(timecol), gap)", Flink's window-tvf docs);
 * dt-sql-parser 4.5's FlinkSQL grammar has TUMBLE, HOP and CUMULATE only.
 */
const GRAMMAR_LAGS = /\bTABLE\(SESSION\(/;

/**
 * Exports known not to be in their target's dialect yet, each with why; the test checks they still fail, so a
 * fix must take its entry out. These are open work of the cluster-export issue, not accepted answers.
 */
const NOT_YET: Record<string, string> = {
  'examples/nexmark/q15.json flink': "DuckDB's strftime(ts, '%Y-%m-%d') is not translated to Flink's DATE_FORMAT",
  'examples/nexmark/q17.json flink': "DuckDB's strftime(ts, '%Y-%m-%d') is not translated to Flink's DATE_FORMAT",
  'examples/nexmark/q4.json flink': 'only the outermost window() is rewritten as a window table function',
  'lesson chained-pipeline flink': 'only the outermost window() is rewritten as a window table function',
  'lesson cumulating-windows pyspark': 'Spark has no cumulating window; the job says to rewrite it by hand',
};

/** The errors of each statement, for the target's grammar. */
function errors(grammar: FlinkSQL | SparkSQL, sqls: string[]): string[] {
  return sqls.flatMap((sql) => grammar.validate(sql).map((error) => `${error.message} in: ${sql.slice(0, 120)}`));
}

/** The statements of a script, comments and blank lines left out. */
function statements(script: string): string[] {
  const code = script
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  return code
    .split(/;\s*\n/)
    .map((statement) => statement.trim().replace(/;$/, ''))
    .filter(Boolean);
}

let durationOf: DurationOf;
beforeAll(async () => {
  durationOf = databaseCatalog(await openNodeDatabase()).durationOf;
  // The grammars' own error listener prints every syntax error; the test reads them from validate() instead.
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterAll(() => vi.restoreAllMocks());

function expectParsed(key: string, found: string[]): void {
  if (NOT_YET[key]) expect(found, `${key} parses now: take it out of NOT_YET`).not.toEqual([]);
  else expect(found).toEqual([]);
}

describe("exports parse in their target's dialect", () => {
  const flink = new FlinkSQL();
  const spark = new SparkSQL();

  it.each(DOCUMENTS)('%s: the Flink SQL script', (name, document) => {
    const script = clusterScript(parseScenario(document), 'flink', durationOf);
    const sqls = statements(script)
      .filter((statement) => !GRAMMAR_LAGS.test(statement))
      .map((statement) => `${statement};`);
    expectParsed(`${name} flink`, errors(flink, sqls));
  });

  it.each(DOCUMENTS)('%s: the Spark SQL of the PySpark job', (name, document) => {
    const script = clusterScript(parseScenario(document), 'pyspark', durationOf);
    const queries = [...script.matchAll(/spark\.sql\("""\n([\s\S]*?)\n"""\)/g)].map((match) => match[1]!);
    expect(queries.length).toBeGreaterThan(0);
    expectParsed(`${name} pyspark`, errors(spark, queries));
  });
});
