import type { BatchReport, QueryInfo } from '../protocol';
import { pySparkInputs, sparkQuery, sparkSchema } from './cluster';
import { queriesOf, type Scenario, type SourceSpec } from './scenario';
import type { DurationOf } from './sql/windows';
import type { JsonValue } from './values';

/** One batch Tideline ran: what it read per source (null for a no-data batch) and what it emitted. */
export interface BundleBatch {
  input: Record<string, JsonValue[][]> | null;
  output: Pick<BatchReport, 'batchId' | 'watermark' | 'numInputRows' | 'columns' | 'rows'>;
}

/**
 * A reproducible Spark run: each data batch's input as one CSV file per source (header-only when the source read
 * nothing; no file for a no-data batch, which Spark runs by itself), Tideline's output per batch, and a PySpark
 * job that replays the files one per trigger and compares. Paths relative to the bundle's directory.
 */
export function sparkBundle(
  scenario: Scenario,
  query: QueryInfo,
  batches: BundleBatch[],
  durationOf: DurationOf,
): Map<string, string> {
  const files = new Map<string, string>();
  for (const { input, output } of batches) {
    const name = `batch-${String(output.batchId).padStart(5, '0')}`;
    files.set(`expected/${name}.json`, JSON.stringify(output) + '\n');
    if (!input) continue;
    for (const source of scenario.sources)
      files.set(`input/${source.name}/${name}.csv`, csvOf(source, input[source.name] ?? []));
  }
  files.set('job.py', jobPy(scenario, query, durationOf));
  files.set('README.md', readme(scenario, query));
  return files;
}

function csvCell(cell: JsonValue): string {
  if (cell === null) return '';
  const text = typeof cell === 'object' ? JSON.stringify(cell) : String(cell);
  return /[",\r\n]/.test(text) || text === '' ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvOf(source: SourceSpec, rows: JsonValue[][]): string {
  const lines = [source.columns.map(([name]) => csvCell(name)), ...rows.map((row) => row.map(csvCell))];
  return lines.map((cells) => cells.join(',') + '\n').join('');
}

function bundleSource(source: SourceSpec): string[] {
  return [
    `    spark.readStream.schema(${JSON.stringify(sparkSchema(source.columns))})`,
    '    .option("maxFilesPerTrigger", 1).option("header", True)',
    '    .option("escape", \'"\').option("multiLine", True).option("timestampFormat", "yyyy-MM-dd HH:mm:ss[.SSSSSS]")',
    `    .csv(os.path.join(HERE, "input", ${JSON.stringify(source.name)}))`,
  ];
}

/** Python that turns Spark's rows into Tideline's JSON cells and compares per batch and accumulated. */
const COMPARE = `
def cell(value):
    if isinstance(value, datetime.datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        fraction = "%06d" % value.microsecond
        return text if value.microsecond == 0 else text + "." + (fraction[:3] if fraction.endswith("000") else fraction)
    if isinstance(value, (float, decimal.Decimal)):
        rounded = round(float(value), 9)
        return int(rounded) if rounded.is_integer() else rounded
    if isinstance(value, pyspark.sql.Row):
        return {k: cell(v) for k, v in value.asDict().items()}
    return value


def rows_of(rows):
    return [json.dumps([cell(value) for value in row]) for row in rows]


expected = {}
for name in sorted(os.listdir(os.path.join(HERE, "expected"))):
    with open(os.path.join(HERE, "expected", name)) as file:
        batch = json.load(file)
    expected[batch["batchId"]] = rows_of(batch["rows"])
actual = {}


def accumulated(batches):
    ids = sorted(batches)
    if OUTPUT_MODE == "complete":
        return collections.Counter(batches[ids[-1]] if ids else [])
    if OUTPUT_MODE == "update" and KEYS:
        last = {}
        for batch_id in ids:
            for row in batches[batch_id]:
                last[json.dumps([json.loads(row)[i] for i in KEYS])] = row
        return collections.Counter(last.values())
    return collections.Counter(row for batch_id in ids for row in batches[batch_id])


def difference(what, want, got):
    missing, extra = want - got, got - want
    if not missing and not extra:
        return False
    print(what + ": Tideline has, Spark not: " + json.dumps(sorted(missing.elements())))
    print(what + ": Spark has, Tideline not: " + json.dumps(sorted(extra.elements())))
    return True


def compare():
    differs = False
    for batch_id in sorted(set(expected) | set(actual)):
        if batch_id not in expected or batch_id not in actual:
            side = "Tideline" if batch_id in expected else "Spark"
            print("batch %d: only %s ran it" % (batch_id, side))
            continue
        want, got = collections.Counter(expected[batch_id]), collections.Counter(actual[batch_id])
        differs = difference("batch %d" % batch_id, want, got) or differs
    differs = difference(OUTPUT_MODE + " result", accumulated(expected), accumulated(actual)) or differs
    print("Spark and Tideline differ." if differs else "Spark and Tideline agree.")
    return 1 if differs else 0
`;

function jobPy(scenario: Scenario, query: QueryInfo, durationOf: DurationOf): string {
  const keys = query.keyColumns.map((key) => query.columns.indexOf(key));
  return [
    '# Generated by Tideline: replays input/ one file per trigger and compares with expected/ (see README.md).',
    'import collections, datetime, decimal, json, os, sys, tempfile, time',
    '',
    'os.environ["TZ"] = "UTC"',
    'time.tzset()',
    'import pyspark.sql',
    'from pyspark.sql import SparkSession',
    '',
    'HERE = os.path.dirname(os.path.abspath(__file__))',
    `OUTPUT_MODE = ${JSON.stringify(query.outputMode)}`,
    `KEYS = ${JSON.stringify(keys)}`,
    ...pySparkInputs(scenario, bundleSource),
    ...sparkQuery(scenarioQuery(scenario, query), 'query_0', durationOf),
    COMPARE,
    'stream = (',
    `    query_0.writeStream.outputMode(OUTPUT_MODE)`,
    '    .trigger(availableNow=True)',
    '    .option("checkpointLocation", tempfile.mkdtemp(prefix="tideline-"))',
    '    .foreachBatch(lambda frame, batch_id: actual.__setitem__(batch_id, rows_of(frame.collect())))',
    '    .start()',
    ')',
    'stream.awaitTermination()',
    'sys.exit(compare())',
    '',
  ].join('\n');
}

function scenarioQuery(scenario: Scenario, query: QueryInfo): string {
  return queriesOf(scenario).find((spec) => spec.name === query.name)!.query;
}

function readme(scenario: Scenario, query: QueryInfo): string {
  const sources = scenario.sources.map((source) => `\`input/${source.name}/\``).join(', ');
  return `# Tideline's run, to replay on Spark

\`\`\`sh
spark-submit job.py
\`\`\`

${sources}: one CSV file (with a header row) per micro-batch Tideline read data in, named by Tideline's batch id,
holding exactly the rows that batch read; a source that read nothing in that batch has a header-only file, so that
every source's n-th file is the n-th data batch. No-data batches (watermark only) have no file: Spark runs those
by itself. The files' modification times follow the batches, as Spark's file source takes new files oldest first.

\`expected/batch-NNNNN.json\`: what Tideline's query \`${query.name}\` emitted in each batch (\`rows\`, in \`columns\`
order; timestamps as UTC \`YYYY-MM-DD HH:MM:SS[.fff]\`).

\`job.py\` reads the files with Spark's file source (\`maxFilesPerTrigger\` 1, the same schema and watermark), runs
the same query in ${query.outputMode} mode with the availableNow trigger, collects each micro-batch with
\`foreachBatch\`, and compares as multisets of rows:

- each batch whose id both ran (a batch only one of them ran is listed, not counted as a difference);
- the whole result: ${ACCUMULATED[query.outputMode]}.

It prints the rows where they differ and exits with status 1 when they do, 0 when they agree.
`;
}

const ACCUMULATED: Record<QueryInfo['outputMode'], string> = {
  append: 'every row emitted, over all batches',
  update: 'the last row emitted per key',
  complete: "the last batch's table",
};
