import type { StatelessPlan } from '../plan';
import { describeOperator } from './describe';
import type { Emit, OperatorBatch, OperatorResult, StreamOperator } from './operator';

/**
 * Projection, filter and stream–static joins, and queries over an upstream operator's output (a window Top-N
 * over the windows an aggregation emits): each batch's rows in, the query's rows out, no state.
 */
export class StatelessOperator implements StreamOperator {
  readonly description;
  readonly stateTables = {};
  readonly evictsByWatermark = false;
  readonly keepsStateForever = false;
  readonly reference: string;

  constructor(
    private readonly plan: StatelessPlan,
    readonly id: string,
    inputs: string[],
  ) {
    this.reference = plan.sql;
    this.description = describeOperator(id, 'stateless', inputs, {});
  }

  run(batch: OperatorBatch, emit: Emit): OperatorResult {
    emit({ sql: this.plan.sql, ordered: this.plan.ordered, large: true });
    return { late: [] };
  }
}
