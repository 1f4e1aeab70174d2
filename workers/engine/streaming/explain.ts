import type { PipelineOperator, QueryInfo } from '../../protocol';

/** EXPLAIN as JSON: a query's pipeline, sources first; with several queries, each names its query. */
export function explainJson(queries: QueryInfo[]): object[] {
  return queries.map((query) =>
    queries.length > 1 ? { query: query.name, operators: query.pipeline } : { operators: query.pipeline },
  );
}

/** EXPLAIN for people: one line per operator, what it reads, keys and keeps, and what it emits. */
export function explainText(queries: QueryInfo[]): string {
  return queries
    .map((query) => [`${query.name} (${query.outputMode} mode)`, ...query.pipeline.map(operatorLine)].join('\n'))
    .join('\n\n');
}

function operatorLine(operator: PipelineOperator): string {
  const parts = [`${operator.id.padEnd(12)} ${operator.kind}`];
  if (operator.inputs.length) parts.push(`reads ${operator.inputs.join(', ')}`);
  if (operator.keys.length) parts.push(`keys ${operator.keys.join(', ')}`);
  if (operator.window) parts.push(windowText(operator.window));
  if (operator.watermark) {
    const { eventTime, delay, dropsLate } = operator.watermark;
    parts.push(`event time ${eventTime}${delay ? `, watermark ${delay}` : ''}${dropsLate ? ', drops late rows' : ''}`);
  }
  if (operator.state) {
    const evicted = operator.state.evictedWhen ? `, evicted when ${operator.state.evictedWhen}` : ', kept for ever';
    parts.push(`state: ${operator.state.holds}${evicted}`);
  }
  if (operator.kind !== 'source') parts.push(`emits ${operator.emits}`);
  if (operator.follows) parts.push(`follows ${operator.follows.engine} (${operator.follows.form})`);
  return `  ${parts.join('; ')}`;
}

function windowText(window: NonNullable<PipelineOperator['window']>): string {
  const s = (ms: number) => `${ms / 1000} s`;
  if (window.kind === 'session')
    return `session window, gap ${window.gapExpression === undefined ? s(window.gapMs) : `per row: ${window.gapExpression}`}`;
  if (window.kind === 'tumble') return `tumbling window ${s(window.sizeMs)}`;
  const step = window.kind === 'hop' ? 'sliding every' : 'growing by';
  return `${window.kind === 'hop' ? 'sliding' : 'cumulating'} window ${s(window.sizeMs)}, ${step} ${s(window.slideMs)}`;
}
