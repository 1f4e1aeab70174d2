/** Why the watermark stands where it does, in plain words: for the timeline's hover and the dataflow view. */
import type { SourceWatermark, WatermarkReason } from '../../workers/protocol';
import { shortTimestamp } from './time';

/** One line per sentence: what sets the global watermark, then each source's own. */
export function watermarkWhy(reason: WatermarkReason | null): string[] {
  if (!reason) return ['This query has no watermark: no source declares one on its event time.'];
  const at = shortTimestamp(reason.watermark);
  switch (reason.setBy) {
    case 'no events yet':
      return [`No events yet: the watermark stays at ${at} until a source sends its first event.`];
    case 'end of input':
      return ['The input has ended: the watermark is at infinity, and every window has closed.'];
    case 'never goes backwards':
      return [
        `It stays at ${at}, where it got to in batch ${reason.since}: the sources now say less, and a watermark never goes backwards.`,
        ...reason.inputs.map(sourceLine),
      ];
    case 'sources':
      return [globalLine(reason, at), ...reason.inputs.map(sourceLine)];
  }
}

function globalLine(reason: WatermarkReason, at: string): string {
  const since = `since batch ${reason.since}`;
  if (reason.inputs.length <= 1) return `${at}, ${since}: the latest event time seen minus the delay.`;
  const who = reason.heldBy.join(' and ');
  return reason.policy === 'min'
    ? `${at}, ${since}: the ${reason.heldBy.length > 1 ? 'slowest sources tie' : `slowest source, ${who}, holds it`} (Spark's default min policy waits for every source).`
    : `${at}, ${since}: the ${reason.heldBy.length > 1 ? 'fastest sources tie' : `fastest source, ${who}, sets it`} (the max policy follows the fastest source and drops more of the others' rows).`;
}

function sourceLine(input: SourceWatermark): string {
  if (input.watermark === null || input.maxEventTime === null) return `${input.source}: no events yet.`;
  const moved = input.advancedInBatch === null ? '' : `; last moved in batch ${input.advancedInBatch}`;
  return `${input.source}: latest event ${shortTimestamp(input.maxEventTime)} − ${input.delay} = ${shortTimestamp(input.watermark)}${moved}.`;
}
