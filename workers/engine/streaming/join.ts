import type { SourceSpec } from '../scenario';
import type { Staged } from './plan';
import { selectClauses, type SelectClauses } from '../sql/select';
import {
  applyEdits,
  closingBracket,
  identifierName,
  isSymbol,
  isWord,
  splitTopLevel,
  textOf,
  type Edit,
  type Token,
} from '../sql/tokens';
import { quote, type DurationOf, type WindowSpec } from '../sql/windows';
import { JOIN_WORDS } from './rules';

/** The join types a join of two streams runs: Spark's stream–stream joins, and Flink's window joins. */
export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'semi' | 'anti';

/**
 * A join of two streams (Spark's stream–stream join, append mode): each side keeps its rows as state;
 * each batch joins its new rows with the other side's state; the watermark and the join's time
 * condition tell when a row can no longer match and is evicted. An outer side's unmatched row comes out with
 * NULLs once it is evicted; a left semi join emits a left row once, at its first match. A Flink window join
 * (`window`) instead joins each window's rows once the watermark closes it.
 */
export interface JoinPlan extends Staged {
  kind: 'join';
  sources: string[];
  sides: [JoinSide, JoinSide];
  type: JoinType;
  /** The user's query, window table functions expanded, reading the two streams by name; `SEMI JOIN` as DuckDB spells it. */
  sql: string;
  /** The same as an inner join, for the matches of each batch. */
  innerSql: string;
  /** The join condition, over the sides' aliases; for marking matched rows. */
  condition: string;
  /**
   * How far below its input watermark the join's output watermark stands (Spark 3.5's
   * StreamingSymmetricHashJoinExec.produceOutputWatermark): a time-range join can emit rows of its state that
   * far back, its longest retention; an equi-join on event time, none; a window join, its window size.
   */
  watermarkDelayUs: bigint;
  /** Which select items carry a side's event time: a chained operator's rowtime. */
  eventTimeItems: boolean[];
  window: WindowJoin | null;
}

export interface JoinSide {
  source: string;
  alias: string;
  eventTimeColumn: string;
  sourceColumns: string[];
  /** A row can be evicted once `event time + retainUs <= watermark`; null: kept for ever. */
  retainUs: bigint | null;
  /** Whether its rows that never match come out with NULLs for the other side's columns. */
  outer: boolean;
  /** Whether its state rows carry a matched flag (`__matched`) and a row id (`__row`): an outer side, a semi join's left. */
  tracked: boolean;
  /** The conjuncts of the ON condition that read this side alone (Spark's preJoinFilter); null when there are none. */
  filter: string | null;
  /** The query that emits this side's rows with NULLs for the other side's columns, run with the other side empty. */
  paddedSql: string;
}

/** Flink's window join (WindowJoinOperator): each side's windowed rows wait for their window to close. */
export interface WindowJoin {
  /** The query, each side's windowed relation replaced by its stream's name: it reads the closed windows' rows. */
  sql: string;
  /** Each side's relation as the query writes it, windows assigned, over the stream's batch. */
  relations: [string, string];
  /** Each side's end of a row's last window, in microseconds over the stream's columns: late once the watermark reaches it. */
  lastEnds: [string, string];
}

export class JoinShapeError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    readonly spark?: string,
  ) {
    super(message);
  }
}

/**
 * `left.ts - right.ts` lies above `lo` and below `hi` (microseconds), when known. A bound that admits its own
 * value (`<=`, `>=`, BETWEEN) reaches a millisecond further, as Spark's state watermark does (the `- 1` of
 * StreamingJoinHelper.getStateValueWatermark); an equality is a join key, watermarked as it is.
 */
interface Bound {
  lo?: bigint;
  hi?: bigint;
}

/** Spark's StreamingJoinStrategy: a join of two streams without a key equality has no plan. */
const NO_EQUALITY = 'Stream-stream join without equality predicate is not supported';

const SPARK_JOIN_TYPES: Record<JoinType, string> = {
  inner: 'Inner',
  left: 'LeftOuter',
  right: 'RightOuter',
  full: 'FullOuter',
  semi: 'LeftSemi',
  anti: 'LeftAnti',
};

/**
 * Plans a query that joins two streams: in FROM (`JOIN ... ON`), or, for Flink's window semi and anti joins, in
 * WHERE (`IN`, `EXISTS` and their `NOT`s over the other stream's windows). `windows` are the window table
 * functions the query applied to its streams (a Flink window join), by stream.
 */
export function planJoin(
  sql: string,
  tokens: Token[],
  streams: SourceSpec[],
  windows: Map<string, WindowSpec>,
  durationOf: DurationOf,
): JoinPlan {
  const clauses = selectClauses(tokens);
  if (!clauses)
    throw new JoinShapeError(
      'A join of two streams must be a single SELECT ... FROM ... JOIN ... statement.',
      'Move CTEs and set operations out of the query.',
    );
  const { type, sides, condition, keyword } = fromJoin(clauses.from, streams) ?? whereJoin(clauses, streams);
  const [left, right] = sides;
  const spell = (text: string) => (keyword ? applyEdits(sql, [{ ...keyword, text }]) : sql);
  const written = keyword && {
    ...keyword,
    text: type === 'semi' ? 'SEMI JOIN' : sql.slice(keyword.start, keyword.end),
  };
  const window = windowJoin(sql, written ? [written] : [], condition, sides, windows);
  if (!window && !keyword)
    throw new JoinShapeError(
      'A stream in a subquery of WHERE is joined only as Flink’s window semi or anti join: both streams windowed by the same window table function, the subquery equating their window_start and window_end.',
      'Window both streams, or join them in FROM: ... FROM a LEFT SEMI JOIN b ON <keys> AND <event-time range>.',
    );
  if (!window && !equatesSides(condition, sides))
    throw new JoinShapeError(
      'A join of two streams finds each row’s matches by its keys: the ON condition must equate a column of one stream with a column of the other.',
      'Add a key equality: ... ON a.key = b.key AND <event-time range>.',
      NO_EQUALITY,
    );
  const retain = window ? window.retain : intervalRetention(sql, condition, sides, type, durationOf);
  const longest = retain.reduce<bigint>((max, us) => (us !== null && us > max ? us : max), 0n);
  const filters = window ? [null, null] : sideFilters(sql, condition, sides);
  const outer = [type === 'left' || type === 'full', type === 'right' || type === 'full'];
  const side = (reference: SideReference, i: 0 | 1): JoinSide => ({
    ...toSide(reference, retain[i]),
    outer: outer[i]!,
    tracked: !window && (outer[i]! || (i === 0 && type === 'semi')),
    filter: filters[i] ?? null,
    paddedSql: spell(i === 0 ? 'LEFT JOIN' : 'RIGHT JOIN'),
  });
  return {
    kind: 'join',
    sources: [left.source.name, right.source.name],
    sides: [side(left, 0), side(right, 1)],
    type,
    sql: written ? applyEdits(sql, [written]) : sql,
    innerSql: spell('JOIN'),
    condition: textOf(sql, condition),
    watermarkDelayUs: longest,
    eventTimeItems: splitTopLevel(clauses.select).map((item) => selectsEventTime(item, sides)),
    window: window?.join ?? null,
  };
}

/** How a query joins its two streams, as the planner reads it. */
interface JoinForm {
  type: JoinType;
  sides: [SideReference, SideReference];
  condition: Token[];
  /** Where FROM spells the join (`LEFT OUTER JOIN`); null for a join in WHERE. */
  keyword: { start: number; end: number } | null;
}

/** `FROM a [LEFT|RIGHT|FULL [OUTER]|[LEFT] SEMI] JOIN b ON ...`; null when FROM joins nothing. */
function fromJoin(from: Token[], streams: SourceSpec[]): JoinForm | null {
  const joinAt = from.findIndex((token) => isWord(token, 'JOIN'));
  if (joinAt < 0) return null;
  let keywordAt = joinAt;
  while (isWord(from[keywordAt - 1], 'LEFT', 'RIGHT', 'FULL', 'OUTER', 'INNER', 'SEMI', 'ASOF', 'POSITIONAL'))
    keywordAt--;
  const type = joinType(from.slice(keywordAt, joinAt).map((token) => token.text.toUpperCase()));
  const onAt = from.findIndex((token, i) => i > joinAt && isWord(token, 'ON'));
  if (onAt < 0)
    throw new JoinShapeError(
      'A join of two streams needs an ON condition.',
      'Write ... JOIN b ON a.key = b.key AND <event-time range>.',
      isWord(from[joinAt - 1], 'CROSS') ? NO_EQUALITY : undefined,
    );
  const sides = bothSides(sideOf(from.slice(0, keywordAt), streams), sideOf(from.slice(joinAt + 1, onAt), streams));
  const keyword = { start: from[keywordAt]!.start, end: from[joinAt]!.end };
  return { type, sides, condition: from.slice(onAt + 1), keyword };
}

/**
 * Flink's window semi and anti joins: `WHERE [x [NOT] IN | [NOT] EXISTS] (SELECT ... FROM <b's windows> WHERE
 * <a's and b's windows equal> ...)`, the condition being the subquery's WHERE.
 */
function whereJoin(clauses: SelectClauses, streams: SourceSpec[]): JoinForm {
  const where = clauses.where ?? [];
  const open = where.findIndex(
    (token, i) => isSymbol(token, '(') && isWord(where[i + 1], 'SELECT') && isWord(where[i - 1], 'IN', 'EXISTS'),
  );
  const subquery = open < 0 ? null : selectClauses(where.slice(open + 1, closingBracket(where, open)));
  if (!subquery?.where)
    throw new JoinShapeError(
      'Two streams must be joined with JOIN ... ON.',
      'Write FROM a JOIN b ON <keys> AND <event-time range>.',
    );
  const sides = bothSides(sideOf(clauses.from, streams), sideOf(subquery.from, streams));
  return { type: isWord(where[open - 2], 'NOT') ? 'anti' : 'semi', sides, condition: subquery.where, keyword: null };
}

function bothSides(left: SideReference | null, right: SideReference | null): [SideReference, SideReference] {
  if (!left || !right)
    throw new JoinShapeError(
      'Each side of the join must be a stream or a window table function over one.',
      'Write FROM a JOIN b ON ...',
    );
  return [left, right];
}

function joinType(words: string[]): JoinType {
  const unsupported = words.find((word) => word === 'ASOF' || word === 'POSITIONAL');
  if (unsupported)
    throw new JoinShapeError(
      `${unsupported} joins of two streams are not supported.`,
      'Join them with an inner JOIN ... ON keys AND an event-time range.',
    );
  if (words.includes('SEMI')) return 'semi';
  if (words.includes('FULL')) return 'full';
  if (words.includes('RIGHT')) return 'right';
  return words.includes('LEFT') ? 'left' : 'inner';
}

/**
 * How long each side's rows wait for a match, from the condition's event-time range; Spark's
 * checkForStreamStreamJoinWatermark refuses an outer or semi join whose state could never be evicted.
 */
function intervalRetention(
  sql: string,
  condition: Token[],
  [left, right]: [SideReference, SideReference],
  type: JoinType,
  durationOf: DurationOf,
): [bigint | null, bigint | null] {
  const bound = timeBound(sql, condition, left, right, durationOf);
  // A left row can only meet right rows with right.ts >= left.ts - hi; future right rows come after the
  // watermark, so once left.ts - hi <= watermark... and symmetrically for the right side.
  const retain: [bigint | null, bigint | null] = [
    bound.lo !== undefined ? -bound.lo : null,
    bound.hi !== undefined ? bound.hi : null,
  ];
  const evictable = {
    ...{ inner: true, left: retain[0], right: retain[1] },
    ...{ full: retain[0] ?? retain[1], semi: retain[0], anti: retain[0] },
  };
  const watermarked = left.source.watermark && right.source.watermark;
  if (type !== 'inner' && (evictable[type] === null || !watermarked)) {
    const [kept, other] = type === 'right' ? [right, left] : [left, right];
    const time = (side: SideReference) => `${side.alias}.${side.source.eventTime}`;
    const why =
      type === 'semi'
        ? 'keeps each unmatched left row until no match can come any more'
        : 'emits an unmatched row once no match can come any more';
    throw new JoinShapeError(
      `A ${type === 'semi' ? 'left semi' : `${type} outer`} join of two streams ${why}: that needs watermarks on both streams and an event-time range in the join condition.`,
      `Add watermarks and a condition such as ${time(other)} BETWEEN ${time(kept)} AND ${time(kept)} + INTERVAL 10 MINUTES.`,
      `Stream-stream ${SPARK_JOIN_TYPES[type]} join between two streaming DataFrame/Datasets is not supported without a watermark in the join keys, or a watermark on the nullable side and an appropriate range condition`,
    );
  }
  return retain;
}

/** `alias.ts`, or `ts`, of a side's event-time column, with or without `AS name`. */
function selectsEventTime(item: Token[], sides: SideReference[]): boolean {
  const expression = isWord(item.at(-2), 'AS') ? item.slice(0, -2) : item;
  const names = expression.map((token) => identifierName(token));
  return sides.some((side) => {
    const eventTime = side.source.eventTime?.toLowerCase();
    return (
      (names.length === 1 && names[0] === eventTime) ||
      (names.length === 3 && names[0] === side.alias && names[1] === '.' && names[2] === eventTime)
    );
  });
}

interface SideReference {
  source: SourceSpec;
  alias: string;
  /** The tokens of a parenthesised side before its alias: a window table function's relation, or a subquery over one. */
  relation?: Token[];
}

function sideOf(tokens: Token[], streams: SourceSpec[]): SideReference | null {
  const items = tokens.filter((token) => !isWord(token, 'AS'));
  let name: Token | undefined;
  let aliasToken: Token | undefined;
  let relation: Token[] | undefined;
  if (isSymbol(items[0], '(')) {
    const close = closingBracket(items, 0);
    const inner = items.slice(1, close);
    name = inner.find(
      (token, i) => isWord(inner[i - 1], 'FROM') && streams.some((s) => s.name.toLowerCase() === identifierName(token)),
    );
    aliasToken = items[close + 1];
    relation = items.slice(0, close + 1);
  } else {
    name = items[0];
    aliasToken = items[1];
  }
  const source = name && streams.find((s) => s.name.toLowerCase() === identifierName(name));
  if (!source) return null;
  const alias = aliasToken ? identifierName(aliasToken) : source.name.toLowerCase();
  return relation ? { source, alias, relation } : { source, alias };
}

function toSide(side: SideReference, retainUs: bigint | null) {
  if (!side.source.eventTime) {
    throw new JoinShapeError(
      `The stream ${side.source.name} has no event time, so its join state could never be cleaned up.`,
      `Set eventTime on ${side.source.name}.`,
    );
  }
  return {
    source: side.source.name,
    alias: side.alias,
    eventTimeColumn: side.source.eventTime,
    sourceColumns: side.source.columns.map(([name]) => name),
    retainUs,
  };
}

/**
 * Flink's window join: both sides windowed by the same table function, the condition equating their windows.
 * `keyword` spells the join keyword as the query runs it, when FROM joins.
 */
function windowJoin(
  sql: string,
  keyword: Edit[],
  condition: Token[],
  sides: [SideReference, SideReference],
  windows: Map<string, WindowSpec>,
): { join: WindowJoin; retain: [bigint, bigint] } | null {
  const [left, right] = sides.map((side) => windows.get(side.source.name.toLowerCase()));
  if (!left || !right || !joinsWindows(condition, sides[0].alias, sides[1].alias)) return null;
  if (left.kind === 'session' || right.kind === 'session')
    throw new JoinShapeError(
      'A window join directly over SESSION windows is not supported (Flink: the windowing TVF has to be TUMBLE, HOP or CUMULATE).',
      'Window both streams with TUMBLE, HOP or CUMULATE.',
    );
  if (
    left.kind !== right.kind ||
    left.sizeUs !== right.sizeUs ||
    left.slideUs !== right.slideUs ||
    left.offsetUs !== right.offsetUs
  )
    throw new JoinShapeError(
      'The two sides of a window join must use the same window (Flink: the windowing TVFs must be the same on both inputs).',
      'Window both streams with the same TUMBLE, HOP or CUMULATE call, sizes and offset included.',
    );
  if (!sides[0].source.watermark || !sides[1].source.watermark)
    throw new JoinShapeError(
      'A window join emits each window once the watermark closes it: both streams need a watermark.',
      `Set a watermark on ${sides
        .filter((side) => !side.source.watermark)
        .map((side) => side.source.name)
        .join(' and ')}.`,
    );
  const relations = sides.map((side) => side.relation ?? []);
  const named = sides.map((side, i): Edit => ({
    start: relations[i]![0]!.start,
    end: relations[i]!.at(-1)!.end,
    text: quote(side.source.name),
  }));
  return {
    join: {
      sql: applyEdits(sql, [named[0]!, ...keyword, named[1]!]),
      relations: [textOf(sql, relations[0]!), textOf(sql, relations[1]!)],
      lastEnds: [lastWindowEnd(left), lastWindowEnd(right)],
    },
    retain: [left.sizeUs, right.sizeUs],
  };
}

/**
 * The end of a row's last TUMBLE, HOP or CUMULATE window, in microseconds over the stream's columns: the row is late
 * once the watermark reaches it.
 */
export function lastWindowEnd(spec: WindowSpec): string {
  const unit = spec.kind === 'hop' ? spec.slideUs : spec.sizeUs;
  const ts = `epoch_us(${quote(spec.timeColumn)})`;
  return `${ts} - (((${ts} - ${spec.offsetUs}) % ${unit}) + ${unit}) % ${unit} + ${spec.sizeUs}`;
}

/** Whether a conjunct of the ON condition equates the two sides (Spark's ExtractEquiJoinKeys finds a join key). */
function equatesSides(condition: Token[], sides: SideReference[]): boolean {
  let depth = 0;
  const end = condition.findIndex((token) => {
    depth += isSymbol(token, '(') ? 1 : isSymbol(token, ')') ? -1 : 0;
    return depth === 0 && isWord(token, 'JOIN', ...JOIN_WORDS);
  });
  return conjuncts(end < 0 ? condition : condition.slice(0, end)).some((conjunct) => {
    if (isSymbol(conjunct[0], '(') && closingBracket(conjunct, 0) === conjunct.length - 1)
      return equatesSides(conjunct.slice(1, -1), sides);
    const operands = splitTopLevel(conjunct, '=');
    if (operands.length !== 2) return false;
    const [left, right] = operands.map((operand) => [...sidesRead(operand, sides)]);
    return left!.length === 1 && right!.length === 1 && left![0]! >= 0 && right![0]! >= 0 && left![0] !== right![0];
  });
}

/** Each side's conjuncts of the condition that read that side alone (Spark's JoinConditionSplitPredicates). */
function sideFilters(sql: string, condition: Token[], sides: SideReference[]): (string | null)[] {
  const alone: string[][] = [[], []];
  for (const conjunct of conjuncts(condition)) {
    const read = sidesRead(conjunct, sides);
    const only = [...read][0];
    if (read.size === 1 && only !== undefined && only >= 0) alone[only]!.push(`(${textOf(sql, conjunct)})`);
  }
  return alone.map((parts) => (parts.length ? parts.join(' AND ') : null));
}

/** Which sides a conjunct reads (by alias, or by a column only one side has); -1 for another relation's alias. */
function sidesRead(conjunct: Token[], sides: SideReference[]): Set<number> {
  const read = new Set<number>();
  conjunct.forEach((token, i) => {
    if (token.kind !== 'word' && token.kind !== 'quoted') return;
    if (isSymbol(conjunct[i - 1], '.') || isSymbol(conjunct[i + 1], '(')) return;
    const name = identifierName(token);
    const qualified = isSymbol(conjunct[i + 1], '.');
    const found = sides.flatMap((side, k) =>
      (qualified ? side.alias === name : side.source.columns.some(([column]) => column.toLowerCase() === name))
        ? [k]
        : [],
    );
    if (qualified && found.length === 0) read.add(-1);
    for (const k of found) read.add(k);
  });
  return read;
}

/** `L.window_start = R.window_start` (or window_end) in the condition: a Flink window join. */
function joinsWindows(condition: Token[], left: string, right: string): boolean {
  return condition.some(
    (token, i) =>
      /^window_(start|end)$/i.test(token.text) &&
      isSymbol(condition[i - 1], '.') &&
      [left, right].includes(identifierName(condition[i - 2]!)) &&
      isSymbol(condition[i + 1], '='),
  );
}

/** The range of `left.ts - right.ts` the condition allows, from BETWEEN and comparisons of the two event times. */
function timeBound(
  sql: string,
  condition: Token[],
  left: SideReference,
  right: SideReference,
  durationOf: DurationOf,
): Bound {
  const bound: Bound = {};
  const tighten = (lo?: bigint, hi?: bigint) => {
    if (lo !== undefined && (bound.lo === undefined || lo > bound.lo)) bound.lo = lo;
    if (hi !== undefined && (bound.hi === undefined || hi < bound.hi)) bound.hi = hi;
  };
  /** `alias.ts [+|- INTERVAL ...]` as (side, offset) or null. */
  const term = (part: Token[]): { side: 'left' | 'right'; offset: bigint } | null => {
    if (part.length < 3 || !isSymbol(part[1], '.')) return null;
    const alias = identifierName(part[0]!);
    const column = identifierName(part[2]!);
    const side =
      alias === left.alias && column === left.source.eventTime?.toLowerCase()
        ? 'left'
        : alias === right.alias && column === right.source.eventTime?.toLowerCase()
          ? 'right'
          : null;
    if (!side) return null;
    if (part.length === 3) return { side, offset: 0n };
    if (!isSymbol(part[3], '+') && !isSymbol(part[3], '-')) return null;
    const offset = durationOf(textOf(sql, part.slice(4)), 'join time condition');
    return { side, offset: isSymbol(part[3], '-') ? -offset : offset };
  };
  /** `a op b` with a, b event-time terms: tightens the bound on left - right. */
  const compare = (a: Token[], op: string, b: Token[]) => {
    const x = term(a);
    const y = term(b);
    if (!x || !y || x.side === y.side) return;
    // x.ts + x.offset op y.ts + y.offset, so x.ts - y.ts op y.offset - x.offset
    let difference = y.offset - x.offset;
    let relation = op;
    if (x.side === 'right') {
      difference = -difference;
      relation = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=' }[op] ?? op;
    }
    if (relation === '<=' || relation === '<') tighten(undefined, difference + (relation === '<=' ? 1000n : 0n));
    if (relation === '>=' || relation === '>') tighten(difference - (relation === '>=' ? 1000n : 0n), undefined);
    if (relation === '=') tighten(difference, difference);
  };
  for (const conjunct of conjuncts(condition)) {
    const between = conjunct.findIndex((token) => isWord(token, 'BETWEEN'));
    if (between > 0) {
      const and = conjunct.findIndex((token, i) => i > between && isWord(token, 'AND'));
      compare(conjunct.slice(0, between), '>=', conjunct.slice(between + 1, and));
      compare(conjunct.slice(0, between), '<=', conjunct.slice(and + 1));
      continue;
    }
    const at = conjunct.findIndex(
      (token) => ['<', '<=', '>', '>=', '='].includes(token.text) && token.kind === 'symbol',
    );
    if (at > 0) compare(conjunct.slice(0, at), conjunct[at]!.text, conjunct.slice(at + 1));
  }
  return bound;
}

/** Splits a condition at its top-level ANDs, keeping `BETWEEN x AND y` whole. */
export function conjuncts(condition: Token[]): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  let inBetween = false;
  for (const token of condition) {
    if (isSymbol(token, '(')) depth++;
    if (isSymbol(token, ')')) depth--;
    if (depth === 0 && isWord(token, 'BETWEEN')) inBetween = true;
    if (depth === 0 && isWord(token, 'AND') && !inBetween) {
      parts.push([]);
      continue;
    }
    if (depth === 0 && isWord(token, 'AND') && inBetween) inBetween = false;
    parts[parts.length - 1]!.push(token);
  }
  return parts.filter((part) => part.length > 0).map((part) => splitTopLevel(part, ';')[0] ?? part);
}
