import type { SourceSpec } from '../scenario';
import type { Staged } from './plan';
import { selectClauses } from '../sql/select';
import { closingBracket, identifierName, isSymbol, isWord, splitTopLevel, textOf, type Token } from '../sql/tokens';
import type { DurationOf, WindowSpec } from '../sql/windows';

/**
 * A join of two streams (Spark's stream–stream join, append mode): each side keeps its rows as state;
 * each batch joins its new rows with the other side's state; the watermark and the join's time
 * condition tell when a row can no longer match and is evicted. A left outer join emits an unmatched
 * left row with NULLs once it is evicted.
 */
export interface JoinPlan extends Staged {
  kind: 'join';
  sources: string[];
  sides: [JoinSide, JoinSide];
  outer: boolean;
  /** The user's query, window table functions expanded, reading the two streams by name. */
  sql: string;
  /** The same as an inner join, for the matches of each batch. */
  innerSql: string;
  /** The join condition, over the sides' aliases; for marking matched rows of a left outer join. */
  condition: string;
  /**
   * How far below its input watermark the join's output watermark stands (Spark 3.5's
   * StreamingSymmetricHashJoinExec.produceOutputWatermark): a time-range join can emit rows of its state that
   * far back, the longest range plus a millisecond; an equi-join on event time or windows, none.
   */
  watermarkDelayUs: bigint;
  /** Which select items carry a side's event time: a chained operator's rowtime. */
  eventTimeItems: boolean[];
}

export interface JoinSide {
  source: string;
  alias: string;
  eventTimeColumn: string;
  sourceColumns: string[];
  /** A row can be evicted once `event time + retainUs <= watermark`; null: kept for ever. */
  retainUs: bigint | null;
}

export class JoinShapeError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

interface Bound {
  /** `left.ts - right.ts` is at least `lo` and at most `hi` (microseconds), when known. */
  lo?: bigint;
  hi?: bigint;
}

/**
 * Plans a query whose FROM joins two streams. `windows` are the window table functions the query
 * applied to its streams (a Flink window join), by stream.
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
  const from = clauses.from;
  const joinAt = from.findIndex((token) => isWord(token, 'JOIN'));
  if (joinAt < 0)
    throw new JoinShapeError(
      'Two streams must be joined with JOIN ... ON.',
      'Write FROM a JOIN b ON <keys> AND <event-time range>.',
    );
  const kind = from.slice(Math.max(0, joinAt - 2), joinAt).map((token) => token.text.toUpperCase());
  if (kind.includes('RIGHT') || kind.includes('FULL')) {
    throw new JoinShapeError(
      'Right and full outer joins of two streams are not supported.',
      'Put the stream whose unmatched rows you want on the left of a LEFT JOIN.',
    );
  }
  if (kind.includes('SEMI') || kind.includes('ASOF') || kind.includes('POSITIONAL')) {
    throw new JoinShapeError(
      `${kind.at(-1)} joins of two streams are not supported.`,
      'Join them with an inner JOIN ... ON keys AND an event-time range.',
    );
  }
  const outer = kind.includes('LEFT');
  const onAt = from.findIndex((token, i) => i > joinAt && isWord(token, 'ON'));
  if (onAt < 0)
    throw new JoinShapeError(
      'A join of two streams needs an ON condition.',
      'Write ... JOIN b ON a.key = b.key AND <event-time range>.',
    );
  const sides = [sideOf(from.slice(0, joinAt), streams), sideOf(from.slice(joinAt + 1, onAt), streams)] as const;
  if (!sides[0] || !sides[1])
    throw new JoinShapeError(
      'Each side of the join must be a stream or a window table function over one.',
      'Write FROM a JOIN b ON ...',
    );
  const condition = from.slice(onAt + 1);
  const conditionSql = textOf(sql, condition);

  const [left, right] = sides;
  const leftWindow = windows.get(left.source.name.toLowerCase());
  const rightWindow = windows.get(right.source.name.toLowerCase());
  const bound = timeBound(sql, condition, left, right, durationOf);
  const windowJoin = leftWindow && rightWindow && joinsWindows(condition, left.alias, right.alias);
  let retain: [bigint | null, bigint | null] = [null, null];
  if (windowJoin) {
    retain = [leftWindow.sizeUs, rightWindow.sizeUs];
  } else if (bound.lo !== undefined || bound.hi !== undefined) {
    // A left row can only meet right rows with right.ts >= left.ts - hi; future right rows come after the
    // watermark, so once left.ts - hi <= watermark... and symmetrically for the right side.
    retain = [bound.lo !== undefined ? -bound.lo : null, bound.hi !== undefined ? bound.hi : null];
  }
  if (outer && (retain[0] === null || !left.source.watermark || !right.source.watermark)) {
    throw new JoinShapeError(
      'A left outer join of two streams emits an unmatched row once no match can come any more: that needs watermarks on both streams and an event-time range in the join condition.',
      `Add watermarks and a condition such as ${right.alias}.${right.source.eventTime} BETWEEN ${left.alias}.${left.source.eventTime} AND ${left.alias}.${left.source.eventTime} + INTERVAL 10 MINUTES.`,
    );
  }
  const longest = retain.reduce<bigint>((max, us) => (us !== null && us > max ? us : max), 0n);
  const watermarkDelayUs = !windowJoin && longest > 0n ? longest + 1000n : 0n;
  const eventTimeItems = splitTopLevel(clauses.select).map((item) => selectsEventTime(item, [left, right]));
  const joinKeyword = from.slice(outer ? joinAt - (isWord(from[joinAt - 1], 'OUTER') ? 2 : 1) : joinAt, joinAt + 1);
  const innerSql = outer ? sql.slice(0, joinKeyword[0]!.start) + 'JOIN' + sql.slice(joinKeyword.at(-1)!.end) : sql;
  return {
    kind: 'join',
    sources: [left.source.name, right.source.name],
    sides: [toSide(left, retain[0]), toSide(right, retain[1])],
    outer,
    sql,
    innerSql,
    condition: conditionSql,
    watermarkDelayUs,
    eventTimeItems,
  };
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
}

function sideOf(tokens: Token[], streams: SourceSpec[]): SideReference | null {
  const items = tokens.filter((token) => !isWord(token, 'LEFT', 'RIGHT', 'INNER', 'OUTER', 'FULL', 'AS'));
  let name: Token | undefined;
  let aliasToken: Token | undefined;
  if (isSymbol(items[0], '(')) {
    const close = closingBracket(items, 0);
    const inner = items.slice(1, close);
    name = inner.find(
      (token, i) => isWord(inner[i - 1], 'FROM') && streams.some((s) => s.name.toLowerCase() === identifierName(token)),
    );
    aliasToken = items[close + 1];
  } else {
    name = items[0];
    aliasToken = items[1];
  }
  const source = name && streams.find((s) => s.name.toLowerCase() === identifierName(name));
  if (!source) return null;
  return { source, alias: aliasToken ? identifierName(aliasToken) : source.name.toLowerCase() };
}

function toSide(side: SideReference, retainUs: bigint | null): JoinSide {
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
    if (relation === '<=' || relation === '<') tighten(undefined, difference);
    if (relation === '>=' || relation === '>') tighten(difference, undefined);
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
function conjuncts(condition: Token[]): Token[][] {
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
