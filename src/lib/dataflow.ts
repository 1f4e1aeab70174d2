/**
 * The dataflow view's geometry: queries' pipelines (sources → operators → sink) laid out top to bottom by dagre.
 * With several queries, each query's operators sit in a box named after it, under the sources they share. It
 * depends on the pipelines only, so it is laid out once per load; each batch changes the nodes' text alone.
 */
import dagre, { type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre';
import type { PipelineOperator } from '../../workers/protocol';

/** One query's pipeline, as EXPLAIN gives it. */
export interface QueryGraph {
  query: string;
  pipeline: PipelineOperator[];
}

export interface FlowNode {
  /** Unique in the layout: a source is one node however many queries read it. */
  key: string;
  /** The query it belongs to; a source, the first query that reads it. */
  query: string;
  operator: PipelineOperator;
  /** Its top-left corner and size, in the view's pixels. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FlowEdge {
  from: string;
  to: string;
  /** What flows on it: what the operator it leaves emits. */
  emits: PipelineOperator['emits'];
  /** The edge as an SVG path, ending at the node it enters. */
  path: string;
  /** Where its label goes: its middle. */
  label: { x: number; y: number };
}

/** The box around one query's operators, drawn only when the layout holds several queries. */
export interface FlowGroup {
  query: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FlowLayout {
  nodes: FlowNode[];
  edges: FlowEdge[];
  groups: FlowGroup[];
  width: number;
  height: number;
}

export const NODE = { width: 176, height: 92 };
const LABEL = { width: 84, height: 16 };

export function nodeKey(query: string, operator: PipelineOperator): string {
  return operator.kind === 'source' ? `source:${operator.id}` : `query:${query}:${operator.id}`;
}

export function layoutDataflow(graphs: QueryGraph[]): FlowLayout {
  const grouped = graphs.length > 1;
  const graph = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({ compound: grouped });
  graph.setGraph({ rankdir: 'TB', nodesep: 20, ranksep: 28, edgesep: 10, marginx: 4, marginy: 4 });
  graph.setDefaultEdgeLabel(() => ({}));
  const byKey = new Map<string, { query: string; operator: PipelineOperator }>();
  for (const { query, pipeline } of graphs) {
    if (grouped) graph.setNode(groupKey(query), { width: 0, height: 0 });
    for (const operator of pipeline) {
      const key = nodeKey(query, operator);
      if (byKey.has(key)) continue;
      byKey.set(key, { query, operator });
      graph.setNode(key, { ...NODE });
      if (grouped && operator.kind !== 'source') graph.setParent(key, groupKey(query));
    }
  }
  for (const { query, pipeline } of graphs) {
    const ids = new Map(pipeline.map((operator) => [operator.id, nodeKey(query, operator)]));
    for (const operator of pipeline)
      for (const input of operator.inputs) {
        const from = ids.get(input);
        if (from) graph.setEdge(from, nodeKey(query, operator), { ...LABEL, labelpos: 'c' });
      }
  }
  dagre.layout(graph);

  const nodes = [...byKey].map(([key, { query, operator }]): FlowNode => {
    const { x = 0, y = 0 } = graph.node(key);
    return { key, query, operator, x: x - NODE.width / 2, y: y - NODE.height / 2, ...NODE };
  });
  const edges = graph.edges().map((edge): FlowEdge => {
    const { points = [], x = 0, y = 0 } = graph.edge(edge);
    return {
      from: edge.v,
      to: edge.w,
      emits: byKey.get(edge.v)!.operator.emits,
      path: points.map((point, i) => `${i === 0 ? 'M' : 'L'}${round(point.x)},${round(point.y)}`).join(''),
      label: { x: round(x), y: round(y) },
    };
  });
  const groups = grouped
    ? graphs.map(({ query }): FlowGroup => {
        const { x = 0, y = 0, width = 0, height = 0 } = graph.node(groupKey(query));
        return { query, x: x - width / 2, y: y - height / 2, width, height };
      })
    : [];
  const { width = 0, height = 0 } = graph.graph();
  return { nodes, edges, groups, width: Math.ceil(width), height: Math.ceil(height) };
}

function groupKey(query: string): string {
  return `group:${query}`;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
