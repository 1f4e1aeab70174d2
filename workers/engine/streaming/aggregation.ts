/**
 * The choice of a streaming aggregation's operator and its facts: the grouping keys and the state columns that
 * keep them, each aggregate as a mergeable partial state, the window, and the user's select list rewritten to
 * read the state. Session windows become a session operator; everything else a window (or keyed) aggregation.
 */
import type { OutputMode, SourceSpec } from '../scenario';
import {
  splitTopLevel,
  applyEdits,
  closingBracket,
  identifierName,
  isSymbol,
  isWord,
  textOf,
  type Edit,
  type Token,
} from '../sql/tokens';
import { quote, sparkWindow, windowedRelation, type WindowSpec } from '../sql/windows';
import { streamInFrom, withoutAlias, type AggregateCall, type Analysis, type StreamReference } from './analysis';
import {
  expansion,
  groupingCallEdits,
  groupingSetsOf,
  keyInSets,
  SET_COLUMN,
  type GroupingSets,
} from './grouping-sets';
import { lateFrom } from './operators/statements';
import type {
  AggregatePlan,
  Catalog,
  DistinctAggregate,
  GroupKey,
  PartialAggregate,
  SessionMerge,
  SessionPlan,
  VALUE_MERGES,
} from './plan';
import {
  checkAggregation,
  checkAppendNeedsWatermark,
  checkGroupingSets,
  checkProcessingTimeWindow,
  checkSession,
  checkWindowColumn,
  PlanError,
  windowCarriesWatermark,
} from './rules';

export function planAggregation(
  analysis: Analysis,
  outputMode: OutputMode,
  catalog: Catalog,
): AggregatePlan | SessionPlan {
  checkAggregation(analysis, outputMode);
  const clauses = analysis.clauses!;
  const source = analysis.sources.get(analysis.used[0]!.toLowerCase())!;
  const grouping = groupingOf(analysis, source, catalog);
  const { window, keys, edits, windowEdits, inputRelation, sets } = grouping;
  const { sql } = analysis;
  if (sets) checkGroupingSets(window, sets, outputMode);
  const rewritten = (part: Token[] | undefined, using = edits) =>
    part && applyEdits(sql, using).slice(...shifted(sql, using, part));
  const whereSql = clauses.where ? ` WHERE ${textOf(sql, clauses.where)}` : '';
  const groupedBy = sets ? textOf(sql, clauses.groupBy!) : keys.map((key) => key.expression).join(', ');
  const groupSql = keys.length ? ` GROUP BY ${groupedBy}` : '';
  const havingSql = clauses.having ? ` HAVING ${rewritten(clauses.having, windowEdits)}` : '';
  const alias = grouping.from?.alias ?? source.name;
  const reference = `SELECT ${rewritten(clauses.select, windowEdits)} FROM ${inputRelation}${whereSql}${groupSql}${havingSql}`;
  const selectItems = splitTopLevel(clauses.select);
  // A window over another timestamp column carries no event time on to a chained operator.
  const watermarked = !window || windowCarriesWatermark(window, source);
  const eventTimeItems = selectItems.map((item) => watermarked && carriesEventTime(withoutAlias(item), source));
  const keyItems = selectItems.map(
    (item) =>
      !analysis.aggregateCalls.some((call) => call.start >= item[0]!.start && call.end <= item[item.length - 1]!.end),
  );
  if (window?.processingTime) checkProcessingTimeWindow(window, 'aggregate');
  if (window?.kind === 'session') {
    checkSession(window, keys.length, source, outputMode);
    const partitionBy =
      window.syntax === 'flink'
        ? window.partitionBy.map(quote)
        : keys.filter((key) => key.column !== '"session_window"').map((key) => key.expression);
    const merging: SessionMerge | false = sessionMerge(window, grouping, partitionBy) && {
      keys: keys.filter((key) => !SESSION_COLUMNS[window.syntax].includes(key.column.toLowerCase())),
      aggregates: grouping.aggregates,
      output: rewritten(clauses.select)!,
      ...(clauses.having && { having: rewritten(clauses.having) }),
      ...(clauses.orderBy && { orderBy: rewritten(clauses.orderBy) }),
      ...(clauses.limit && { limit: textOf(sql, clauses.limit) }),
    };
    return {
      kind: 'session',
      sources: analysis.used,
      window,
      alias,
      input: `SELECT * FROM ${quote(source.name)} AS ${quote(alias)}${whereSql}`,
      partitionBy,
      reference: `${reference}${clauses.orderBy ? ` ORDER BY ${textOf(sql, clauses.orderBy)}` : ''}${
        clauses.limit ? ` LIMIT ${textOf(sql, clauses.limit)}` : ''
      }`,
      ordered: clauses.orderBy !== undefined,
      lateFrom: { ...lateFrom(source, alias), eventTimeColumn: source.eventTime! },
      keyItems,
      eventTimeItems,
      distinct: analysis.aggregateCalls.some((call) => call.distinct),
      ...(merging && { merging }),
    };
  }
  const eventTime = eventTimeOf(window, keys, source);
  checkAppendNeedsWatermark(eventTime, source, outputMode, window, clauses.groupBy);
  const panes = window && !sets && panesOf(window, grouping, clauses.where && textOf(sql, clauses.where), source);
  return {
    kind: 'aggregate',
    sources: analysis.used,
    ...(window && { window }),
    reference,
    from: inputRelation,
    ...(clauses.where && { where: textOf(sql, clauses.where) }),
    alias,
    keys,
    aggregates: grouping.aggregates,
    output: rewritten(clauses.select)!,
    ...(clauses.having && { having: rewritten(clauses.having) }),
    ...(clauses.orderBy && { orderBy: rewritten(clauses.orderBy) }),
    ...(clauses.limit && { limit: textOf(sql, clauses.limit) }),
    eventTime,
    ...(window?.processingTime && { processingTime: true }),
    lateFrom: lateFrom(source, alias),
    keyItems,
    eventTimeItems,
    ...(panes && { panes }),
    ...(sets && {
      groupingSets: {
        expansion: expansion(sets),
        keys: splitTopLevel(clauses.groupBy!).map((key) => textOf(sql, key)),
      },
    }),
  };
}

const WINDOW_COLUMNS = { flink: ['"window_start"', '"window_end"', '"window_time"'], spark: ['"window"'] };
const READS_WINDOW = /\b(session_)?window(_start|_end|_time)?\b/i;
/** Aggregates that merge to the same value in any order and grouping. */
const MERGING = new Set(['combine', 'least', 'greatest']);

/** A sliding or cumulating window's panes, when its keys, WHERE and aggregates allow them. */
function panesOf(window: WindowSpec, grouping: Grouping, where: string | undefined, source: SourceSpec) {
  if (window.kind !== 'hop' && window.kind !== 'cumulate') return undefined;
  const { keys, aggregates, inputRelation } = grouping;
  const windowKeys = keys.map((key) => WINDOW_COLUMNS[window.syntax].includes(key.column.toLowerCase()));
  const read = [
    ...keys.filter((_, i) => !windowKeys[i]).map((key) => key.expression),
    ...aggregates.map((a) => a.call),
  ];
  if (!keys.length || [...read, where ?? ''].some((text) => READS_WINDOW.test(text))) return undefined;
  if (!aggregates.every((a) => MERGING.has(a.merge))) return undefined;
  const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
  const paneUs = gcd(window.sizeUs, window.slideUs);
  const pane: WindowSpec = { ...window, kind: 'tumble', sizeUs: paneUs, slideUs: paneUs };
  const columns = source.columns.map(([name]) => name);
  const windowed = windowedRelation(window, undefined, columns);
  if (!inputRelation.includes(windowed)) return undefined;
  return {
    from: inputRelation.replace(windowed, () => windowedRelation(pane, undefined, columns)),
    start: window.syntax === 'flink' ? 'window_start' : '"window"."start"',
    windowKeys,
  };
}

const SESSION_COLUMNS = { flink: WINDOW_COLUMNS.flink, spark: ['"session_window"'] };

/**
 * Whether a session window's groups are its sessions (the keys: the partition and the window's columns) and every
 * aggregate merges without reading the window: then open sessions are kept as partial aggregates.
 */
function sessionMerge(window: WindowSpec, grouping: Grouping, partitionBy: string[]): boolean {
  const { keys, aggregates } = grouping;
  const windowKey = (key: GroupKey) => SESSION_COLUMNS[window.syntax].includes(key.column.toLowerCase());
  const partition = keys.filter((key) => !windowKey(key));
  const samePartition =
    window.syntax === 'spark' ||
    (partition.length === partitionBy.length &&
      partitionBy.every((name) => partition.some((key) => key.column.toLowerCase() === name.toLowerCase())));
  const read = [...partition.map((key) => key.expression), ...aggregates.map((a) => a.call)];
  return (
    samePartition &&
    keys.some(windowKey) &&
    aggregates.every((a) => MERGING.has(a.merge)) &&
    !read.some((text) => READS_WINDOW.test(text))
  );
}

interface Grouping {
  window: WindowSpec | undefined;
  /** GROUPING SETS, ROLLUP or CUBE: the sets, whose number `__set` is the last key. */
  sets: GroupingSets | undefined;
  from: StreamReference | null;
  /** FROM over the batch, its windows assigned. */
  inputRelation: string;
  keys: GroupKey[];
  aggregates: PartialAggregate[];
  /** The user's select list, HAVING and ORDER BY rewritten to read the state: aggregates finalised, keys read back. */
  edits: Edit[];
  /** The part of `edits` that names Spark's `window` column (quoted, as DuckDB has a WINDOW keyword). */
  windowEdits: Edit[];
}

/** The grouping keys, the window (a table function's, or Spark's window() in GROUP BY) and the state columns. */
function groupingOf(analysis: Analysis, source: SourceSpec, catalog: Catalog): Grouping {
  const { sql, clauses } = analysis;
  const from = streamInFrom(clauses!.from, source.name, analysis.sources);
  const spark = sparkWindowKeys(analysis, source, from, catalog);
  checkWindowColumn(spark.window, source);
  const selectItems = splitTopLevel(clauses!.select);
  let keysTokens = spark.keys;
  if (keysTokens.length === 1 && isWord(keysTokens[0]![0], 'ALL') && keysTokens[0]!.length === 1) {
    keysTokens = selectItems
      .filter(
        (item) =>
          !analysis.aggregateCalls.some(
            (call) => call.start >= item[0]!.start && call.end <= item[item.length - 1]!.end,
          ),
      )
      .map(withoutAlias);
  }
  const resolve = (key: Token[]) => resolveKeyReference(key, selectItems);
  const sets = groupingSetsOf(keysTokens, resolve);
  keysTokens = sets
    ? [...sets.keys, [{ kind: 'word', text: SET_COLUMN, start: -1, end: -1 }]]
    : keysTokens.map(resolve);
  const keys: GroupKey[] = keysTokens.map((key, i) => {
    const expression = key[0]!.start < 0 ? key[0]!.text : textOf(sql, key);
    return {
      expression: sets && i < sets.keys.length ? keyInSets(expression, i, sets) : expression,
      column: isColumnReference(key) ? quote(identifierName(key[key.length - 1]!)) : `__k${i}`,
    };
  });
  const { window, inputRelation } = spark;
  return { window, sets, inputRelation, from, keys, ...stateColumns(analysis, keys, keysTokens, window, sets) };
}

/** Spark: GROUP BY window(ts, ...) assigns windows to the stream's rows and groups by the `window` struct. */
function sparkWindowKeys(analysis: Analysis, source: SourceSpec, from: StreamReference | null, catalog: Catalog) {
  const { sql, clauses } = analysis;
  let window = analysis.tableFunctions[0]?.spec;
  let inputRelation = textOf(sql, clauses!.from);
  const keys = (clauses!.groupBy ? splitTopLevel(clauses!.groupBy) : []).map((key): Token[] => {
    if (!(
      key[0] &&
      isWord(key[0], 'WINDOW', 'SESSION_WINDOW') &&
      isSymbol(key[1], '(') &&
      closingBracket(key, 1) === key.length - 1
    ))
      return key;
    if (window)
      throw new PlanError(
        'Only one window per query is supported.',
        'Group by a single window(...).',
        undefined,
        key[0].start,
      );
    if (!from?.range)
      throw new PlanError(
        'window(...) groups the rows of a stream named in FROM.',
        'Write FROM <stream> [alias] ... GROUP BY window(ts, ...), ...',
        undefined,
        key[0].start,
      );
    window = sparkWindow(
      sql,
      key[0].text.toLowerCase(),
      splitTopLevel(key.slice(2, -1)),
      from.source,
      catalog.durationOf,
      key[0].start,
      source.columns.map(([name]) => name),
    );
    const column = window.kind === 'session' ? 'session_window' : 'window';
    const columns = source.columns.map(([name]) => name);
    const sessions = window.kind === 'session' ? analysis.sessions : undefined;
    const windowed = `(${windowedRelation(window, sessions, columns)}) AS ${quote(from.alias)}`;
    inputRelation =
      sql.slice(clauses!.from[0]!.start, from.range.start) +
      windowed +
      sql.slice(from.range.end, clauses!.from.at(-1)!.end);
    return [{ kind: 'quoted', text: quote(column), start: -1, end: -1 }];
  });
  return { window, keys, inputRelation };
}

/** Each aggregate call as a partial state column, and the edits that read the state back in the select list. */
function stateColumns(
  analysis: Analysis,
  keys: GroupKey[],
  keysTokens: Token[][],
  window: WindowSpec | undefined,
  sets: GroupingSets | undefined,
) {
  const { sql, tokens, aggregateCalls } = analysis;
  const clauses = analysis.clauses!;
  const edits: Edit[] = [];
  const selected = tokens.filter((token) => token.start >= clauses.select[0]!.start);
  if (sets) edits.push(...groupingCallEdits(sql, selected, sets));
  const aggregates: PartialAggregate[] = [];
  for (const call of aggregateCalls) {
    const text = sql.slice(call.start, call.end);
    let aggregate = aggregates.find((known) => known.call === text);
    if (!aggregate) {
      const column = `__a${aggregates.length}`;
      const distinctCount = aggregates.filter((known) => known.distinct).length;
      if (call.distinct) {
        const distinct = distinctAggregate(sql, tokens, call, distinctCount);
        aggregate = { call: text, column, merge: 'distinct', distinct };
      } else aggregate = { call: text, column, merge: VALUE_MERGES_BY_AGGREGATE[call.name.toLowerCase()] ?? 'combine' };
      aggregates.push(aggregate);
    }
    edits.push({
      start: call.start,
      end: call.end,
      text: aggregate.merge === 'combine' ? `finalize(${aggregate.column})` : aggregate.column,
    });
  }
  // Qualified key columns (`p.category`) are read back unqualified from the state table.
  keys.forEach((key, i) => {
    const tokensOfKey = keysTokens[i]!;
    if (key.column === `__k${i}` || tokensOfKey.length !== 3) return;
    for (const match of findSequence(tokens, tokensOfKey, clauses.select[0]!.start)) {
      if (!edits.some((edit) => match.start < edit.end && match.end > edit.start))
        edits.push({ ...match, text: key.column });
    }
  });
  const duplicate = keys.find((key, i) => keys.findIndex((other) => other.column === key.column) !== i);
  if (duplicate) {
    throw new PlanError(
      `Two grouping keys are both named ${duplicate.column}.`,
      'Group by one of them, or rename one in a subquery.',
    );
  }
  // Expression keys (not plain columns) are read back from their state column.
  keys.forEach((key, i) => {
    if (key.column !== `__k${i}`) return;
    for (const match of findSequence(tokens, keysTokens[i]!, clauses.select[0]!.start)) {
      if (!edits.some((edit) => match.start < edit.end && match.end > edit.start))
        edits.push({ ...match, text: key.column });
    }
  });
  const windowEdits: Edit[] = [];
  if (window?.syntax === 'spark') {
    tokens.forEach((token, i) => {
      if (
        isWord(token, 'WINDOW') &&
        !isSymbol(tokens[i + 1], '(') &&
        token.start >= clauses.select[0]!.start &&
        token.start < clauses.from[0]!.start
      ) {
        windowEdits.push({ start: token.start, end: token.end, text: '"window"' });
      }
    });
  }
  edits.push(...windowEdits);
  return { aggregates, edits, windowEdits };
}

/** `f(DISTINCT x[, ...]) [FILTER (WHERE c)]`: the value x, the filter c, and f over the kept values. */
function distinctAggregate(sql: string, tokens: Token[], call: AggregateCall, index: number): DistinctAggregate {
  const parts = tokens.filter((token) => token.start >= call.start && token.end <= call.end);
  const close = closingBracket(parts, 1);
  const [value, ...rest] = splitTopLevel(parts.slice(3, close));
  const filtered = isWord(parts[close + 1], 'FILTER') && isWord(parts[close + 3], 'WHERE');
  const filter = filtered ? parts.slice(close + 4, closingBracket(parts, close + 2)) : [];
  const args = [`__v${index}`, ...rest.map((arg) => textOf(sql, arg))].join(', ');
  return {
    index,
    value: textOf(sql, value ?? []),
    ...(filter.length && { filter: textOf(sql, filter) }),
    over: `${parts[0]!.text}(${args})`,
  };
}

const VALUE_MERGES_BY_AGGREGATE: Record<string, keyof typeof VALUE_MERGES> = {
  min: 'least',
  max: 'greatest',
  first: 'earliest',
  arbitrary: 'earliest',
  last: 'latest',
  any_value: 'coalesce',
};

const WINDOW_ROWTIMES = new Set([
  'window_end',
  'window_time',
  'window.end',
  'window_time(window)',
  'session_window.end',
  'window_time(session_window)',
]);

/**
 * Whether a select item is an event time the watermark has passed once its row is emitted: the window's end,
 * its window_time (end − 1 ms in Flink, end − 1 µs in Spark), or an event-time grouping key.
 */
function carriesEventTime(item: Token[], source: SourceSpec): boolean {
  const text = item
    .map((token) => (token.kind === 'quoted' ? identifierName(token) : token.text).toLowerCase())
    .join('');
  return WINDOW_ROWTIMES.has(text) || (source.eventTime !== undefined && text === source.eventTime.toLowerCase());
}

function isColumnReference(key: Token[]): boolean {
  const names = key.filter((_, i) => i % 2 === 0);
  const dots = key.filter((_, i) => i % 2 === 1);
  return (
    names.every((t) => t.kind === 'word' || t.kind === 'quoted') &&
    dots.every((t) => isSymbol(t, '.')) &&
    key.length % 2 === 1 &&
    key.length <= 3
  );
}

/** GROUP BY 1 or GROUP BY <select alias> stand for a select item's expression. */
function resolveKeyReference(key: Token[], selectItems: Token[][]): Token[] {
  if (key.length !== 1) return key;
  const [token] = key;
  if (token!.kind === 'number') {
    const item = selectItems[Number(token!.text) - 1];
    return item ? withoutAlias(item) : key;
  }
  for (const item of selectItems) {
    const alias = item[item.length - 1]!;
    if (item.length >= 3 && isWord(item[item.length - 2], 'AS') && identifierName(alias) === identifierName(token!))
      return item.slice(0, -2);
  }
  return key;
}

function findSequence(tokens: Token[], sequence: Token[], from: number): { start: number; end: number }[] {
  const same = (a: Token, b: Token) => a.text.toLowerCase() === b.text.toLowerCase();
  const matches: { start: number; end: number }[] = [];
  for (let i = 0; i + sequence.length <= tokens.length; i++) {
    if (tokens[i]!.start < from) continue;
    if (sequence.every((token, j) => same(tokens[i + j]!, token))) {
      matches.push({ start: tokens[i]!.start, end: tokens[i + sequence.length - 1]!.end });
    }
  }
  return matches;
}

/** The character range of `part` once the edits before and inside it are applied. */
function shifted(sql: string, edits: Edit[], part: Token[]): [number, number] {
  const start = part[0]!.start;
  const end = part[part.length - 1]!.end;
  const delta = (upTo: number) =>
    edits.filter((edit) => edit.end <= upTo).reduce((sum, edit) => sum + edit.text.length - (edit.end - edit.start), 0);
  return [start + delta(start), end + delta(end)];
}

function eventTimeOf(window: WindowSpec | undefined, keys: GroupKey[], source: SourceSpec): AggregatePlan['eventTime'] {
  if (window && !window.processingTime && !windowCarriesWatermark(window, source)) return null;
  if (window?.syntax === 'flink') {
    return keys.some((key) => key.column === '"window_end"') ? { input: 'window_end', state: '"window_end"' } : null;
  }
  if (window?.syntax === 'spark') return { input: '"window"."end"', state: '"window"."end"' };
  const eventColumn = source.eventTime && quote(source.eventTime.toLowerCase());
  const key = keys.find((k) => k.column.toLowerCase() === eventColumn);
  return key ? { input: key.expression, state: key.column } : null;
}
