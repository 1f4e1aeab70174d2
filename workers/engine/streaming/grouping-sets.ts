/**
 * GROUPING SETS, ROLLUP and CUBE as Flink runs them in a window aggregation: each row is aggregated once per
 * grouping set (as Spark's and Flink's Expand does). The batch's rows are joined to the sets' numbers, the number
 * `__set` is a grouping key, so that each set's groups are groups of their own in the state, and a key absent from
 * a set is NULL in that set's groups. GROUPING() and GROUPING_ID() read the set back from the state.
 */
import {
  closingBracket,
  identifierName,
  isSymbol,
  isWord,
  splitTopLevel,
  textOf,
  type Edit,
  type Token,
} from '../sql/tokens';
import { PlanError } from './rules';

export interface GroupingSets {
  /** Every key of the GROUP BY once: the plain ones and those of the sets, in order of appearance. */
  keys: Token[][];
  /** For each grouping set, whether it groups by each of `keys`. */
  sets: boolean[][];
  /** Where the first GROUPING SETS, ROLLUP or CUBE begins. */
  at: number;
}

/** The state column that numbers a row's grouping set. */
export const SET_COLUMN = '__set';

const GROUPING_ELEMENT = ['GROUPING', 'ROLLUP', 'CUBE'];

/**
 * The grouping sets a GROUP BY's items stand for (the cross product of its elements, a plain key being in every
 * set), or undefined when it has no GROUPING SETS, ROLLUP or CUBE. `resolve` reads a key as the GROUP BY means it.
 */
export function groupingSetsOf(items: Token[][], resolve: (key: Token[]) => Token[]): GroupingSets | undefined {
  const element = items.find((item) => elementKind(item) !== null);
  if (!element) return undefined;
  const keys: Token[][] = [];
  const indexOf = (key: Token[]) => {
    const resolved = resolve(key);
    const found = keys.findIndex((known) => sameKey(known, resolved));
    return found >= 0 ? found : keys.push(resolved) - 1;
  };
  let product: number[][] = [[]];
  for (const item of items) {
    const sets = elementSets(item).map((set) => set.map(indexOf));
    product = product.flatMap((before) => sets.map((set) => [...before, ...set]));
  }
  return { keys, sets: product.map((set) => keys.map((_, i) => set.includes(i))), at: element[0]!.start };
}

function elementKind(item: Token[]): 'sets' | 'rollup' | 'cube' | null {
  const sets = isWord(item[0], 'GROUPING') && isWord(item[1], 'SETS');
  const open = sets ? 2 : 1;
  if (
    !isWord(item[0], ...GROUPING_ELEMENT) ||
    !isSymbol(item[open], '(') ||
    closingBracket(item, open) !== item.length - 1
  )
    return null;
  if (sets) return 'sets';
  return isWord(item[0], 'ROLLUP') ? 'rollup' : isWord(item[0], 'CUBE') ? 'cube' : null;
}

/** The sets of keys one GROUP BY element stands for: a key is one set of itself. */
function elementSets(item: Token[]): Token[][][] {
  const kind = elementKind(item);
  if (kind === null) return [[item]];
  const groups = splitTopLevel(item.slice(kind === 'sets' ? 3 : 2, -1)).map((part) => {
    if (elementKind(part) !== null)
      throw new PlanError(
        'Tideline runs GROUPING SETS, ROLLUP and CUBE side by side in a GROUP BY, not nested in one another.',
        'Write the nested sets out: GROUP BY window_start, window_end, GROUPING SETS ((a, b), (a), ()).',
        undefined,
        part[0]!.start,
      );
    const wrapped = isSymbol(part[0], '(') && closingBracket(part, 0) === part.length - 1;
    return wrapped ? splitTopLevel(part.slice(1, -1)) : [part];
  });
  if (kind === 'sets') return groups;
  if (kind === 'rollup') return groups.map((_, i) => groups.slice(0, groups.length - i).flat()).concat([[]]);
  return Array.from({ length: 2 ** groups.length }, (_, mask) =>
    groups.filter((_, i) => (mask & (1 << (groups.length - 1 - i))) === 0).flat(),
  );
}

function sameKey(a: Token[], b: Token[]): boolean {
  const text = (key: Token[]) =>
    key
      .map((token) => (token.kind === 'word' || token.kind === 'quoted' ? identifierName(token) : token.text))
      .join(' ');
  return text(a) === text(b);
}

/** A key's expression over the expanded rows: NULL in the sets that leave it out. */
export function keyInSets(expression: string, key: number, { sets }: GroupingSets): string {
  const absent = sets.flatMap((set, i) => (set[key] ? [] : [i]));
  return absent.length
    ? `CASE WHEN ${SET_COLUMN} IN (${absent.join(', ')}) THEN NULL ELSE ${expression} END`
    : expression;
}

/** The join that repeats each of the batch's rows once per grouping set, numbered `__set`. */
export function expansion({ sets }: GroupingSets): string {
  return `CROSS JOIN (VALUES ${sets.map((_, i) => `(${i})`).join(', ')}) AS __sets(${SET_COLUMN})`;
}

/**
 * GROUPING(k, ...) and GROUPING_ID(k, ...) (the same in Flink and DuckDB) over the state: per grouping set, one bit
 * per argument, the first the highest, set when the set leaves that key out.
 */
export function groupingCallEdits(sql: string, tokens: Token[], grouping: GroupingSets): Edit[] {
  const edits: Edit[] = [];
  tokens.forEach((token, i) => {
    if (!isWord(token, 'GROUPING', 'GROUPING_ID') || !isSymbol(tokens[i + 1], '(')) return;
    const close = closingBracket(tokens, i + 1);
    const args = splitTopLevel(tokens.slice(i + 2, close)).map((arg) => {
      const key = grouping.keys.findIndex((known) => sameKey(known, arg));
      if (key < 0)
        throw new PlanError(
          `${token.text}(${textOf(sql, arg)}): ${textOf(sql, arg)} is not one of the GROUP BY's keys.`,
          'Pass GROUPING only keys of the GROUP BY or of its grouping sets.',
          undefined,
          arg[0]?.start,
        );
      return key;
    });
    const values = grouping.sets.map((set, n) => {
      const bits = args.reduce((value, key) => value * 2 + (set[key] ? 0 : 1), 0);
      return `WHEN ${n} THEN ${bits}`;
    });
    edits.push({
      start: token.start,
      end: tokens[close]!.end,
      text: `(CASE ${SET_COLUMN} ${values.join(' ')} END)::BIGINT`,
    });
  });
  return edits;
}
