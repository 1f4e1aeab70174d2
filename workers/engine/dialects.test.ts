import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LESSONS } from '../../src/lessons';
import { clusterScript, NO_SPARK_CUMULATE } from './cluster';
import { flinkScriptErrors, sparkErrors, sparkQueries } from './grammars';
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
 * The one export with no faithful translation, and the message its job raises instead of a query: Spark's window()
 * rejects a slide longer than the window (its analyzer: "The slide duration ... must be less than or equal to the
 * windowDuration"), so a cumulating window's steps [start, start + k * step) are no Spark windows, and one tumbling
 * window of the largest size would emit once, when it closes, not at each step as Tideline (and Flink) do.
 */
const UNTRANSLATABLE: Record<string, string> = {
  'lesson cumulating-windows pyspark': NO_SPARK_CUMULATE,
};

let durationOf: DurationOf;
beforeAll(async () => {
  durationOf = databaseCatalog(await openNodeDatabase()).durationOf;
  // The grammars' own error listener prints every syntax error; the test reads them from validate() instead.
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterAll(() => vi.restoreAllMocks());

describe("exports parse in their target's dialect", () => {
  it.each(DOCUMENTS)('%s: the Flink SQL script', (name, document) => {
    const script = clusterScript(parseScenario(document), 'flink', durationOf);
    expect(flinkScriptErrors(script).errors).toEqual([]);
    expect(script).not.toMatch(/\bstrftime\(/i);
  });

  it.each(DOCUMENTS)('%s: the Spark SQL of the PySpark job', (name, document) => {
    const script = clusterScript(parseScenario(document), 'pyspark', durationOf);
    const queries = sparkQueries(script);
    const untranslatable = UNTRANSLATABLE[`${name} pyspark`];
    if (untranslatable) {
      expect(queries).toEqual([]);
      expect(script).toContain(`raise NotImplementedError(${JSON.stringify(`query_0: ${untranslatable}`)})`);
    } else {
      expect(queries.length).toBeGreaterThan(0);
      expect(sparkErrors(queries)).toEqual([]);
    }
    expect(script).not.toMatch(/\bstrftime\(/i);
  });
});
