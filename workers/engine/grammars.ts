import { FlinkSQL, SparkSQL } from 'dt-sql-parser';

/**
 * How the tests parse an export with a real grammar of its target's dialect: dt-sql-parser's FlinkSQL for each
 * statement of a Flink SQL script, its SparkSQL for each spark.sql("""...""") of a PySpark job.
 */

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

const flink = new FlinkSQL();
const spark = new SparkSQL();

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

/** The FlinkSQL grammar's errors in a Flink SQL script's statements, and how many statements it parsed. */
export function flinkScriptErrors(script: string): { parsed: number; errors: string[] } {
  const sqls = statements(script)
    .filter((statement) => !GRAMMAR_LAGS.test(statement))
    .map((statement) => `${withoutFilters(statement)};`);
  return { parsed: sqls.length, errors: errors(flink, sqls) };
}

/** The queries of a PySpark job's spark.sql("""...""") calls. */
export function sparkQueries(script: string): string[] {
  return [...script.matchAll(/spark\.sql\("""\n([\s\S]*?)\n"""\)/g)].map((match) => match[1]!);
}

/** The SparkSQL grammar's errors in those queries. */
export function sparkErrors(queries: string[]): string[] {
  return errors(spark, queries);
}
