import { readdirSync, readFileSync } from 'node:fs';
import { FlinkSQL, SparkSQL } from 'dt-sql-parser';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LESSONS } from '../../src/lessons';
import { clusterScript, NO_SPARK_CUMULATE } from './cluster';
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
 * An aggregate's FILTER (WHERE ...) clause, which Flink (Calcite) has and dt-sql-parser 4.5's FlinkSQL grammar has
 * not: Flink's own Nexmark q15 is written `count(*) filter (where price < 10000)`. The grammar reads the statement
 * without them; a condition with brackets in it is not cut, so it still fails to parse.
 */
const withoutFilters = (statement: string) => statement.replace(/\s+FILTER \(WHERE [^()]*\)/gi, '');

/**
 * The one export with no faithful translation, and the message its job raises instead of a query: Spark's window()
 * rejects a slide longer than the window (its analyzer: "The slide duration ... must be less than or equal to the
 * windowDuration"), so a cumulating window's steps [start, start + k * step) are no Spark windows, and one tumbling
 * window of the largest size would emit once, when it closes, not at each step as Tideline (and Flink) do.
 */
const UNTRANSLATABLE: Record<string, string> = {
  'lesson cumulating-windows pyspark': NO_SPARK_CUMULATE,
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

describe("exports parse in their target's dialect", () => {
  const flink = new FlinkSQL();
  const spark = new SparkSQL();

  it.each(DOCUMENTS)('%s: the Flink SQL script', (name, document) => {
    const script = clusterScript(parseScenario(document), 'flink', durationOf);
    const sqls = statements(script)
      .filter((statement) => !GRAMMAR_LAGS.test(statement))
      .map((statement) => `${withoutFilters(statement)};`);
    expect(errors(flink, sqls)).toEqual([]);
    expect(script).not.toMatch(/\bstrftime\(/i);
  });

  it.each(DOCUMENTS)('%s: the Spark SQL of the PySpark job', (name, document) => {
    const script = clusterScript(parseScenario(document), 'pyspark', durationOf);
    const queries = [...script.matchAll(/spark\.sql\("""\n([\s\S]*?)\n"""\)/g)].map((match) => match[1]!);
    const untranslatable = UNTRANSLATABLE[`${name} pyspark`];
    if (untranslatable) {
      expect(queries).toEqual([]);
      expect(script).toContain(`raise NotImplementedError(${JSON.stringify(`query_0: ${untranslatable}`)})`);
    } else {
      expect(queries.length).toBeGreaterThan(0);
      expect(errors(spark, queries)).toEqual([]);
    }
    expect(script).not.toMatch(/\bstrftime\(/i);
  });
});
