/**
 * The dataflow view's geometry: a query's pipeline (sources → operators → sink) laid out top to bottom by dagre.
 * It depends on the pipeline only, so it is laid out once per load; each batch changes the nodes' text alone.
 */
import dagre, { type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre';
import type { PipelineOperator } from '../../workers/protocol';

export interface FlowNode {
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

export interface FlowLayout {
  nodes: FlowNode[];
  edges: FlowEdge[];
  width: number;
  height: number;
}

export const NODE = { width: 176, height: 92 };
const LABEL = { width: 84, height: 16 };

export function layoutDataflow(pipeline: PipelineOperator[]): FlowLayout {
  const graph = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>();
  graph.setGraph({ rankdir: 'TB', nodesep: 20, ranksep: 28, edgesep: 10, marginx: 4, marginy: 4 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const operator of pipeline) graph.setNode(operator.id, { ...NODE });
  const byId = new Map(pipeline.map((operator) => [operator.id, operator]));
  for (const operator of pipeline)
    for (const input of operator.inputs)
      if (byId.has(input)) graph.setEdge(input, operator.id, { ...LABEL, labelpos: 'c' });
  dagre.layout(graph);

  const nodes = pipeline.map((operator): FlowNode => {
    const { x = 0, y = 0 } = graph.node(operator.id);
    return { operator, x: x - NODE.width / 2, y: y - NODE.height / 2, ...NODE };
  });
  const edges = graph.edges().map((edge): FlowEdge => {
    const { points = [], x = 0, y = 0 } = graph.edge(edge);
    return {
      from: edge.v,
      to: edge.w,
      emits: byId.get(edge.v)!.emits,
      path: points.map((point, i) => `${i === 0 ? 'M' : 'L'}${round(point.x)},${round(point.y)}`).join(''),
      label: { x: round(x), y: round(y) },
    };
  });
  const { width = 0, height = 0 } = graph.graph();
  return { nodes, edges, width: Math.ceil(width), height: Math.ceil(height) };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
