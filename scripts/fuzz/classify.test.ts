import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../workers/engine/validate';
import { PlanError } from '../../workers/engine/streaming/plan';
import { inhumanMessage, structuredError } from './classify';

describe('the fuzzer tells structured errors from crashes', () => {
  it('takes the engine’s own errors and DuckDB’s SQL errors as structured', () => {
    expect(structuredError(new ScenarioError('sources[0].watermark', 'expected a duration'))).toEqual({ ok: true });
    expect(structuredError(new PlanError('Sorting is not supported here.', 'Use complete mode.'))).toEqual({
      ok: true,
    });
    expect(structuredError(new Error('Parser Error: syntax error at or near "FORM"'))).toEqual({ ok: true });
  });

  it('takes JavaScript faults, DuckDB internal errors and non-errors as crashes', () => {
    expect(structuredError(new TypeError("Cannot read properties of undefined (reading 'x')")).ok).toBe(false);
    expect(structuredError(new RangeError('offsetAt: expected a finite time in ms, got NaN')).ok).toBe(false);
    expect(structuredError(new Error('INTERNAL Error: Attempted to access index 3 within vector of size 3')).ok).toBe(
      false,
    );
    expect(structuredError(new Error('something odd happened')).ok).toBe(false);
    expect(structuredError('a string').ok).toBe(false);
  });

  it('refuses messages that are raw internals', () => {
    expect(inhumanMessage('undefined')).not.toBeNull();
    expect(inhumanMessage('')).not.toBeNull();
    expect(inhumanMessage('Value: [object Object]')).not.toBeNull();
    expect(inhumanMessage('boom\n    at run (file:///work/main/x.ts:3:9)')).not.toBeNull();
    expect(inhumanMessage('x is not a function')).not.toBeNull();
    expect(inhumanMessage('sources[0].watermark: expected a duration such as "10 seconds", got "ten"')).toBeNull();
  });
});
