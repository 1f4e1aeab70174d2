import { clockCall, CLOCK_SQL } from './proctime';
import { closingBracket, identifierName, isSymbol, isWord, splitTopLevel, textOf, type Token } from './tokens';

/** A window assignment, in microseconds; what Flink's TVFs and Spark's window() both describe. */
export interface WindowSpec {
  kind: 'tumble' | 'hop' | 'cumulate' | 'session';
  syntax: 'flink' | 'spark';
  /** The stream the window reads. */
  source: string;
  timeColumn: string;
  /** Where the time column is named, in the text the window was read from. */
  timeColumnAt?: number;
  /** Window length (TUMBLE, HOP, max size of CUMULATE). */
  sizeUs: bigint;
  /** Distance between window starts (HOP); the step of CUMULATE; equal to size for TUMBLE. */
  slideUs: bigint;
  offsetUs: bigint;
  /** Session gap (SESSION). */
  gapUs: bigint;
  /**
   * A gap that each row gives (Spark 3.2+: session_window(ts, <expression>)): the expression over the row, an
   * interval or a duration string; gapUs is then 0. A row whose gap is not a positive duration opens no session.
   */
  gapSql?: string;
  /** Flink SESSION's PARTITION BY columns. */
  partitionBy: string[];
  /** A window over the batch's processing time (`timeColumn` is then the attribute's name): it closes by the clock. */
  processingTime?: boolean;
}

/** Evaluates an INTERVAL expression (or a Spark duration string) to microseconds, or throws a clear error. */
export type DurationOf = (sqlExpression: string, what: string) => bigint;

export class QueryShapeError extends Error {
  /** 1-based line and column of `at` in the user's SQL text, once the planner has placed it there. */
  position?: { line: number; column: number };

  constructor(
    message: string,
    readonly hint?: string,
    /** The offset of the refused form in the text being planned. */
    public at?: number,
  ) {
    super(message);
  }
}

/**
 * Runs `work` over a text rewritten from another: a refusal's offset is moved by `origin` to where it was in the
 * text rewritten from (undefined when the rewrite wrote it).
 */
export function rewrittenFrom<T>(origin: (at: number) => number | undefined, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof QueryShapeError && error.at !== undefined) error.at = origin(error.at);
    throw error;
  }
}

/** A Flink window table function call found in the query text: `TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), ...))`. */
export interface TableFunctionCall {
  spec: WindowSpec;
  /** Character range of the whole `TABLE(...)` in the query text. */
  start: number;
  end: number;
}

const FLINK_KINDS: Record<string, WindowSpec['kind']> = {
  TUMBLE: 'tumble',
  HOP: 'hop',
  CUMULATE: 'cumulate',
  SESSION: 'session',
};

export function findTableFunctions(sql: string, tokens: Token[], durationOf: DurationOf): TableFunctionCall[] {
  const calls: TableFunctionCall[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (!isWord(tokens[i], 'TABLE') || !isSymbol(tokens[i + 1], '(')) continue;
    const called = tokens[i + 2];
    const known = isWord(called, ...Object.keys(FLINK_KINDS), 'DEDUPLICATE_WITHIN_WATERMARK');
    if (called?.kind === 'word' && isSymbol(tokens[i + 3], '(') && !known)
      throw new QueryShapeError(
        `${called.text} is not a table function Tideline knows: Flink's windows TUMBLE, HOP, CUMULATE and SESSION, and DEDUPLICATE_WITHIN_WATERMARK.`,
        "Write TABLE(TUMBLE(TABLE stream, DESCRIPTOR(ts), INTERVAL '10' MINUTES)), or HOP, CUMULATE or SESSION in its place.",
        called.start,
      );
    if (!isWord(called, ...Object.keys(FLINK_KINDS))) continue;
    const outerClose = closingBracket(tokens, i + 1);
    const innerClose = closingBracket(tokens, i + 3);
    const name = tokens[i + 2]!.text.toUpperCase();
    if (outerClose < 0 || innerClose < 0 || !isSymbol(tokens[i + 3], '(')) {
      throw new QueryShapeError(
        `${name}(...) is not closed.`,
        'Check the brackets of the window table function.',
        tokens[i]!.start,
      );
    }
    const after = tokens[innerClose + 1];
    if (innerClose + 1 !== outerClose)
      throw new QueryShapeError(
        `TABLE(...) holds one call, ${name}(...), and nothing after it.`,
        `Put every argument inside ${name}(...): TABLE(${name}(TABLE t, DESCRIPTOR(ts), ...)).`,
        after!.start,
      );
    const args = positionally(name, splitTopLevel(tokens.slice(i + 4, innerClose)));
    calls.push({
      spec: flinkWindow(sql, name, args, durationOf, tokens[i]!.start),
      start: tokens[i]!.start,
      end: tokens[outerClose]!.end,
    });
    i = outerClose;
  }
  return calls;
}

/** The parameters of Flink's window TVFs, in order (window-tvf.md, and SqlWindowTableFunction's names). */
const PARAMETERS: Record<string, string[]> = {
  TUMBLE: ['DATA', 'TIMECOL', 'SIZE', 'OFFSET'],
  HOP: ['DATA', 'TIMECOL', 'SLIDE', 'SIZE', 'OFFSET'],
  CUMULATE: ['DATA', 'TIMECOL', 'STEP', 'SIZE', 'OFFSET'],
  SESSION: ['DATA', 'TIMECOL', 'GAP'],
};

/**
 * A window TVF's arguments without their names (`DATA => TABLE t, TIMECOL => DESCRIPTOR(ts), SIZE => ...`). Flink
 * takes named arguments in the parameters' order only (WindowTableFunctionTest, FLINK-34338), and so does Tideline.
 */
function positionally(name: string, args: Token[][]): Token[][] {
  return args.map((arg, i) => {
    const quoted = isSymbol(arg[0], '`') && isSymbol(arg[2], '`');
    const [label, arrow] = quoted ? [arg[1], arg[3]] : [arg[0], arg[1]];
    if (!isSymbol(arrow, '=>') || !label || (label.kind !== 'word' && label.kind !== 'quoted')) return arg;
    const expected = PARAMETERS[name]![i];
    if (identifierName(label).toUpperCase() !== expected) {
      const flink = [
        'Illegal first argument to Window TVF: Note that the DATA param must be the first',
        'Illegal second argument to Window TVF: Expecting TIMECOL',
      ][i];
      throw new QueryShapeError(
        `${name}: the argument named ${label.text} stands where ${expected ?? 'no argument'} goes${flink ? ` (Flink: "${flink}")` : ''}.`,
        `Name the arguments in order: ${name}(${PARAMETERS[name]!.map((parameter) => `${parameter} => ...`).join(', ')}), the last ones optional as in the positional form.`,
        label.start,
      );
    }
    return arg.slice(quoted ? 4 : 2);
  });
}

function flinkWindow(sql: string, name: string, args: Token[][], durationOf: DurationOf, at: number): WindowSpec {
  const kind = FLINK_KINDS[name]!;
  const usage: Record<WindowSpec['kind'], string> = {
    tumble: "TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '10' MINUTES [, offset])",
    hop: 'HOP(TABLE t, DESCRIPTOR(ts), slide, size [, offset])',
    cumulate: 'CUMULATE(TABLE t, DESCRIPTOR(ts), step, max_size [, offset])',
    session: 'SESSION(TABLE t PARTITION BY key, DESCRIPTOR(ts), gap)',
  };
  const wrong = (problem: string, where = at) =>
    new QueryShapeError(`${name}: ${problem}`, `Write it as ${usage[kind]}.`, where);
  const [table, descriptor, ...intervals] = args;
  const relation = isWord(table?.[0], 'TABLE') ? table!.slice(1) : (table ?? []);
  const [stream, ...rest] = isSymbol(relation[0], '(') ? wholeStream(sql, name, relation, args.slice(1)) : relation;
  if (!stream || (!isWord(table![0], 'TABLE') && !isSymbol(relation[0], '(')))
    throw wrong('the first argument must be TABLE <stream>.', table?.[0]?.start);
  const source = identifierName(stream);
  const partitioned = isWord(rest[0], 'PARTITION') && isWord(rest[1], 'BY');
  if (rest.length && !partitioned)
    throw wrong(
      `a comma goes after TABLE ${stream.text}${kind === 'session' ? ' [PARTITION BY ...]' : ''}.`,
      rest[0]!.start,
    );
  const partitionBy = partitioned
    ? splitTopLevel(rest.slice(2)).map((part) => identifierName(part[part.length - 1]!))
    : [];
  const column = descriptor?.[2];
  const described =
    isWord(descriptor?.[0], 'DESCRIPTOR') &&
    isSymbol(descriptor![1], '(') &&
    (column?.kind === 'word' || column?.kind === 'quoted') &&
    closingBracket(descriptor!, 1) === descriptor!.length - 1;
  if (!described) throw wrong('the second argument must be DESCRIPTOR(<event-time column>).', descriptor?.[0]?.start);
  const timeColumn = identifierName(column!);
  const expected = { tumble: [1, 2], hop: [2, 3], cumulate: [2, 3], session: [1, 1] }[kind];
  if (intervals.length < expected[0]! || intervals.length > expected[1]!)
    throw wrong(`expected ${expected.join(' or ')} interval arguments, got ${intervals.length}.`);
  const durations = intervals.map((part, n) => durationAt(sql, part, durationOf, `${name} argument ${n + 3}`));
  const spec: WindowSpec = {
    kind,
    syntax: 'flink',
    source,
    timeColumn,
    timeColumnAt: column!.start,
    sizeUs: 0n,
    slideUs: 0n,
    offsetUs: 0n,
    gapUs: 0n,
    partitionBy,
  };
  if (kind === 'tumble')
    Object.assign(spec, { sizeUs: durations[0], slideUs: durations[0], offsetUs: durations[1] ?? 0n });
  if (kind === 'hop' || kind === 'cumulate')
    Object.assign(spec, { slideUs: durations[0], sizeUs: durations[1], offsetUs: durations[2] ?? 0n });
  if (kind === 'session') spec.gapUs = durations[0]!;
  return checkWindow(spec, at);
}

/** The duration an argument of a window gives, refused where the argument stands. */
function durationAt(sql: string, argument: Token[], durationOf: DurationOf, what: string): bigint {
  try {
    return durationOf(textOf(sql, argument), what);
  } catch (error) {
    if (error instanceof QueryShapeError) error.at ??= argument[0]!.start;
    throw error;
  }
}

/**
 * A window table function's subquery argument `(SELECT * FROM s) [PARTITION BY ...]`, as Calcite takes it: the
 * stream `s`, then the tokens after the subquery. Flink also windows a subquery that selects and filters a stream's
 * rows, which Tideline refuses with the call over the stream to write instead.
 */
function wholeStream(sql: string, name: string, relation: Token[], others: Token[][]): Token[] {
  const close = closingBracket(relation, 0);
  const body = relation.slice(1, close);
  const [select, star, from, stream, ...more] = body;
  if (isWord(select, 'SELECT') && isSymbol(star, '*') && isWord(from, 'FROM') && stream && !more.length)
    return [stream, ...relation.slice(close + 1)];
  const fromAt = body.findIndex((token) => isWord(token, 'FROM'));
  const read = fromAt >= 0 && body[fromAt + 1]?.kind === 'word' ? body[fromAt + 1]!.text : 'stream';
  const table = [`TABLE ${read}`, textOf(sql, relation.slice(close + 1))].filter(Boolean).join(' ');
  const windowed = `TABLE(${name}(${[table, ...others.map((arg) => textOf(sql, arg))].join(', ')}))`;
  throw new QueryShapeError(
    `${name} over a subquery: Tideline windows a whole stream, TABLE ${read} or (SELECT * FROM ${read}), and not yet a subquery over it (Flink windows one that selects or filters a stream's rows).`,
    name === 'SESSION'
      ? `Window the stream itself, FROM ${windowed}. A session is made of the rows it windows, so filtering after it gives other sessions; Spark's session window filters first: SELECT key, count(*) FROM ${read} WHERE ... GROUP BY key, session_window(ts, '5 minutes').`
      : `Window the stream itself, FROM ${windowed}, and select and filter its rows in the query over it: a row's windows are its own, so the result is the same.`,
    relation[0]!.start,
  );
}

/**
 * Spark's `window(ts, '10 minutes'[, slide[, offset]])` or `session_window(ts, '5 minutes')` in GROUP BY; a session
 * gap that names any of the stream's `columns` is the row's own (Spark's dynamic gap).
 */
export function sparkWindow(
  sql: string,
  name: string,
  args: Token[][],
  source: string,
  durationOf: DurationOf,
  at: number,
  columns: string[] = [],
): WindowSpec {
  const session = name === 'session_window';
  const [column, ...rest] = args;
  const qualified = column?.length === 3 && isSymbol(column[1], '.');
  // Spark's processing-time window: window(current_timestamp(), ...).
  const clock = column !== undefined && clockCall(column, 0)?.last === column.length - 1;
  if (!column || (column.length !== 1 && !qualified && !clock) || rest.length < 1 || rest.length > (session ? 1 : 3)) {
    throw new QueryShapeError(
      `${name}(...) takes ${session ? 'an event-time column and a gap' : 'an event-time column, a size, and optionally a slide and a start offset'}.`,
      session
        ? "Write it as session_window(ts, '5 minutes')."
        : "Write it as window(ts, '10 minutes') or window(ts, '10 minutes', '5 minutes').",
      at,
    );
  }
  const perRow =
    session &&
    rest[0]!.some(
      (token) =>
        (token.kind === 'word' || token.kind === 'quoted') &&
        columns.some((column) => column.toLowerCase() === identifierName(token).toLowerCase()),
    );
  const durations = perRow
    ? [0n]
    : rest.map((part, n) => durationAt(sql, part, durationOf, `${name} argument ${n + 2}`));
  const spec: WindowSpec = {
    kind: session ? 'session' : durations[1] !== undefined && durations[1] !== durations[0] ? 'hop' : 'tumble',
    syntax: 'spark',
    source,
    timeColumn: clock ? identifierName(column[0]!) : identifierName(column[column.length - 1]!),
    timeColumnAt: column.at(-1)!.start,
    sizeUs: session ? 0n : durations[0]!,
    slideUs: session ? 0n : (durations[1] ?? durations[0]!),
    offsetUs: session ? 0n : (durations[2] ?? 0n),
    gapUs: session ? durations[0]! : 0n,
    partitionBy: [],
    ...(perRow && { gapSql: textOf(sql, rest[0]!) }),
    ...(clock && { processingTime: true }),
  };
  return checkWindow(spec, at);
}

function checkWindow(spec: WindowSpec, at: number): WindowSpec {
  const positive =
    spec.kind === 'session' ? (spec.gapSql === undefined ? [spec.gapUs] : []) : [spec.sizeUs, spec.slideUs];
  if (positive.some((us) => us <= 0n))
    throw new QueryShapeError('Window sizes, slides and gaps must be positive durations.', undefined, at);
  if (spec.kind === 'cumulate' && spec.sizeUs % spec.slideUs !== 0n) {
    throw new QueryShapeError(
      'CUMULATE: the max size must be a whole multiple of the step.',
      'For example a step of 1 minute and a size of 10 minutes.',
      at,
    );
  }
  if (spec.kind === 'hop' && spec.slideUs > spec.sizeUs) {
    throw new QueryShapeError(
      'The slide of a sliding window must not exceed its size.',
      spec.syntax === 'flink'
        ? "HOP takes the slide first, then the size: HOP(TABLE t, DESCRIPTOR(ts), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES) is a 10-minute window every 5 minutes."
        : "window() takes the size first, then the slide: window(ts, '10 minutes', '5 minutes') is a 10-minute window every 5 minutes.",
      at,
    );
  }
  return spec;
}

const floorTo = (us: string, stepUs: bigint, offsetUs: bigint) =>
  `${us} - (((${us} - ${offsetUs}) % ${stepUs}) + ${stepUs}) % ${stepUs}`;

/**
 * The rows of `source`, each repeated once per window it belongs to, with the window's bounds as
 * `window_start`/`window_end`/`window_time` (Flink) or a `window` struct (Spark). Windows are half-open
 * `[start, end)`, aligned to the epoch plus the offset. Columns of `source` of the same names (the windows of
 * an aggregation windowed again) give way to the new window's.
 */
export function windowedRelation(spec: WindowSpec, source = spec.source, columns: string[] = []): string {
  if (spec.kind === 'session') return sessionProjection(spec, source);
  const ts = `epoch_us(${spec.processingTime ? CLOCK_SQL : quote(spec.timeColumn)})`;
  let starts: string;
  let ends: string;
  let repeat = 1n;
  if (spec.kind === 'tumble') {
    starts = floorTo(ts, spec.sizeUs, spec.offsetUs);
    ends = `${starts} + ${spec.sizeUs}`;
  } else if (spec.kind === 'hop') {
    repeat = (spec.sizeUs + spec.slideUs - 1n) / spec.slideUs;
    starts = `${floorTo(ts, spec.slideUs, spec.offsetUs)} - __w.i * ${spec.slideUs}`;
    ends = `${starts} + ${spec.sizeUs}`;
  } else if (spec.kind === 'cumulate') {
    repeat = spec.sizeUs / spec.slideUs;
    starts = floorTo(ts, spec.sizeUs, spec.offsetUs);
    ends = `${starts} + (__w.i + 1) * ${spec.slideUs}`;
  } else {
    throw new Error('unreachable');
  }
  const bounds =
    spec.syntax === 'flink'
      ? `make_timestamp(${starts}) AS window_start, make_timestamp(${ends}) AS window_end, make_timestamp(${ends} - 1000) AS window_time`
      : `{'start': make_timestamp(${starts}), 'end': make_timestamp(${ends})} AS "window"`;
  const from = repeat === 1n ? quote(source) : `${quote(source)}, range(${repeat}) AS __w(i)`;
  const inWindow =
    spec.syntax === 'flink'
      ? `${ts} >= epoch_us(window_start) AND ${ts} < epoch_us(window_end)`
      : `${ts} >= epoch_us("window"."start") AND ${ts} < epoch_us("window"."end")`;
  const names = spec.syntax === 'flink' ? ['window_start', 'window_end', 'window_time'] : ['window'];
  const shadowed = columns.filter((column) => names.includes(column.toLowerCase()));
  const all = shadowed.length ? `* EXCLUDE (${shadowed.map(quote).join(', ')})` : '*';
  const clock = spec.processingTime ? `, ${CLOCK_SQL} AS ${quote(spec.timeColumn)}` : '';
  const select = `SELECT ${quote(source)}.${all}${clock}, ${bounds} FROM ${from}`;
  return repeat === 1n ? select : `SELECT * FROM (${select}) WHERE ${inWindow}`;
}

export function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/**
 * Session windows over a table of rows: within a partition, each row opens `[t, t + gap)`, and a row
 * joins the session before it when it starts at or before that session's end (touching sessions
 * merge). Adds `__session_start` and `__session_end`. A row whose own gap is not positive (or not a
 * duration) opens no session and is left out, as Spark filters it.
 */
export function sessionize(spec: WindowSpec, rows: string, partitionBy: string[]): string {
  const session = `(PARTITION BY ${[...partitionBy, '__island'].join(', ')})`;
  return `SELECT * EXCLUDE (__start, __end, __island), make_timestamp(min(__start) OVER ${session}) AS __session_start, make_timestamp(max(__end) OVER ${session}) AS __session_end, __island AS __session_id
    FROM (${islands(sessionRows(spec, rows), '__start', '__end', partitionBy)})`;
}

/** The rows that open a session, each with the session it opens, `[__start, __end)` in microseconds. */
export function sessionRows(spec: WindowSpec, rows: string): string {
  const time = quote(spec.timeColumn);
  const end =
    spec.gapSql === undefined
      ? `epoch_us(${time}) + ${spec.gapUs}`
      : `epoch_us(${time} + TRY_CAST((${spec.gapSql}) AS INTERVAL))`;
  return `SELECT * FROM (SELECT *, epoch_us(${time}) AS __start, ${end} AS __end FROM ${rows}) WHERE __end > __start`;
}

/**
 * Intervals `[start, end)` of `rows` numbered by their connected component within a partition (`__island`): an
 * interval that starts at or before the end of an earlier one joins it. Of intervals that start together, the one
 * that opens a component (at most one) is counted first, so that all of them join it.
 */
export function islands(rows: string, start: string, end: string, partitionBy: string[]): string {
  const partition = partitionBy.length ? `PARTITION BY ${partitionBy.join(', ')} ` : '';
  const previousEnd = `max(${end}) OVER (${partition}ORDER BY ${start} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)`;
  const opens = `SELECT *, CASE WHEN ${start} <= ${previousEnd} THEN 0 ELSE 1 END AS __opens FROM (${rows})`;
  const island = `sum(__opens) OVER (${partition}ORDER BY ${start}, __opens DESC ROWS UNBOUNDED PRECEDING)`;
  return `SELECT * EXCLUDE (__opens), ${island} AS __island FROM (${opens})`;
}

/** A sessionized table's rows with their session as Flink's window columns or Spark's `session_window` struct. */
function sessionProjection(spec: WindowSpec, sessions: string): string {
  const bounds =
    spec.syntax === 'flink'
      ? `__session_start AS window_start, __session_end AS window_end, __session_end - INTERVAL 1 MILLISECOND AS window_time`
      : `{'start': __session_start, 'end': __session_end} AS session_window`;
  return `SELECT * EXCLUDE (__session_start, __session_end, __session_id), ${bounds} FROM ${quote(sessions)}`;
}
