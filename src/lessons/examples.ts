/**
 * The scenario documents of `examples/`, openable from the Lessons menu: each one exactly as the command
 * line runs it.
 */
import type { ScenarioDocument } from '../../workers/engine/scenario';
import q0 from '../../examples/nexmark/q0.json';
import q1 from '../../examples/nexmark/q1.json';
import q2 from '../../examples/nexmark/q2.json';
import q3 from '../../examples/nexmark/q3.json';
import q4 from '../../examples/nexmark/q4.json';
import q5 from '../../examples/nexmark/q5.json';
import q7 from '../../examples/nexmark/q7.json';
import q8 from '../../examples/nexmark/q8.json';
import q9 from '../../examples/nexmark/q9.json';
import q11 from '../../examples/nexmark/q11.json';
import q12 from '../../examples/nexmark/q12.json';
import q13 from '../../examples/nexmark/q13.json';
import q14 from '../../examples/nexmark/q14.json';
import q15 from '../../examples/nexmark/q15.json';
import q16 from '../../examples/nexmark/q16.json';
import q17 from '../../examples/nexmark/q17.json';
import q18 from '../../examples/nexmark/q18.json';
import q19 from '../../examples/nexmark/q19.json';
import q20 from '../../examples/nexmark/q20.json';
import q21 from '../../examples/nexmark/q21.json';
import q22 from '../../examples/nexmark/q22.json';
import cascadingWindows from '../../examples/cascading-windows.json';
import twoQueries from '../../examples/two-queries.json';
import watermark from '../../examples/watermark.json';

export interface Example {
  /** Stable, URL-safe id. */
  id: string;
  title: string;
  /** What the example shows, when the document says. */
  about?: string;
  scenario: ScenarioDocument;
}

function example(id: string, title: string, document: unknown, about?: string): Example {
  const scenario = document as ScenarioDocument;
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
  example('cascading-windows', 'Cascading windows: a window aggregation over another', cascadingWindows),
  example('nexmark-q0', 'Nexmark Q0: pass-through', q0),
  example('nexmark-q1', 'Nexmark Q1: currency conversion', q1),
  example('nexmark-q2', 'Nexmark Q2: selection', q2),
  example('nexmark-q3', 'Nexmark Q3: local item suggestion', q3),
  example('nexmark-q4', 'Nexmark Q4: average price for a category', q4),
  example('nexmark-q5', 'Nexmark Q5: hot items', q5),
  example('nexmark-q7', 'Nexmark Q7: highest bid', q7),
  example('nexmark-q8', 'Nexmark Q8: monitor new users', q8),
  example('nexmark-q9', 'Nexmark Q9: winning bids', q9),
  example('nexmark-q11', 'Nexmark Q11: user sessions', q11),
  example('nexmark-q12', 'Nexmark Q12: processing time windows', q12),
  example('nexmark-q13', 'Nexmark Q13: bounded side input join', q13),
  example('nexmark-q14', 'Nexmark Q14: calculation', q14),
  example('nexmark-q15', 'Nexmark Q15: bidding statistics report', q15),
  example('nexmark-q16', 'Nexmark Q16: channel statistics report', q16),
  example('nexmark-q17', 'Nexmark Q17: auction statistics report', q17),
  example('nexmark-q18', 'Nexmark Q18: last bid per bidder and auction', q18),
  example('nexmark-q19', 'Nexmark Q19: auction top-10 price', q19),
  example('nexmark-q20', 'Nexmark Q20: expand bid with auction', q20),
  example('nexmark-q21', 'Nexmark Q21: add channel id', q21),
  example('nexmark-q22', 'Nexmark Q22: get URL directories', q22),
];

export function exampleById(id: string): Example | undefined {
  return EXAMPLES.find((item) => item.id === id);
}
