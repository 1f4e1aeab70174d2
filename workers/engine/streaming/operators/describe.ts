import type { OperatorKind, PipelineOperator, WindowInfo } from '../../../protocol';
import type { WindowSpec } from '../../sql/windows';

export function windowInfo(window: WindowSpec): WindowInfo {
  const ms = (us: bigint) => Number(us / 1000n);
  return {
    kind: window.kind,
    sizeMs: ms(window.sizeUs),
    slideMs: ms(window.slideUs),
    offsetMs: ms(window.offsetUs),
    gapMs: ms(window.gapUs),
    ...(window.gapSql !== undefined && { gapExpression: window.gapSql }),
  };
}

/** SQL as people read it: simple identifiers without their quotes. */
export function readable(sql: string): string {
  return sql.replace(/"([A-Za-z_][A-Za-z0-9_]*)"/g, '$1');
}

type Facts = Partial<Omit<PipelineOperator, 'id' | 'kind' | 'inputs' | 'window'>> & { window?: WindowSpec };

/** An operator as EXPLAIN prints it; what it leaves out it does not have (no keys, no state, no watermark). */
export function describeOperator(id: string, kind: OperatorKind, inputs: string[], facts: Facts): PipelineOperator {
  return {
    id,
    kind,
    inputs,
    keys: (facts.keys ?? []).map(readable),
    window: facts.window ? windowInfo(facts.window) : null,
    state: facts.state
      ? { ...facts.state, evictedWhen: facts.state.evictedWhen && readable(facts.state.evictedWhen) }
      : null,
    watermark: facts.watermark ? { ...facts.watermark, eventTime: readable(facts.watermark.eventTime) } : null,
    emits: facts.emits ?? 'append',
    ...(facts.follows && { follows: facts.follows }),
  };
}
