import type { EngineError } from '../protocol';
import { CheckpointError } from './checkpoint';
import { describeError } from './database';
import { GeneratorConfigError } from './generator';
import { FlinkRuleError, PlanError } from './streaming/plan';
import { QueryShapeError } from './sql/windows';
import { ScenarioError } from './validate';

/** Any failure of the engine, in words the user can act on. */
export function describeFailure(error: unknown): EngineError {
  if (error instanceof ScenarioError) {
    return {
      message: error.message,
      hint: error.hint ?? 'The scenario format is described in the README, under "Scenario documents".',
    };
  }
  if (error instanceof CheckpointError) return { message: error.message, hint: error.hint };
  if (error instanceof GeneratorConfigError)
    return { message: error.message, hint: 'Check the generator knobs of the source.' };
  if (error instanceof QueryShapeError) {
    const spark = error instanceof PlanError && error.spark ? ` Spark says: "${error.spark}".` : '';
    const flink = error instanceof FlinkRuleError ? ` Flink says: "${error.flink}"` : '';
    return {
      message: error.message + spark + flink,
      ...(error.hint && { hint: error.hint }),
      ...(error.position && { position: error.position }),
    };
  }
  return describeError(error);
}
