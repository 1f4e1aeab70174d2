import type { BatchReport, EngineError, QueryInfo } from '../protocol';
import {
  flinkQueryStatements,
  flinkSourceTable,
  flinkStaticTables,
  pySparkInputs,
  sparkQuery,
  sparkSchema,
} from './cluster';
import { queriesOf, type QuerySpec, type Scenario, type SourceSpec } from './scenario';
import type { DurationOf } from './sql/windows';
import type { InputRecorder } from './streaming/sources';
import type { JsonValue } from './values';

/** One batch Tideline ran: what it read per source (null for a no-data batch) and what it emitted. */
export interface BundleBatch {
  input: Record<string, JsonValue[][]> | null;
  output: Pick<BatchReport, 'batchId' | 'watermark' | 'numInputRows' | 'columns' | 'rows'>;
  /** An `end` step's batch, which closes every window: the end of Flink's input does too; Spark's availableNow not. */
  end?: boolean;
}

/**
 * Records a run for a bundle: its `recorder` is told each batch's input by the streams, `keep` each batch's
 * report. A recording that cannot be the whole run (a run resumed from a checkpoint, one that read more than
 * `maxValues`, a batch whose rows the report cut short) keeps no batches and says why.
 */
export class RunRecording {
  readonly batches: BundleBatch[] = [];
  gap: string | null;
  /** Inputs read whose batch's report has not come yet: a scripted step runs all its batches before reporting. */
  private readonly inputs: BundleBatch['input'][] = [];
  private values = 0;
  private readonly maxValues: number;

  constructor(options: { resumed?: boolean; maxValues?: number } = {}) {
    this.gap = options.resumed ? 'The run went on from a checkpoint: the batches before it were not recorded.' : null;
    this.maxValues = options.maxValues ?? Infinity;
  }

  readonly recorder: InputRecorder = (read) => {
    if (this.gap !== null) return void this.inputs.push(null);
    const rows = read();
    const sources = Object.values(rows);
    this.values += sources.reduce(
      (sum, sourceRows) => sum + sourceRows.reduce((cells, row) => cells + row.length, 0),
      0,
    );
    if (this.values > this.maxValues) this.lose(`The run read more than ${this.maxValues} values.`);
    this.inputs.push(this.gap === null && sources.some((sourceRows) => sourceRows.length > 0) ? rows : null);
  };

  keep({ batchId, watermark, numInputRows, columns, rows, progress }: BatchReport): void {
    if (rows.length < progress.sink.numOutputRows)
      this.lose(
        `Batch ${batchId} emitted ${progress.sink.numOutputRows} rows; its report keeps the last ${rows.length}.`,
      );
    const input = this.inputs.shift() ?? null;
    const output = { batchId, watermark, numInputRows, columns, rows };
    if (this.gap === null) this.batches.push({ input, output, ...(watermark === 'infinity' && { end: true }) });
  }

  private lose(reason: string): void {
    this.gap ??= reason;
    this.batches.length = this.inputs.length = 0;
  }
}

export type BundleTarget = 'spark' | 'flink';

/**
 * The bundle of a recorded run of `scenario` (file name to text), or why there is none. `root` is the directory
 * the files will be in, which a Flink script names by absolute path.
 */
export function bundleFiles(
  target: BundleTarget,
  run: { scenario: Scenario; queries: QueryInfo[]; recording: RunRecording; durationOf: DurationOf },
  root: string,
): { ok: true; files: Map<string, string> } | { ok: false; error: EngineError } {
  const { scenario, queries, recording, durationOf } = run;
  if (queries.length !== 1)
    return {
      ok: false,
      error: {
        message: `A ${target === 'spark' ? 'Spark' : 'Flink'} bundle holds one query.`,
        hint: 'Keep one query in the scenario to export.',
      },
    };
  if (recording.gap !== null)
    return { ok: false, error: { message: recording.gap, hint: 'Start the run over, then bundle it.' } };
  const files =
    target === 'spark'
      ? sparkBundle(scenario, queries[0]!, recording.batches, durationOf)
      : flinkBundle(scenario, queries[0]!, recording.batches, durationOf, root);
  return { ok: true, files };
}

/** How a bundle's CSV files spell a row: Spark's file source reads a header row; Flink's csv format has none. */
interface CsvDialect {
  header: boolean;
  nullCell: string;
}

const SPARK_CSV: CsvDialect = { header: true, nullCell: '' };
/** Flink's csv format reads an empty field of a number as an error, not NULL: NULL is spelled out ('csv.null-literal'). */
const FLINK_CSV: CsvDialect = { header: false, nullCell: '\\N' };

/**
 * Each data batch's input as one CSV file per source (empty, or header-only, when the source read nothing; no file
 * for a no-data batch), and Tideline's output per batch. Paths relative to the bundle's directory.
 */
function runFiles(scenario: Scenario, batches: BundleBatch[], csv: CsvDialect): Map<string, string> {
  const files = new Map<string, string>();
  for (const { input, output } of batches) {
    const name = `batch-${String(output.batchId).padStart(5, '0')}`;
    files.set(`expected/${name}.json`, JSON.stringify(output) + '\n');
    if (!input) continue;
    for (const source of scenario.sources)
      files.set(`input/${source.name}/${name}.csv`, csvOf(source, input[source.name] ?? [], csv));
  }
  return files;
}

/**
 * A reproducible Spark run: the run's files (an `end` step's batch left out), and a PySpark job that replays the
 * input one file per trigger and compares per batch and in all.
 */
function sparkBundle(
  scenario: Scenario,
  query: QueryInfo,
  batches: BundleBatch[],
  durationOf: DurationOf,
): Map<string, string> {
  const files = runFiles(
    scenario,
    batches.filter((batch) => !batch.end),
    SPARK_CSV,
  );
  files.set('job.py', jobPy(scenario, query, durationOf));
  files.set('README.md', sparkReadme(scenario, query));
  return files;
}

/**
 * A reproducible Flink run: the run's files, a Flink SQL script that reads the input with the filesystem connector
 * (under `root`, the bundle's absolute directory: Flink's task managers resolve a relative path against their own)
 * and writes the query's changelog to output/, and a Python script that compares it with Tideline's result.
 */
function flinkBundle(
  scenario: Scenario,
  query: QueryInfo,
  batches: BundleBatch[],
  durationOf: DurationOf,
  root: string,
): Map<string, string> {
  const files = runFiles(scenario, batches, FLINK_CSV);
  files.set('job.sql', jobSql(scenario, query, durationOf, root.replace(/\/+$/, '')));
  files.set('compare.py', comparePy(query));
  files.set('README.md', flinkReadme(scenario, query, root));
  return files;
}

function csvCell(cell: JsonValue, csv: CsvDialect): string {
  if (cell === null) return csv.nullCell;
  const text = typeof cell === 'object' ? JSON.stringify(cell) : String(cell);
  return /[",\r\n]/.test(text) || text === '' ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvOf(source: SourceSpec, rows: JsonValue[][], csv: CsvDialect): string {
  const lines = [...(csv.header ? [source.columns.map(([name]) => name)] : []), ...rows];
  return lines.map((cells) => cells.map((cell) => csvCell(cell, csv)).join(',') + '\n').join('');
}

function bundleSource(source: SourceSpec): string[] {
  return [
    `    spark.readStream.schema(${JSON.stringify(sparkSchema(source.columns))})`,
    '    .option("maxFilesPerTrigger", 1).option("header", True)',
    '    .option("escape", \'"\').option("multiLine", True).option("timestampFormat", "yyyy-MM-dd HH:mm:ss[.SSSSSS]")',
    `    .csv(os.path.join(HERE, "input", ${JSON.stringify(source.name)}))`,
  ];
}

/**
 * Python that reads Tideline's output per batch (`expected`) and turns rows into comparable JSON cells (a timestamp
 * as UTC text without trailing zeros, a number rounded to 9 places), folds batches into the whole result and prints
 * where two results differ. ENGINE, OUTPUT_MODE and KEYS come first.
 */
const COMMON_PY = `
TIMESTAMP = re.compile(r"\\d{4}-\\d\\d-\\d\\d[ T]\\d\\d:\\d\\d:\\d\\d(\\.\\d*)?")


def cell(value):
    if isinstance(value, datetime.datetime):
        value = value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, str) and TIMESTAMP.fullmatch(value):
        text = value.replace("T", " ")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, (float, decimal.Decimal)):
        rounded = round(float(value), 9)
        return int(rounded) if rounded.is_integer() else rounded
    if isinstance(value, dict) or hasattr(value, "asDict"):
        fields = value if isinstance(value, dict) else value.asDict()
        return {k: cell(v) for k, v in fields.items()}
    return value


def rows_of(rows):
    return [json.dumps([cell(value) for value in row]) for row in rows]


expected = {}
for name in sorted(os.listdir(os.path.join(HERE, "expected"))):
    with open(os.path.join(HERE, "expected", name)) as file:
        batch = json.load(file)
    expected[batch["batchId"]] = rows_of(batch["rows"])


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
    print(what + ": Tideline has, " + ENGINE + " not: " + json.dumps(sorted(missing.elements())))
    print(what + ": " + ENGINE + " has, Tideline not: " + json.dumps(sorted(extra.elements())))
    return True
`;

/** The Python header every comparing script starts with: its imports, where it is, and the query's facts. */
function pythonHeader(engine: string, query: QueryInfo, modules: string): string[] {
  return [
    `import collections, datetime, decimal, json, os, re, sys${modules}`,
    '',
    'HERE = os.path.dirname(os.path.abspath(__file__))',
    `ENGINE = ${JSON.stringify(engine)}`,
    `OUTPUT_MODE = ${JSON.stringify(query.outputMode)}`,
    `KEYS = ${JSON.stringify(query.keyColumns.map((key) => query.columns.indexOf(key)))}`,
  ];
}

/** Spark's side: each micro-batch's rows as foreachBatch collects them, compared per batch id and in all. */
const SPARK_COMPARE_PY = `
actual = {}


def compare():
    differs = False
    for batch_id in sorted(set(expected) | set(actual)):
        if batch_id not in expected or batch_id not in actual:
            side = "Tideline" if batch_id in expected else ENGINE
            print("batch %d: only %s ran it" % (batch_id, side))
            continue
        want, got = collections.Counter(expected[batch_id]), collections.Counter(actual[batch_id])
        differs = difference("batch %d" % batch_id, want, got) or differs
    differs = difference(OUTPUT_MODE + " result", accumulated(expected), accumulated(actual)) or differs
    print(ENGINE + " and Tideline differ." if differs else ENGINE + " and Tideline agree.")
    return 1 if differs else 0
`;

/**
 * Flink's side: the changelog its filesystem sink wrote in Debezium JSON (an update is a delete of the row before,
 * then an insert of the row after), folded into Flink's result table; part files being written start with a dot.
 */
const FLINK_COMPARE_PY = `

def changelog():
    table = collections.Counter()
    directory = os.path.join(HERE, "output")
    if not os.path.isdir(directory):
        sys.exit("No output/ yet: run job.sql first (see README.md).")
    for name in sorted(os.listdir(directory)):
        if name.startswith("."):
            continue
        with open(os.path.join(directory, name)) as file:
            for line in filter(str.strip, file):
                change = json.loads(line)
                for side, sign in (("before", -1), ("after", 1)):
                    if change.get(side) is not None:
                        table[json.dumps([cell(change[side][column]) for column in COLUMNS])] += sign
    return +table


differs = difference(OUTPUT_MODE + " result", accumulated(expected), changelog())
print(ENGINE + " and Tideline differ." if differs else ENGINE + " and Tideline agree.")
sys.exit(1 if differs else 0)
`;

function jobPy(scenario: Scenario, query: QueryInfo, durationOf: DurationOf): string {
  return [
    '# Generated by Tideline: replays input/ one file per trigger and compares with expected/ (see README.md).',
    ...pythonHeader('Spark', query, ', tempfile, time'),
    '',
    'os.environ["TZ"] = "UTC"',
    'time.tzset()',
    'from pyspark.sql import SparkSession',
    '',
    ...pySparkInputs(scenario, bundleSource),
    ...sparkQuery(querySpecOf(scenario, query).query, 'query_0', durationOf),
    COMMON_PY,
    SPARK_COMPARE_PY,
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

function comparePy(query: QueryInfo): string {
  return [
    "# Generated by Tideline: compares Flink's output/ with expected/, Tideline's (see README.md).",
    ...pythonHeader('Flink', query, ''),
    `COLUMNS = ${JSON.stringify(query.columns)}`,
    COMMON_PY,
    FLINK_COMPARE_PY,
  ].join('\n');
}

/**
 * The Flink SQL script: the sources over input/ (one bounded input each, read by one task), the query, its
 * changelog into output/. The filesystem sink commits its files at checkpoints, hence the interval; dml-sync makes
 * sql-client wait for the job to end.
 */
function jobSql(scenario: Scenario, query: QueryInfo, durationOf: DurationOf, root: string): string {
  const csv = (source: SourceSpec) => ({
    connector: 'filesystem',
    path: `${root}/input/${source.name}`,
    format: 'csv',
    'csv.null-literal': FLINK_CSV.nullCell,
  });
  return [
    "-- Generated by Tideline: reads input/ with Flink's filesystem connector, writes the changelog to output/.",
    "SET 'table.local-time-zone' = 'UTC';",
    "SET 'parallelism.default' = '1';",
    "SET 'execution.checkpointing.interval' = '1s';",
    "SET 'table.dml-sync' = 'true';",
    '',
    ...scenario.sources.flatMap((source) => flinkSourceTable(source, csv(source))),
    ...flinkStaticTables(scenario.tables),
    ...flinkQueryStatements(
      querySpecOf(scenario, query),
      { connector: 'filesystem', path: `${root}/output`, format: 'debezium-json' },
      durationOf,
    ),
  ].join('\n');
}

function querySpecOf(scenario: Scenario, query: QueryInfo): QuerySpec {
  return queriesOf(scenario).find((spec) => spec.name === query.name)!;
}

/** The README's words on expected/ and on the whole result both engines are compared by. */
function expectedWords(query: QueryInfo): { expected: string; whole: string } {
  return {
    expected: `\`expected/batch-NNNNN.json\`: what Tideline's query \`${query.name}\` emitted in each batch (\`rows\`, in
\`columns\` order; timestamps as UTC \`YYYY-MM-DD HH:MM:SS[.fff]\`).`,
    whole: `the whole result: ${ACCUMULATED[query.outputMode]}`,
  };
}

function inputDirectories(scenario: Scenario): string {
  return scenario.sources.map((source) => `\`input/${source.name}/\``).join(', ');
}

function sparkReadme(scenario: Scenario, query: QueryInfo): string {
  const { expected, whole } = expectedWords(query);
  return `# Tideline's run, to replay on Spark

\`\`\`sh
spark-submit job.py
\`\`\`

${inputDirectories(scenario)}: one CSV file (with a header row) per micro-batch Tideline read data in, named by Tideline's batch id,
holding exactly the rows that batch read; a source that read nothing in that batch has a header-only file, so that
every source's n-th file is the n-th data batch. No-data batches (watermark only) have no file: Spark runs those
by itself. The files' modification times follow the batches, as Spark's file source takes new files oldest first.

${expected}

\`job.py\` reads the files with Spark's file source (\`maxFilesPerTrigger\` 1, the same schema and watermark), runs
the same query in ${query.outputMode} mode with the availableNow trigger, collects each micro-batch with
\`foreachBatch\`, and compares as multisets of rows:

- each batch whose id both ran (a batch only one of them ran is listed, not counted as a difference);
- ${whole}.

It prints the rows where they differ and exits with status 1 when they do, 0 when they agree.
`;
}

function flinkReadme(scenario: Scenario, query: QueryInfo, root: string): string {
  const { expected, whole } = expectedWords(query);
  return `# Tideline's run, to replay on Flink

\`\`\`sh
sql-client.sh -f job.sql   # writes output/
python3 compare.py         # compares output/ with expected/
\`\`\`

Written for Flink 1.19 or later (window table functions, \`CREATE TABLE ... AS\`, the Debezium JSON format on the
filesystem connector) and not run on a Flink cluster. \`job.sql\` names its directories by absolute path, under
\`${root}\`, where this bundle was written: Flink's task managers must see them there (a local cluster does); if
you move the bundle, change that path in \`job.sql\`.

${inputDirectories(scenario)}: one CSV file (no header row: Flink's csv format has none; \`${FLINK_CSV.nullCell}\` is NULL) per micro-batch
Tideline read data in, named by Tideline's batch id, holding exactly the rows that batch read (empty when the source
read nothing in it).

${expected} An \`end\` step's batch is there too: it closes every window, as the end of Flink's input does.

\`job.sql\` reads each source's directory with the filesystem connector (the same columns and \`WATERMARK FOR\` with
the same delay), runs the query and writes its changelog to \`output/\` as Debezium JSON. \`compare.py\` folds
that changelog into Flink's result table and compares it, as a multiset of rows, with ${whole}. It prints
the rows where they differ and exits with status 1 when they do, 0 when they agree.

Flink has no micro-batches: it reads all the files as one bounded input, its watermark rises as it reads and, at the
end of the input, past every window. So only the whole result is compared, and two things can differ that are not
bugs: a row Tideline dropped as late (its watermark moves once per batch) may count in Flink, and a window still open
when Tideline's run stopped (no \`end\` step) is closed by Flink.
`;
}
const ACCUMULATED: Record<QueryInfo['outputMode'], string> = {
  append: 'every row emitted, over all batches',
  update: 'the last row emitted per key',
  complete: "the last batch's table",
};
