/**
 * What counts as a structured error: a failure the engine recognised and put in words for a person.
 * Anything else is a crash: an exception the engine did not expect, or a message that is raw internals.
 */
import { GeneratorConfigError } from '../../workers/engine/generator';
import { CheckpointError } from '../../workers/engine/checkpoint';
import { QueryShapeError } from '../../workers/engine/sql/windows';
import { ScenarioError } from '../../workers/engine/validate';

export type Verdict = 'ok' | 'error' | 'crash' | 'hang';

/** DuckDB's own error classes: its messages are written for SQL users. INTERNAL and FATAL are DuckDB bugs. */
const DUCKDB_ERROR =
  /^(Parser|Binder|Catalog|Conversion|Invalid Input|Invalid Type|Out of Range|Not implemented|Permission|Constraint|Syntax|Dependency|Serialization|Mismatch Type|Type|Interrupt|Sequence|Transaction|Parameter Not Allowed|Parameter Not Resolved|Optimizer|Out of Memory|Decimal|Arithmetic|Unknown|Extension Autoloading|Missing Extension|Invalid Configuration|Invalid|Executor|IO|HTTP|Not Implemented|Overflow) Error: /;

/** Why `message` is not something to show a person, or null when it reads fine. */
export function inhumanMessage(message: unknown): string | null {
  if (typeof message !== 'string') return `the message is ${typeof message}, not text`;
  const text = message.trim();
  if (text.length < 8) return 'the message is empty or a fragment';
  if (/^(undefined|null|NaN|\[object \w+\])$/.test(text) || /\[object (Object|Array)\]/.test(text))
    return 'the message is a JavaScript value';
  if (/\n\s+at .+[:(]\d+/.test(message) || /\bat (async )?\w[\w.]*\s\(?(file|node):/.test(message))
    return 'the message holds a stack trace';
  if (
    /\b(TypeError|RangeError|ReferenceError|SyntaxError: Unexpected|InternalError)\b|Cannot read propert|is not a function|is not iterable|Maximum call stack|Cannot convert a BigInt|Do not know how to serialize a BigInt|unreachable|memory access out of bounds/.test(
      text,
    )
  )
    return 'the message is a JavaScript or wasm fault';
  if (/^(INTERNAL|FATAL) Error/.test(text) || /database (has been )?invalidated/i.test(text))
    return 'DuckDB reports an internal failure';
  return null;
}

/** Whether a thrown value is one the engine raises on purpose (or DuckDB's, for bad SQL), with a readable message. */
export function structuredError(error: unknown): { ok: true } | { ok: false; why: string } {
  if (!(error instanceof Error)) return { ok: false, why: `a thrown ${typeof error}, not an Error` };
  const known =
    error instanceof ScenarioError ||
    error instanceof GeneratorConfigError ||
    error instanceof QueryShapeError ||
    error instanceof CheckpointError ||
    (error.constructor === Error && DUCKDB_ERROR.test(error.message));
  if (!known) return { ok: false, why: `an unexpected ${error.name}` };
  const why = inhumanMessage(error.message);
  return why === null ? { ok: true } : { ok: false, why };
}
