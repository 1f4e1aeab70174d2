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
  };
}

type Facts = Partial<Omit<PipelineOperator, 'id' | 'kind' | 'inputs' | 'window'>> & { window?: WindowSpec };

/** An operator as EXPLAIN prints it; what it leaves out it does not have (no keys, no state, no watermark). */
export function describeOperator(id: string, kind: OperatorKind, inputs: string[], facts: Facts): PipelineOperator {
  return {
    id,
    kind,
    inputs,
    keys: facts.keys ?? [],
    window: facts.window ? windowInfo(facts.window) : null,
    state: facts.state ?? null,
    watermark: facts.watermark ?? null,
    emits: facts.emits ?? 'append',
  };
}
