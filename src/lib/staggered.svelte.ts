/** One reader's copy of a staggered value. */
class Part<T> {
  value = $state.raw<T | null>(null);
}

/**
 * A value that several parts of the screen show, each updated in its own frame: `step()` hands the latest value
 * to the next part still behind, in turn. A value published while parts are behind does not start the round
 * again, so that under a stream of updates every part still gets its turn.
 */
export class Staggered<T, Name extends string> {
  readonly parts: Record<Name, Part<T>>;
  private readonly order: Part<T>[];
  private latest: T | null = null;
  private next = 0;

  constructor(names: readonly Name[]) {
    this.order = names.map(() => new Part<T>());
    this.parts = Object.fromEntries(names.map((name, i) => [name, this.order[i]!])) as Record<Name, Part<T>>;
  }

  publish(value: T | null): void {
    if (this.settled) this.next = 0;
    this.latest = value;
  }

  /** Every part shows `value` at once. */
  reset(value: T | null): void {
    this.latest = value;
    for (const part of this.order) part.value = value;
  }

  /** Brings the next part that is behind up to date; true while some part is still behind. */
  step(): boolean {
    for (let i = 0; i < this.order.length; i++) {
      const index = (this.next + i) % this.order.length;
      if (this.order[index]!.value === this.latest) continue;
      this.order[index]!.value = this.latest;
      this.next = (index + 1) % this.order.length;
      break;
    }
    return !this.settled;
  }

  get settled(): boolean {
    return this.order.every((part) => part.value === this.latest);
  }
}
