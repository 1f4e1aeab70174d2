import { describe, expect, it } from 'vitest';
import type { PipelineOperator } from '../../workers/protocol';
import { layoutDataflow, NODE, type FlowLayout } from './dataflow';

function operator(id: string, inputs: string[], emits: PipelineOperator['emits'] = 'append'): PipelineOperator {
  const kind = id === 'sink' ? 'sink' : inputs.length === 0 ? 'source' : 'stateless';
  return { id, kind, inputs, keys: [], window: null, state: null, watermark: null, emits };
}

/** An edge end's operator id, from its node key. */
function idOf(layout: Pick<FlowLayout, 'nodes'>) {
  const ids = new Map(layout.nodes.map((node) => [node.key, node.operator.id]));
  return (key: string) => ids.get(key)!;
}

function inside(node: { x: number; y: number; width: number; height: number }, box: typeof node): boolean {
  return (
    node.x >= box.x &&
    node.y >= box.y &&
    node.x + node.width <= box.x + box.width &&
    node.y + node.height <= box.y + box.height
  );
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
    const { nodes, width, height } = layoutDataflow([{ query: 'q4', pipeline: q4 }]);
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
    const { nodes, edges } = layoutDataflow([{ query: 'q4', pipeline: q4 }]);
    const id = idOf({ nodes, edges } as FlowLayout);
    expect(edges.map((edge) => `${id(edge.from)} → ${id(edge.to)}: ${edge.emits}`).sort()).toEqual(
      [
        'aggregate → per-window: updates',
        'auction → stream-stream join: append',
        'bid → stream-stream join: append',
        'per-window → sink: updates',
        'stream-stream join → aggregate: append',
      ].sort(),
    );
    const sink = nodes.find((node) => node.operator.id === 'sink')!;
    const into = edges.find((edge) => edge.to === sink.key)!;
    const [, x, y] = /L([\d.]+),([\d.]+)$/.exec(into.path)!.map(Number);
    expect(x).toBeGreaterThanOrEqual(sink.x);
    expect(x).toBeLessThanOrEqual(sink.x + sink.width);
    expect(Math.abs(y! - sink.y)).toBeLessThan(2);
  });

  it('draws one query without a box around it', () => {
    expect(layoutDataflow([{ query: 'q4', pipeline: q4 }]).groups).toEqual([]);
  });

  it('with several queries, draws a source they share once, above a box per query holding its operators', () => {
    const counts = [
      operator('clicks', []),
      operator('aggregate', ['clicks'], 'updates'),
      operator('sink', ['aggregate'], 'updates'),
    ];
    const copies = [operator('clicks', []), operator('stateless', ['clicks']), operator('sink', ['stateless'])];
    const layout = layoutDataflow([
      { query: 'counts', pipeline: counts },
      { query: 'copies', pipeline: copies },
    ]);
    const sources = layout.nodes.filter((node) => node.operator.kind === 'source');
    expect(sources.map((node) => node.key)).toEqual(['source:clicks']);
    expect(layout.nodes).toHaveLength(5);
    expect(layout.groups.map((group) => group.query)).toEqual(['counts', 'copies']);
    for (const node of layout.nodes) {
      if (node.operator.kind === 'source') {
        for (const group of layout.groups) expect(node.y + node.height).toBeLessThan(group.y);
        continue;
      }
      const own = layout.groups.find((group) => group.query === node.query)!;
      const other = layout.groups.find((group) => group.query !== node.query)!;
      expect(inside(node, own), `${node.key} in its query's box`).toBe(true);
      expect(inside(node, other)).toBe(false);
    }
    expect(
      layout.edges
        .filter((edge) => edge.from === 'source:clicks')
        .map((edge) => edge.to)
        .sort(),
    ).toEqual(['query:copies:stateless', 'query:counts:aggregate']);
    expect(layout.edges).toHaveLength(4);
  });
});
