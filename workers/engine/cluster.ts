import {
  queriesOf,
  type ColumnSpec,
  type QuerySpec,
  type Scenario,
  type SourceSpec,
  type TableSpec,
  type TriggerSpec,
} from './scenario';
import { findTableFunctions, quote, type DurationOf, type WindowSpec } from './sql/windows';
import {
  applyEdits,
  closingBracket,
  isSymbol,
  isWord,
  significant,
  splitTopLevel,
  textOf,
  type Edit,
  type Token,
} from './sql/tokens';
import type { JsonValue } from './values';

/**
 * "Take it to a cluster": the scenario as a PySpark Structured Streaming script (rate source,
 * withWatermark, Spark SQL with window()/session_window(), outputMode, trigger) or as a Flink SQL
 * script (datagen tables with WATERMARK FOR, window table functions, a print sink). The synthetic
 * data differs (the rate and datagen connectors make their own); the query's semantics carry over.
 * A file source reads the same files: Spark's file source, Flink's filesystem connector.
 */
export type ClusterTarget = 'pyspark' | 'flink';

export function clusterScript(scenario: Scenario, target: ClusterTarget, durationOf: DurationOf): string {
  return target === 'pyspark' ? pySpark(scenario, durationOf) : flinkSql(scenario, durationOf);
}

function seconds(us: bigint | number): string {
  const value = Number(us) / 1e6;
  return `${value} second${value === 1 ? '' : 's'}`;
}

/** The Spark SQL and Flink SQL spellings of a window over the query's stream. */
function sparkWindowCall(spec: WindowSpec): string | null {
  const ts = spec.timeColumn;
  if (spec.kind === 'session') return `session_window(${ts}, '${seconds(spec.gapUs)}')`;
  if (spec.kind === 'cumulate') return null;
  const args = [`'${seconds(spec.sizeUs)}'`];
  if (spec.kind === 'hop' || spec.offsetUs !== 0n) args.push(`'${seconds(spec.slideUs)}'`);
  if (spec.offsetUs !== 0n) args.push(`'${seconds(spec.offsetUs)}'`);
  return `window(${ts}, ${args.join(', ')})`;
}

function flinkInterval(us: bigint | number): string {
  return `INTERVAL '${Number(us) / 1e6}' SECOND`;
}

function flinkTableFunction(spec: WindowSpec): string {
  const table = `TABLE ${spec.source}`;
  const descriptor = `DESCRIPTOR(${spec.timeColumn})`;
  if (spec.kind === 'session') {
    const partition = spec.partitionBy.length ? ` PARTITION BY ${spec.partitionBy.join(', ')}` : '';
    return `TABLE(SESSION(${table}${partition}, ${descriptor}, ${flinkInterval(spec.gapUs)}))`;
  }
  const offset = spec.offsetUs !== 0n ? `, ${flinkInterval(spec.offsetUs)}` : '';
  if (spec.kind === 'tumble') return `TABLE(TUMBLE(${table}, ${descriptor}, ${flinkInterval(spec.sizeUs)}${offset}))`;
  const kind = spec.kind === 'hop' ? 'HOP' : 'CUMULATE';
  return `TABLE(${kind}(${table}, ${descriptor}, ${flinkInterval(spec.slideUs)}, ${flinkInterval(spec.sizeUs)}${offset}))`;
}

/** Each token's bracket depth. */
function depths(tokens: { text: string; kind: string }[]): number[] {
  let depth = 0;
  return tokens.map((token) => {
    if (token.kind === 'symbol' && token.text === ')') depth--;
    const at = depth;
    if (token.kind === 'symbol' && token.text === '(') depth++;
    return at;
  });
}

/** DuckDB's struct literal `{'a': x, 'b': y}` as Spark SQL spells it: `named_struct('a', x, 'b', y)`. */
function structsToSpark(sql: string): string {
  const tokens = significant(sql);
  const edits: Edit[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (!isSymbol(tokens[i], '{')) continue;
    let close = i;
    for (let depth = 0; close < tokens.length; close++) {
      if (isSymbol(tokens[close], '{')) depth++;
      else if (isSymbol(tokens[close], '}') && --depth === 0) break;
    }
    if (close >= tokens.length) return sql;
    const fields = splitTopLevel(tokens.slice(i + 1, close)).map((field) => {
      const [key, colon, ...value] = field;
      if (key?.kind !== 'string' || !isSymbol(colon, ':')) return textOf(sql, field);
      return `${key.text}, ${structsToSpark(textOf(sql, value))}`;
    });
    edits.push({ start: tokens[i]!.start, end: tokens[close]!.end, text: `named_struct(${fields.join(', ')})` });
    i = close;
  }
  return applyEdits(sql, edits);
}

/** The end (exclusive) of the GROUP BY items from `first`, at bracket depth `level`. */
function groupByEnd(tokens: Token[], depth: number[], first: number, level: number): number {
  let end = first;
  while (
    end < tokens.length &&
    depth[end]! >= level &&
    !(
      depth[end] === level &&
      (isWord(tokens[end], 'HAVING', 'ORDER', 'LIMIT', 'QUALIFY') ||
        (isWord(tokens[end], 'WINDOW') && !isSymbol(tokens[end + 1], '(')))
    )
  )
    end++;
  return end;
}

/** Why a query with Flink's CUMULATE is not in the PySpark job: said in a comment, and raised when the job runs. */
export const NO_SPARK_CUMULATE =
  "Spark has no cumulating window (Flink's CUMULATE, which Tideline ran): Spark's window() takes no slide longer " +
  'than the window, and no Spark query emits each step of a growing window as the watermark passes it. ' +
  'This query has no faithful Spark translation; rewrite it by hand.';

/**
 * Flink's window TVF form rewritten to Spark's window() in the GROUP BY of the SELECT that reads it;
 * that SELECT's window_start/window_end become window.start/window.end, under their Flink names, so
 * queries around it read on unchanged. `sql` null when Spark has no spelling for it (the note says why).
 */
function toSparkSql(duckdbSql: string, durationOf: DurationOf): { sql: string | null; note?: string } {
  const formatted = strftimeToJava(structsToSpark(duckdbSql), 'date_format', sparkString);
  const sql = formatted.sql;
  const tokens = significant(sql);
  const depth = depths(tokens);
  const calls = findTableFunctions(sql, tokens, durationOf);
  const edits: Edit[] = [];
  for (const call of calls) {
    const window = sparkWindowCall(call.spec);
    if (!window) return { sql: null, note: NO_SPARK_CUMULATE };
    const at = tokens.findIndex((token) => token.start === call.start);
    const level = depth[at]!;
    const select = tokens.findLastIndex((token, i) => i < at && depth[i] === level && isWord(token, 'SELECT'));
    const from = tokens.findLastIndex((token, i) => i < at && depth[i] === level && isWord(token, 'FROM'));
    edits.push({ start: call.start, end: call.end, text: call.spec.source });
    const renames: Record<string, string> = {
      window_start: 'window.start',
      window_end: 'window.end',
      window_time: 'window_time(window)',
    };
    for (let i = select + 1; i < from; i++) {
      const renamed = renames[tokens[i]!.text.toLowerCase()];
      if (!renamed || tokens[i]!.kind !== 'word' || isSymbol(tokens[i - 1], '.')) continue;
      const aliased = isWord(tokens[i + 1], 'AS');
      edits.push({
        start: tokens[i]!.start,
        end: tokens[i]!.end,
        text: aliased ? renamed : `${renamed} AS ${tokens[i]!.text}`,
      });
    }
    const group = tokens.findIndex(
      (token, i) => i > at && depth[i] === level && isWord(token, 'GROUP') && isWord(tokens[i + 1], 'BY'),
    );
    if (group >= 0) {
      const end = groupByEnd(tokens, depth, group + 2, level);
      const items = splitTopLevel(tokens.slice(group + 2, end));
      const kept = items.filter((item) => !(item.length === 1 && /^window_(start|end|time)$/i.test(item[0]!.text)));
      edits.push({
        start: tokens[group + 2]!.start,
        end: tokens[end - 1]!.end,
        text: [window, ...kept.map((item) => textOf(sql, item))].join(', '),
      });
    }
  }
  return { sql: applyEdits(sql, edits), ...(formatted.note && { note: formatted.note }) };
}

/** DuckDB's strftime specifiers as Java date-time pattern letters (Flink's DATE_FORMAT, Spark's date_format). */
const JAVA_DATE_LETTERS: Record<string, string> = {
  Y: 'yyyy',
  y: 'yy',
  m: 'MM',
  '-m': 'M',
  d: 'dd',
  '-d': 'd',
  H: 'HH',
  '-H': 'H',
  I: 'hh',
  '-I': 'h',
  M: 'mm',
  '-M': 'm',
  S: 'ss',
  '-S': 's',
  g: 'SSS',
  p: 'a',
  a: 'EEE',
  A: 'EEEE',
  b: 'MMM',
  B: 'MMMM',
  j: 'DDD',
  '-j': 'D',
};

/** A strftime format as a Java date-time pattern, its text quoted; null for a specifier without one (%f, %U, %z...). */
function javaDatePattern(format: string): string | null {
  let pattern = '';
  for (const part of format.match(/%-?.|[^%]+|%/gs) ?? []) {
    if (part === '%%') pattern += '%';
    else if (part.startsWith('%')) {
      const letters = JAVA_DATE_LETTERS[part.slice(1)];
      if (letters === undefined) return null;
      pattern += letters;
    } else pattern += part.replace(/[^\s\-:/.,0-9]+/g, (text) => `'${text.replaceAll("'", "''")}'`);
  }
  return pattern;
}

const flinkString = (text: string) => `'${text.replaceAll("'", "''")}'`;
/** Spark SQL doubles no quote inside a literal (`'a''b'` is two literals): a pattern with one goes in double quotes. */
const sparkString = (text: string) => (!text.includes("'") ? `'${text}'` : !text.includes('"') ? `"${text}"` : null);

/**
 * DuckDB's `strftime(ts, '%Y-%m-%d')` as the target's `name(ts, 'yyyy-MM-dd')`; a format without a Java pattern is
 * left as it is, with a note.
 */
function strftimeToJava(
  sql: string,
  name: string,
  literal: (pattern: string) => string | null,
): { sql: string; note?: string } {
  const tokens = significant(sql);
  const edits: Edit[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (!isWord(tokens[i], 'STRFTIME') || !isSymbol(tokens[i + 1], '(')) continue;
    const close = closingBracket(tokens, i + 1);
    const args = splitTopLevel(tokens.slice(i + 2, close));
    const format = args.findIndex((arg) => arg.length === 1 && arg[0]!.kind === 'string');
    const pattern = format < 0 ? null : javaDatePattern(args[format]![0]!.text.slice(1, -1).replaceAll("''", "'"));
    const quoted = pattern === null ? null : literal(pattern);
    if (args.length !== 2 || quoted === null)
      return { sql, note: `Rewrite strftime(...) with ${name}(timestamp, 'Java date pattern') by hand.` };
    const value = textOf(sql, args[1 - format]!);
    edits.push({ start: tokens[i]!.start, end: tokens[close]!.end, text: `${name}(${value}, ${quoted})` });
  }
  return { sql: applyEdits(sql, edits) };
}

/** Words Flink's parser (Calcite) reserves that queries use as column names: as an alias, Flink needs them quoted. */
const FLINK_RESERVED = new Set(
  'AVG COUNT CURRENT DATE DAY END FINAL HOUR LANGUAGE MAX MIN MINUTE MONTH POSITION RANK RESULT ROW ROWS SECOND SUM TIME TIMESTAMP USER VALUE WINDOW YEAR'.split(
    ' ',
  ),
);

/** Of those, the ones that are never a keyword in a query Tideline runs: quoted wherever they stand. */
const FLINK_RESERVED_NOUNS = new Set(['FINAL', 'LANGUAGE', 'POSITION', 'RESULT', 'USER', 'VALUE']);

/**
 * Reserved words used as column names, quoted as Flink reads them: an alias (`AS \`count\``), a qualified
 * column (`S.\`value\``) and the nouns anywhere (`user`); a type after AS inside CAST(...) stays as it is.
 */
function quoteFlinkAliases(sql: string): string {
  const tokens = significant(sql);
  const openers: (string | undefined)[] = [];
  const edits: Edit[] = [];
  tokens.forEach((token, i) => {
    if (isSymbol(token, '(')) openers.push(tokens[i - 1]?.text.toUpperCase());
    else if (isSymbol(token, ')')) openers.pop();
    else if (
      token.kind === 'word' &&
      FLINK_RESERVED.has(token.text.toUpperCase()) &&
      !isSymbol(tokens[i + 1], '(') &&
      (isSymbol(tokens[i - 1], '.') ||
        FLINK_RESERVED_NOUNS.has(token.text.toUpperCase()) ||
        (isWord(tokens[i - 1], 'AS') && !['CAST', 'TRY_CAST'].includes(openers.at(-1) ?? '')))
    )
      edits.push({ start: token.start, end: token.end, text: `\`${token.text}\`` });
  });
  return applyEdits(sql, edits);
}

/** The query in Flink SQL; `sql` null when Flink has no spelling for it (the note says why). */
/** The query in Flink SQL, after the views it reads; `sql` null when Flink has no spelling for it (the note says why). */
interface FlinkQuery {
  sql: string | null;
  views: string[];
  note?: string;
}

/** The query in Flink SQL; views it needs are named `${name}_input_1`, `_2`... */
function toFlinkSql(sql: string, name: string, durationOf: DurationOf): FlinkQuery {
  if (significant(sql).some((token) => isSymbol(token, '{')))
    return {
      sql: null,
      views: [],
      note:
        "DuckDB's struct literal {...} has no Flink SQL spelling, and Flink's MAX takes no ROW: write this query " +
        'with ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ... DESC) and keep row 1, as Nexmark q18 does. ' +
        "Tideline's query, for reference:",
    };
  const formatted = strftimeToJava(avgsToDouble(sql), 'DATE_FORMAT', flinkString);
  let views = 0;
  const windowed = windowsToFlink(formatted.sql, () => `${name}_input_${++views}`, durationOf);
  const note = [formatted.note, windowed.note].filter(Boolean).join(' ');
  return {
    sql: quoteFlinkAliases(windowed.sql),
    views: windowed.views.map(quoteFlinkAliases),
    ...(note && { note }),
  };
}

/** DuckDB's avg is a DOUBLE whatever it averages; Flink's AVG of an integer is an integer: its argument is cast. */
function avgsToDouble(sql: string): string {
  const tokens = significant(sql);
  const edits: Edit[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (!isWord(tokens[i], 'AVG') || !isSymbol(tokens[i + 1], '(')) continue;
    const close = closingBracket(tokens, i + 1);
    const first = isWord(tokens[i + 2], 'DISTINCT') ? i + 3 : i + 2;
    if (close < 0 || first >= close) continue;
    const argument = textOf(sql, tokens.slice(first, close));
    edits.push({ start: tokens[first]!.start, end: tokens[close - 1]!.end, text: `CAST(${argument} AS DOUBLE)` });
    i = close;
  }
  return applyEdits(sql, edits);
}

const BY_HAND = 'Rewrite window(...) as a Flink window table function by hand.';

const isWindowCall = (tokens: Token[], i: number) =>
  isWord(tokens[i], 'WINDOW', 'SESSION_WINDOW') && isSymbol(tokens[i + 1], '(');

/**
 * Spark's `GROUP BY window(ts, ...)` (or session_window) rewritten at every level of the query to a Flink window
 * table function over the relation that level reads. A subquery read so becomes a temporary view (`views`, in the
 * order to create them), as Flink's cascading window aggregation does: the TVF takes a table. A level that selects
 * window_time groups by it, which keeps it a time attribute for the level above.
 */
function windowsToFlink(
  sql: string,
  newView: () => string,
  durationOf: DurationOf,
): { sql: string; views: string[]; note?: string } {
  const tokens = significant(sql);
  const depth = depths(tokens);
  const views: string[] = [];
  const edits: Edit[] = [];
  const hoisted: [number, number][] = [];
  const outside = (i: number) => hoisted.every(([first, last]) => i < first || i > last);
  const calls = tokens.flatMap((_, i) => (isWindowCall(tokens, i) ? [i] : [])).sort((a, b) => depth[a]! - depth[b]!);
  for (const at of calls) {
    if (!outside(at)) continue;
    const level = depth[at]!;
    const atLevel = (i: number, ...words: string[]) => depth[i] === level && isWord(tokens[i], ...words);
    const from = tokens.findLastIndex((_, i) => i < at && atLevel(i, 'FROM'));
    const end = tokens.findIndex((_, i) => i > from && atLevel(i, 'WHERE', 'GROUP'));
    const group = tokens.findIndex((_, i) => i > from && atLevel(i, 'GROUP'));
    if (from < 0 || end < 0 || group < 0) return { sql, views: [], note: BY_HAND };
    let table = tokens[from + 1]!.text;
    if (isSymbol(tokens[from + 1], '(') && closingBracket(tokens, from + 1) === end - 1) {
      const inner = windowsToFlink(textOf(sql, tokens.slice(from + 2, end - 1)), newView, durationOf);
      if (inner.note) return { sql, views: [], note: inner.note };
      table = newView();
      views.push(...inner.views, `CREATE TEMPORARY VIEW ${table} AS\n${inner.sql.trim()}`);
      hoisted.push([from + 1, end - 1]);
    } else if (end !== from + 2 || tokens[from + 1]!.kind !== 'word') return { sql, views: [], note: BY_HAND };
    const close = closingBracket(tokens, at + 1);
    const keys = splitTopLevel(tokens.slice(group + 2, groupByEnd(tokens, depth, group + 2, level)))
      .filter((item) => item.length === 1 && item[0]!.kind === 'word')
      .map((item) => item[0]!.text);
    const select = tokens.findLastIndex((_, i) => i < from && atLevel(i, 'SELECT'));
    const timed = tokens.slice(select, from).some((token) => isWord(token, 'WINDOW_TIME'));
    edits.push(
      {
        start: tokens[from + 1]!.start,
        end: tokens[end - 1]!.end,
        text: flinkTableFunction(flinkWindowSpec(sql, tokens.slice(at, close + 1), table, keys, durationOf)),
      },
      {
        start: tokens[at]!.start,
        end: tokens[close]!.end,
        text: `window_start, window_end${timed ? ', window_time' : ''}`,
      },
    );
  }
  return { sql: applyEdits(sql, [...edits, ...windowReferences(tokens, outside)]), views };
}

/** The window of a `window(ts, size[, slide[, offset]])` or `session_window(ts, gap)` call over `table`. */
function flinkWindowSpec(
  sql: string,
  call: Token[],
  table: string,
  keys: string[],
  durationOf: DurationOf,
): WindowSpec {
  const args = splitTopLevel(call.slice(2, -1));
  const durations = args.slice(1).map((arg) => durationOf(textOf(sql, arg), 'window'));
  const session = isWord(call[0], 'SESSION_WINDOW');
  return {
    kind: session ? 'session' : durations[1] !== undefined && durations[1] !== durations[0] ? 'hop' : 'tumble',
    syntax: 'flink',
    source: table,
    timeColumn: textOf(sql, args[0]!),
    sizeUs: durations[0]!,
    slideUs: durations[1] ?? durations[0]!,
    offsetUs: durations[2] ?? 0n,
    gapUs: durations[0]!,
    partitionBy: session ? keys : [],
  };
}

/** Spark's window column as Flink's columns: `window.start` as window_start, `window_time(window)`, `window`. */
function windowReferences(tokens: Token[], outside: (i: number) => boolean): Edit[] {
  const edits: Edit[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const spark = (at: number) => isWord(tokens[at], 'WINDOW', 'SESSION_WINDOW');
    if (!outside(i)) continue;
    if (isWord(token, 'WINDOW_TIME') && isSymbol(tokens[i + 1], '(') && spark(i + 2) && isSymbol(tokens[i + 3], ')')) {
      edits.push({ start: token.start, end: tokens[i + 3]!.end, text: 'window_time' });
      i += 3;
    } else if (spark(i) && isSymbol(tokens[i + 1], '.') && tokens[i + 2]) {
      edits.push({ start: token.start, end: tokens[i + 2]!.end, text: `window_${tokens[i + 2]!.text.toLowerCase()}` });
      i += 2;
    } else if (spark(i) && !isSymbol(tokens[i + 1], '('))
      edits.push({ start: token.start, end: token.end, text: 'window_start, window_end' });
  }
  return edits;
}

const FLINK_TYPES: Record<string, string> = {
  VARCHAR: 'STRING',
  TEXT: 'STRING',
  STRING: 'STRING',
  INTEGER: 'INT',
  TIMESTAMP: 'TIMESTAMP(3)',
};
const SPARK_TYPES: Record<string, string> = {
  VARCHAR: 'string',
  TEXT: 'string',
  STRING: 'string',
  INTEGER: 'int',
  BIGINT: 'bigint',
  DOUBLE: 'double',
  FLOAT: 'float',
  BOOLEAN: 'boolean',
  TIMESTAMP: 'timestamp',
  DATE: 'date',
};

const flinkType = (type: string) => FLINK_TYPES[type] ?? type;
const sparkType = (type: string) => SPARK_TYPES[type] ?? (type.startsWith('DECIMAL') ? type.toLowerCase() : 'string');

function rateOf(source: SourceSpec): number {
  return source.generator?.rate ?? 1000;
}

/** A column of a rate-source row (`timestamp`, `value`) standing in for the scenario's column. */
function sparkColumnFromRate([name, type]: ColumnSpec, source: SourceSpec): string {
  if (name === source.eventTime) return `timestamp AS ${name}`;
  if (/INT/.test(type)) return `CAST(value % 100 AS ${sparkType(type)}) AS ${name}`;
  if (type === 'DOUBLE' || type === 'FLOAT' || type.startsWith('DECIMAL'))
    return `CAST(rand() * 100 AS ${sparkType(type)}) AS ${name}`;
  if (type === 'TIMESTAMP') return `timestamp AS ${name}`;
  if (type === 'BOOLEAN') return `value % 2 = 0 AS ${name}`;
  return `concat('${name}-', CAST(value % 10 AS string)) AS ${name}`;
}

function pythonLiteral(value: unknown): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return JSON.stringify(value);
}

function triggerArgument(trigger: TriggerSpec): string {
  if (trigger.kind === 'once') return 'once=True';
  if (trigger.kind === 'availableNow') return 'availableNow=True';
  const interval = trigger.kind === 'processingTime' ? seconds(trigger.interval.us) : '1 second';
  return `processingTime="${interval}"`;
}

const RATE_SOURCE_NOTE = [
  '# Synthetic input comes from Spark\'s rate source; to read Kafka instead, replace readStream.format("rate") with',
  '#   spark.readStream.format("kafka").option("kafka.bootstrap.servers", "...").option("subscribe", "<topic>").load()',
  '# and parse the value into the same columns.',
];

function pySpark(scenario: Scenario, durationOf: DurationOf): string {
  const generated = scenario.sources.some((source) => !source.file);
  const lines = [
    '# Generated by Tideline: the scenario as a PySpark Structured Streaming job.',
    ...(generated ? RATE_SOURCE_NOTE : []),
    'from pyspark.sql import SparkSession',
    '',
    ...pySparkInputs(scenario, (source) => (source.file ? sparkFileSource(source) : sparkRateSource(source))),
  ];
  queriesOf(scenario).forEach((query, i) => {
    lines.push(
      ...sparkQuery(query.query, `query_${i}`, durationOf),
      `stream_${i} = (`,
      `    query_${i}.writeStream.outputMode("${query.outputMode}")`,
      `    .trigger(${triggerArgument(scenario.trigger)})`,
      `    .format("console").option("truncate", False)`,
      `    .queryName("${query.name}")`,
      '    .start()',
      ')',
      '',
    );
  });
  lines.push('spark.streams.awaitAnyTermination()', '');
  return lines.join('\n');
}

/** The Spark session, each source (read as `read` says, then its watermark) as a view, and the static tables. */
export function pySparkInputs(scenario: Scenario, read: (source: SourceSpec) => string[]): string[] {
  const lines = [
    'spark = SparkSession.builder.appName("tideline").getOrCreate()',
    'spark.conf.set("spark.sql.session.timeZone", "UTC")',
    '',
  ];
  for (const source of scenario.sources) {
    lines.push(`${source.name} = (`, ...read(source));
    if (source.eventTime && source.watermark)
      lines.push(`    .withWatermark("${source.eventTime}", "${seconds(source.watermark.us)}")`);
    lines.push(')', `${source.name}.createOrReplaceTempView("${source.name}")`, '');
  }
  for (const table of scenario.tables) lines.push(...sparkStaticTable(table), '');
  return lines;
}

/**
 * `name = spark.sql("""...""")`: the query in Spark SQL, after a comment when it needs rewriting by hand. A query
 * Spark cannot spell stays as a comment, and the job raises NotImplementedError with the reason where it would run.
 */
export function sparkQuery(query: string, name: string, durationOf: DurationOf): string[] {
  const translated = toSparkSql(query, durationOf);
  const note = translated.note ? [`# ${translated.note}`] : [];
  if (translated.sql === null)
    return [
      ...note,
      "# Tideline's query, for reference:",
      ...commented(query, '#'),
      `raise NotImplementedError(${JSON.stringify(`${name}: ${translated.note}`)})`,
    ];
  return [...note, `${name} = spark.sql("""`, translated.sql.trim(), '""")'];
}

function sparkRateSource(source: SourceSpec): string[] {
  return [
    `    spark.readStream.format("rate").option("rowsPerSecond", ${rateOf(source)}).load()`,
    `    .selectExpr(${source.columns.map((column) => JSON.stringify(sparkColumnFromRate(column, source))).join(', ')})`,
  ];
}

/**
 * Spark's file source over the same files and schema. Rows that do not fit the schema are dropped
 * (DROPMALFORMED), as Tideline leaves them out. Spark takes new files oldest first, Tideline by name.
 */
function sparkFileSource(source: SourceSpec): string[] {
  const { path, format, maxFilesPerTrigger } = source.file!;
  const lines = [
    '    # Spark reads new files oldest first (by modification time); Tideline read them in name order.',
    `    spark.readStream.schema(${JSON.stringify(sparkSchema(source.columns))})`,
  ];
  if (maxFilesPerTrigger !== undefined) lines.push(`    .option("maxFilesPerTrigger", ${maxFilesPerTrigger})`);
  if (source.file!.rowsPerSecond !== undefined) lines.splice(1, 0, `    # ${replayNote(source)}`);
  if (format === 'csv')
    lines.push('    .option("header", True).option("mode", "DROPMALFORMED")', `    .csv(${JSON.stringify(path)})`);
  else if (format === 'parquet') lines.push(`    .parquet(${JSON.stringify(path)})`);
  else
    lines.push(
      '    # Spark has no Arrow IPC file source: write the files as Parquet (pyarrow.parquet.write_table) to read them.',
      `    .parquet(${JSON.stringify(path.replace(/\.[^./]*$/, '') + '.parquet')})`,
    );
  return lines;
}

/** Spark's DDL schema string of these columns: `ts timestamp, id int`. */
export function sparkSchema(columns: ColumnSpec[]): string {
  return columns.map(([name, type]) => `${name} ${sparkType(type)}`).join(', ');
}

function sparkStaticTable(table: TableSpec): string[] {
  const schema = sparkSchema(table.columns);
  const rows = table.rows.map((row) => `    (${row.map(pythonLiteral).join(', ')}${row.length === 1 ? ',' : ''}),`);
  return [
    `${table.name} = spark.createDataFrame([`,
    ...rows,
    `], "${schema}")`,
    `${table.name}.createOrReplaceTempView("${table.name}")`,
  ];
}

/** Flink's filesystem connector reads a directory: every file in it, with no glob and no header row. */
function flinkFileComments(source: SourceSpec): string[] {
  const { path, format } = source.file!;
  const lines = [`-- ${source.name}: the files of ${path}, put alone in the directory 'path' names.`];
  if (format === 'csv') lines.push('-- Remove the CSV header lines first: Flink reads every line as a row.');
  if (format === 'arrow') lines.push('-- Flink has no Arrow IPC format: write the files as Parquet to read them.');
  if (source.file!.maxFilesPerTrigger !== undefined)
    lines.push('-- Flink has no maxFilesPerTrigger: it reads the files as one bounded input.');
  if (source.file!.rowsPerSecond !== undefined) lines.push(`-- ${replayNote(source)}`);
  return lines;
}

/** What a cluster's file source does not do of Tideline's replay at a rate: the bundles carry its batches. */
function replayNote(source: SourceSpec): string {
  const { rowsPerSecond, order } = source.file!;
  const how = order === 'eventTime' ? ' by event time' : '';
  return `Tideline replayed these rows at ${rowsPerSecond} a second${how}; this file source reads whole files (--export spark-bundle or flink-bundle keeps Tideline's batches).`;
}

/** The lines of a WITH clause's options: `'key' = 'value'`. */
function flinkOptions(options: Record<string, string>): string[] {
  const lines = Object.entries(options).map(([key, value]) => `  '${key}' = '${value.replaceAll("'", "''")}'`);
  return lines.map((line, i) => (i < lines.length - 1 ? `${line},` : line));
}

function flinkFileOptions(source: SourceSpec): Record<string, string> {
  const { path, format } = source.file!;
  const directory = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.';
  const options = { connector: 'filesystem', path: directory };
  if (format !== 'csv') return { ...options, format: 'parquet' };
  return { ...options, format: 'csv', 'csv.ignore-parse-errors': 'true' };
}

/**
 * A source's CREATE TABLE: its columns in Flink's types (with `madeTime`, the event time is the time the connector
 * makes a row), its watermark, and the connector's options.
 */
export function flinkSourceTable(source: SourceSpec, options: Record<string, string>, madeTime = false): string[] {
  const columns = source.columns
    .filter(([name]) => !madeTime || name !== source.eventTime)
    .map(([name, type]) => `  ${quote(name).replaceAll('"', '`')} ${flinkType(type)}`);
  if (source.eventTime && madeTime) columns.push(`  ${source.eventTime} AS CAST(CURRENT_TIMESTAMP AS TIMESTAMP(3))`);
  if (source.eventTime && source.watermark)
    columns.push(`  WATERMARK FOR ${source.eventTime} AS ${source.eventTime} - ${flinkInterval(source.watermark.us)}`);
  return [`CREATE TABLE ${source.name} (`, columns.join(',\n'), ') WITH (', ...flinkOptions(options), ');', ''];
}

/** Each static table as a temporary view of its rows. */
export function flinkStaticTables(tables: TableSpec[]): string[] {
  const literal = (cell: JsonValue) =>
    cell === null ? 'NULL' : typeof cell === 'string' ? `'${cell.replaceAll("'", "''")}'` : String(cell);
  return tables.flatMap((table) => [
    `CREATE TEMPORARY VIEW ${table.name} AS SELECT * FROM (VALUES`,
    `  ${table.rows.map((row) => `(${row.map(literal).join(', ')})`).join(',\n  ')}`,
    `) AS t(${table.columns.map(([name]) => `\`${name}\``).join(', ')});`,
    '',
  ]);
}

/** Tideline's query as comment lines, after `prefix` (`--` or `#`). */
function commented(query: string, prefix: string): string[] {
  return query
    .trim()
    .split('\n')
    .map((line) => `${prefix}   ${line}`);
}

/**
 * The query's statements: its notes, the views it reads, and `CREATE TABLE <name>_results WITH (sink) AS` the
 * query; a query Flink cannot spell stays as a comment.
 */
export function flinkQueryStatements(query: QuerySpec, sink: Record<string, string>, durationOf: DurationOf): string[] {
  const translated = toFlinkSql(query.query, query.name, durationOf);
  const lines = translated.note ? [`-- ${translated.note}`] : [];
  if (query.outputMode !== 'append')
    lines.push(`-- Tideline ran this query in ${query.outputMode} mode; Flink emits updates as a changelog.`);
  if (translated.sql === null) return [...lines, ...commented(query.query, '--'), ''];
  return [
    ...lines,
    ...translated.views.flatMap((view) => [`${view};`, '']),
    `CREATE TABLE ${query.name}_results WITH (`,
    ...flinkOptions(sink),
    ') AS',
    `${translated.sql.trim()};`,
    '',
  ];
}

function flinkSql(scenario: Scenario, durationOf: DurationOf): string {
  const lines = [
    '-- Generated by Tideline: the scenario as a Flink SQL script (sql-client.sh -f this.sql).',
    ...(scenario.sources.some((source) => !source.file)
      ? ['-- Synthetic input comes from the datagen connector; the event time is the time a row is made.']
      : []),
    "SET 'table.local-time-zone' = 'UTC';",
    '',
  ];
  for (const source of scenario.sources) {
    if (source.file) lines.push(...flinkFileComments(source), ...flinkSourceTable(source, flinkFileOptions(source)));
    else
      lines.push(
        ...flinkSourceTable(source, { connector: 'datagen', 'rows-per-second': String(rateOf(source)) }, true),
      );
  }
  lines.push(...flinkStaticTables(scenario.tables));
  for (const query of queriesOf(scenario))
    lines.push(...flinkQueryStatements(query, { connector: 'print' }, durationOf));
  return lines.join('\n');
}
