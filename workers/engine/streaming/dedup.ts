import type { SourceSpec } from '../scenario';
import type { Staged } from './plan';
import { selectClauses, type SelectClauses } from '../sql/select';
import {
  closingBracket,
  identifierName,
  isColumnNamed,
  isSymbol,
  isWord,
  sameName,
  splitTopLevel,
  textOf,
  type Token,
} from '../sql/tokens';
import { withoutAlias } from './analysis';
import { quote } from '../sql/windows';
import { lateFrom, type LateRowSource } from './operators/statements';

/**
 * Deduplication, as Spark's dropDuplicates and Flink's deduplication pattern:
 * - `SELECT DISTINCT ...` over a stream: each distinct row once (dropDuplicates over all columns);
 * - `... FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts) AS rn FROM stream) WHERE rn = 1`:
 *   the first row per key (dropDuplicates(k));
 * - `SELECT * FROM TABLE(DEDUPLICATE_WITHIN_WATERMARK(TABLE stream, DESCRIPTOR(k)))`: the first row per key,
 *   forgetting the key once the watermark passes its event time plus the watermark delay
 *   (dropDuplicatesWithinWatermark).
 * Late rows (event time at or below the watermark) are dropped; state is evicted by the watermark when
 * the event time is part of the key (within-watermark: always).
 */
export interface DedupPlan extends Staged {
  kind: 'dedup';
  style: 'distinct' | 'first' | 'withinWatermark';
  sources: string[];
  alias: string;
  /** The batch's candidate rows, one per key, from the stream's on-time rows (the table `tables.input`). */
  candidates: string;
  /** Columns of the candidates that make the key. */
  keys: string[];
  /** A candidate column holding the event time that evicts the key, when there is one. */
  evictBy?: string;
  /** The user's query over the new rows (the table `tables.emitted`). */
  output: string;
  lateFrom: LateRowSource;
  /** Whether the operator drops late rows (its input carries the watermarked event time). */
  dropsLate: boolean;
}

/** The operator's tables: the batch's on-time rows, and the rows it emits. */
export interface DedupTables {
  input: string;
  emitted: string;
}

export function planDedup(sql: string, tokens: Token[], source: SourceSpec, tables: DedupTables): DedupPlan | null {
  const clauses = selectClauses(tokens);
  if (!clauses) return null;
  return (
    distinct(sql, clauses, source, tables) ??
    firstPerKey(sql, clauses, source, tables) ??
    withinWatermark(sql, tokens, source, tables)
  );
}

/** `DEDUPLICATE_WITHIN_WATERMARK` needs the stream's watermark delay to know when to forget a key. */
export function withWatermarkDelay(plan: DedupPlan, delayUs: bigint): DedupPlan {
  if (plan.style !== 'withinWatermark') return plan;
  return { ...plan, evictBy: `make_timestamp(epoch_us(${plan.evictBy}) + ${delayUs})` };
}

function base(source: SourceSpec, alias: string) {
  return { sources: [source.name], alias, lateFrom: lateFrom(source, alias) };
}

/** `stream [AS] alias` alone in FROM: where it is, and its alias. */
function streamAlone(from: Token[], source: SourceSpec): { alias: string; start: number; end: number } | null {
  const [name, ...rest] = from;
  if (!name || identifierName(name) !== source.name.toLowerCase()) return null;
  const aliasTokens = isWord(rest[0], 'AS') ? rest.slice(1) : rest;
  if (aliasTokens.length > 1) return null;
  const last = aliasTokens[0] ?? name;
  return {
    alias: aliasTokens[0] ? identifierName(aliasTokens[0]) : identifierName(name),
    start: name.start,
    end: last.end,
  };
}

function distinct(sql: string, clauses: SelectClauses, source: SourceSpec, tables: DedupTables): DedupPlan | null {
  if (!clauses.distinct || clauses.groupBy) return null;
  const stream = streamAlone(clauses.from, source);
  if (!stream) return null;
  const items = splitTopLevel(clauses.select);
  // `SELECT DISTINCT *` keys by every column of the stream, as Spark's dropDuplicates() with no columns.
  const everyColumn = items.length === 1 && isSymbol(items[0]!.at(-1), '*');
  const names = everyColumn
    ? source.columns.map(([name]) => name.toLowerCase())
    : items.map((item) => identifierName(item[item.length - 1]!));
  // As in Spark, the key carries the watermark when it holds the event-time column, under any name (an alias keeps
  // the column's watermark): the watermark then evicts keys, and late rows are dropped.
  const { eventTime } = source;
  const eventTimeAt =
    eventTime === undefined
      ? -1
      : everyColumn
        ? names.findIndex((name) => sameName(name, eventTime))
        : items.findIndex((item) => isColumnNamed(expressionOf(item), eventTime));
  const candidates = sql.slice(0, stream.start) + `${tables.input} AS ${quote(stream.alias)}` + sql.slice(stream.end);
  return {
    kind: 'dedup',
    style: 'distinct',
    ...base(source, stream.alias),
    candidates,
    keys: names.map(quote),
    ...(eventTimeAt >= 0 && { evictBy: quote(names[eventTimeAt]!) }),
    output: `SELECT * FROM ${tables.emitted}`,
    dropsLate: eventTimeAt >= 0,
  };
}

/** A select item without its alias (`x AS a`, `x a`). */
function expressionOf(item: Token[]): Token[] {
  const bare = withoutAlias(item);
  if (bare !== item) return bare;
  const named = (token: Token | undefined) => token?.kind === 'word' || token?.kind === 'quoted';
  const implicit = named(item.at(-1)) && named(item.at(-2)) && !isSymbol(item.at(-3), '.');
  return implicit ? item.slice(0, -1) : item;
}

function firstPerKey(sql: string, clauses: SelectClauses, source: SourceSpec, tables: DedupTables): DedupPlan | null {
  if (!isSymbol(clauses.from[0], '(') || !clauses.where) return null;
  const close = closingBracket(clauses.from, 0);
  const inner = selectClauses(clauses.from.slice(1, close));
  if (!inner) return null;
  const stream = streamAlone(inner.from, source);
  const over = inner.select.findIndex((token, i) => isWord(token, 'ROW_NUMBER') && isWord(inner.select[i + 3], 'OVER'));
  if (!stream || over < 0) return null;
  const spec = inner.select.slice(over + 5, closingBracket(inner.select, over + 4));
  const orderAt = spec.findIndex((token) => isWord(token, 'ORDER'));
  if (!isWord(spec[0], 'PARTITION') || orderAt < 0) return null;
  const partition = splitTopLevel(spec.slice(2, orderAt));
  const order = spec.slice(orderAt + 2);
  const rowNumberAlias =
    inner.select[
      closingBracket(inner.select, over + 4) +
        (isWord(inner.select[closingBracket(inner.select, over + 4) + 1], 'AS') ? 2 : 1)
    ];
  const where = clauses.where;
  const keepsFirst =
    rowNumberAlias &&
    where.length === 3 &&
    identifierName(where[0]!) === identifierName(rowNumberAlias) &&
    (isSymbol(where[1], '=') || isSymbol(where[1], '<=')) &&
    where[2]!.text === '1';
  const eventTime = source.eventTime;
  const ordering = order.filter((token) => !isWord(token, 'ASC'));
  const byEventTime = eventTime !== undefined && isColumnNamed(ordering, eventTime);
  if (!keepsFirst || !byEventTime) return null;
  const innerStart = clauses.from[1]!.start;
  const innerEnd = clauses.from[close - 1]!.end;
  const innerSql = sql.slice(innerStart, innerEnd);
  const candidatesInner =
    sql.slice(innerStart, stream.start) + `${tables.input} AS ${quote(stream.alias)}` + sql.slice(stream.end, innerEnd);
  const keys = partition.map((part) => identifierName(part[part.length - 1]!));
  return {
    kind: 'dedup',
    style: 'first',
    ...base(source, stream.alias),
    candidates: `SELECT * FROM (${candidatesInner}) WHERE ${textOf(sql, where)}`,
    keys: keys.map(quote),
    ...(eventTime !== undefined && keys.some((key) => sameName(key, eventTime)) && { evictBy: quote(eventTime) }),
    output: sql.slice(0, innerStart) + `SELECT * FROM ${tables.emitted}` + sql.slice(innerStart + innerSql.length),
    dropsLate: eventTime !== undefined,
  };
}

function withinWatermark(sql: string, tokens: Token[], source: SourceSpec, tables: DedupTables): DedupPlan | null {
  const at = tokens.findIndex(
    (token, i) =>
      isWord(token, 'TABLE') && isSymbol(tokens[i + 1], '(') && isWord(tokens[i + 2], 'DEDUPLICATE_WITHIN_WATERMARK'),
  );
  if (at < 0) return null;
  const outerClose = closingBracket(tokens, at + 1);
  const args = splitTopLevel(tokens.slice(at + 4, closingBracket(tokens, at + 3)));
  const [table, descriptor] = args;
  if (!table || !isWord(table[0], 'TABLE') || identifierName(table[1]!) !== source.name.toLowerCase()) return null;
  if (!descriptor || !isWord(descriptor[0], 'DESCRIPTOR')) return null;
  const keys = splitTopLevel(descriptor.slice(2, -1)).map((part) => identifierName(part[part.length - 1]!));
  const eventTime = quote(source.eventTime ?? '');
  const first = `SELECT * EXCLUDE (__first) FROM (SELECT *, row_number() OVER (PARTITION BY ${keys.map(quote).join(', ')} ORDER BY ${eventTime}) AS __first FROM ${tables.input}) WHERE __first = 1`;
  return {
    kind: 'dedup',
    style: 'withinWatermark',
    ...base(source, source.name),
    candidates: first,
    keys: keys.map(quote),
    evictBy: eventTime,
    output:
      sql.slice(0, tokens[at]!.start) +
      `(SELECT * FROM ${tables.emitted}) AS ${quote(source.name)}` +
      sql.slice(tokens[outerClose]!.end),
    dropsLate: true,
  };
}
