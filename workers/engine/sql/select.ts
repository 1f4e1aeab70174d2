import { closingBracket, isSymbol, isWord, type Token } from './tokens';

/** The top-level clauses of one SELECT statement, as runs of significant tokens. */
export interface SelectClauses {
  distinct: boolean;
  select: Token[];
  from: Token[];
  where?: Token[];
  groupBy?: Token[];
  having?: Token[];
  qualify?: Token[];
  orderBy?: Token[];
  limit?: Token[];
  offset?: Token[];
}

const CLAUSE_STARTS = ['FROM', 'WHERE', 'GROUP', 'HAVING', 'QUALIFY', 'WINDOW', 'ORDER', 'LIMIT', 'OFFSET'] as const;

/** Splits a single `SELECT ... FROM ...` statement into clauses; null for anything else (CTEs, set operations). */
export function selectClauses(tokens: Token[]): SelectClauses | null {
  const body = isSymbol(tokens[tokens.length - 1], ';') ? tokens.slice(0, -1) : tokens;
  if (!isWord(body[0], 'SELECT')) return null;
  const starts: { name: string; at: number }[] = [];
  for (let i = 1; i < body.length; i++) {
    const token = body[i]!;
    if (isSymbol(token, '(')) {
      i = closingBracket(body, i);
      if (i < 0) return null;
      continue;
    }
    if (isWord(token, 'UNION', 'INTERSECT', 'EXCEPT')) return null;
    // WINDOW starts a clause only as `WINDOW w AS (...)`; elsewhere it is Spark's window() or column.
    const windowClause = !isWord(token, 'WINDOW') || isWord(body[i + 2], 'AS');
    if (isWord(token, ...CLAUSE_STARTS) && windowClause) starts.push({ name: token.text.toUpperCase(), at: i });
  }
  const clause = (name: string, skip = 1): Token[] | undefined => {
    const index = starts.findIndex((start) => start.name === name);
    if (index < 0) return undefined;
    const end = starts[index + 1]?.at ?? body.length;
    return body.slice(starts[index]!.at + skip, end);
  };
  const fromAt = starts.find((start) => start.name === 'FROM')?.at;
  if (fromAt === undefined) return null;
  let select = body.slice(1, fromAt);
  const distinct = isWord(select[0], 'DISTINCT');
  if (distinct || isWord(select[0], 'ALL')) select = select.slice(1);
  return {
    distinct,
    select,
    from: clause('FROM')!,
    where: clause('WHERE'),
    groupBy: clause('GROUP', 2),
    having: clause('HAVING'),
    qualify: clause('QUALIFY'),
    orderBy: clause('ORDER', 2),
    limit: clause('LIMIT'),
    offset: clause('OFFSET'),
  };
}
