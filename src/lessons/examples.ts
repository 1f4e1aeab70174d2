/**
 * The scenario documents of `examples/`, openable from the Lessons menu: each one exactly as the command
 * line runs it.
 */
import type { Scenario } from '../../workers/engine/scenario';
import twoQueries from '../../examples/two-queries.json';
import watermark from '../../examples/watermark.json';

export interface Example {
  /** Stable, URL-safe id. */
  id: string;
  title: string;
  /** What the example shows, when the document says. */
  about?: string;
  scenario: Scenario;
}

function example(id: string, title: string, document: unknown, about?: string): Example {
  const scenario = document as Scenario;
  const told = about ?? scenario.ui?.about;
  return { id, title, scenario, ...(typeof told === 'string' && { about: told }) };
}

export const EXAMPLES: readonly Example[] = [
  example(
    'two-queries',
    'Append and update, side by side',
    twoQueries,
    'The same count of clicks per 10-second window, in two queries that read the same batches. Append mode writes ' +
      'a window once, when the watermark closes it; update mode writes it again each time its count changes. ' +
      'The click at 12:00:05 in the third batch comes after the watermark closed its window: both queries drop it.',
  ),
  example(
    'watermark',
    'A watermark and a late row',
    watermark,
    '5-second windows with a 10-second watermark, in append mode: a window is written once the watermark passes ' +
      'its end, and the row stamped 00:00:10 in the third batch is dropped as late.',
  ),
];

export function exampleById(id: string): Example | undefined {
  return EXAMPLES.find((item) => item.id === id);
}
