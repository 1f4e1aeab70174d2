import { describe, expect, it } from 'vitest';
import type { PipelineOperator } from '../../workers/protocol';
import { layoutDataflow, NODE } from './dataflow';

function operator(id: string, inputs: string[], emits: PipelineOperator['emits'] = 'append'): PipelineOperator {
  const kind = id === 'sink' ? 'sink' : inputs.length === 0 ? 'source' : 'stateless';
  return { id, kind, inputs, keys: [], window: null, state: null, watermark: null, emits };
}

describe('the dataflow layout', () => {
  // Nexmark q4's shape: two sources into a join, a chained aggregation, a per-window query, the sink.
  const q4 = [
    operator('auction', []),
    operator('bid', []),
    operator('stream-stream join', ['auction', 'bid']),
    operator('aggregate', ['stream-stream join'], 'updates'),
    operator('per-window', ['aggregate'], 'updates'),
    operator('sink', ['per-window'], 'updates'),
  ];

  it('puts each operator below the ones it reads, sources side by side at the top, and no two nodes overlap', () => {
    const { nodes, width, height } = layoutDataflow(q4);
    const at = new Map(nodes.map((node) => [node.operator.id, node]));
    for (const node of nodes)
      for (const input of node.operator.inputs) expect(at.get(input)!.y + NODE.height).toBeLessThan(node.y);
    expect(at.get('auction')!.y).toBe(at.get('bid')!.y);
    for (const a of nodes)
      for (const b of nodes) {
        if (a === b) continue;
        const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        expect(apart, `${a.operator.id} and ${b.operator.id}`).toBe(true);
      }
    for (const node of nodes) {
      expect(node.x).toBeGreaterThanOrEqual(0);
      expect(node.x + node.width).toBeLessThanOrEqual(width);
      expect(node.y + node.height).toBeLessThanOrEqual(height);
    }
  });

  it('draws one edge per input, labelled with what the operator it leaves emits, ending at the node it enters', () => {
    const { nodes, edges } = layoutDataflow(q4);
    expect(edges.map((edge) => `${edge.from} → ${edge.to}: ${edge.emits}`).sort()).toEqual(
      [
        'aggregate → per-window: updates',
        'auction → stream-stream join: append',
        'bid → stream-stream join: append',
        'per-window → sink: updates',
        'stream-stream join → aggregate: append',
      ].sort(),
    );
    const sink = nodes.find((node) => node.operator.id === 'sink')!;
    const into = edges.find((edge) => edge.to === 'sink')!;
    const [, x, y] = /L([\d.]+),([\d.]+)$/.exec(into.path)!.map(Number);
    expect(x).toBeGreaterThanOrEqual(sink.x);
    expect(x).toBeLessThanOrEqual(sink.x + sink.width);
    expect(Math.abs(y! - sink.y)).toBeLessThan(2);
  });
});
