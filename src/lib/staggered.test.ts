import { describe, expect, it } from 'vitest';
import { Staggered } from './staggered.svelte';

function shown(staggered: Staggered<number, 'a' | 'b' | 'c'>): (number | null)[] {
  return [staggered.parts.a.value, staggered.parts.b.value, staggered.parts.c.value];
}

describe('Staggered', () => {
  it('updates one part per step, in order, then settles', () => {
    const staggered = new Staggered<number, 'a' | 'b' | 'c'>(['a', 'b', 'c']);
    staggered.publish(1);
    expect(staggered.step()).toBe(true);
    expect(shown(staggered)).toEqual([1, null, null]);
    expect(staggered.step()).toBe(true);
    expect(staggered.step()).toBe(false);
    expect(shown(staggered)).toEqual([1, 1, 1]);
    expect(staggered.step()).toBe(false);
  });

  it('gives every part its turn when a value arrives at every step, and starts with the first part once settled', () => {
    const staggered = new Staggered<number, 'a' | 'b' | 'c'>(['a', 'b', 'c']);
    const seen: (number | null)[][] = [];
    for (let value = 1; value <= 4; value++) {
      staggered.publish(value);
      staggered.step();
      seen.push(shown(staggered));
    }
    expect(seen).toEqual([
      [1, null, null],
      [1, 2, null],
      [1, 2, 3],
      [4, 2, 3],
    ]);
    while (staggered.step());
    staggered.publish(5);
    staggered.step();
    expect(shown(staggered)).toEqual([5, 4, 4]);
  });

  it('resets every part at once', () => {
    const staggered = new Staggered<number, 'a' | 'b' | 'c'>(['a', 'b', 'c']);
    staggered.publish(1);
    staggered.step();
    staggered.reset(null);
    expect(shown(staggered)).toEqual([null, null, null]);
    expect(staggered.settled).toBe(true);
  });
});
