import type { BatchReport, LiveStatus } from '../protocol';
import type { RunClock } from './checkpoint';
import type { SourceFlow } from './live';
import { triggerIntervalMs, type TriggerSpec } from './scenario';

/** What the scheduler drives: a live run that can produce the batch due at a processing time. */
export interface BatchSource {
  batchAt(processingMs: number, wallClock?: number): BatchReport[];
  pending(processingMs: number): number;
  /** Data files no batch has read yet; absent when no source reads whole files. */
  filesWaiting?(): number;
  /** How the sources keep up: generated runs say, scripted ones do not. */
  flow?(): SourceFlow;
  /** Resolves once the next batch's events, made in another worker, have arrived; null when nothing is on its way. */
  ready?(): Promise<void> | null;
}

export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: Timers = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** How far one manual step moves processing time. */
export const MANUAL_STEP_MS = 1000;

/**
 * A timer that fires this much later than asked was held up by something other than the run: a
 * background tab's throttled timers, a suspended laptop, a long request to the worker. Processing time
 * does not pass during the delay: the simulation pauses instead of catching up in a burst.
 */
export const STALL_MS = 250;

/**
 * The longest a batch waits for the page to draw the one before it. The wait gives the page's main thread a core
 * while it draws (on two cores, a worker running batches back to back doubled the page's frames); the bound keeps
 * a page that draws nothing, a background tab, from holding the run.
 */
export const DRAW_WAIT_MS = 250;

/**
 * Spark's triggers over simulated processing time, which only passes while the run plays:
 * processing-time intervals (the first batch as the run starts, then aligned ticks; an overrunning batch makes
 * the next start at once and marks the run as falling behind; missed ticks are not replayed), once,
 * available-now, and manual steps. A tick's batch first waits for the events a generator worker is making and,
 * up to DRAW_WAIT_MS, for the page to draw the batch before.
 */
export class Scheduler {
  private processingBase = 0;
  private resumedAt: number | null = null;
  private timer: unknown = null;
  /** When the pending timer should fire, by `timers.now()`. */
  private timerDue = 0;
  private batches = 0;
  /** The processing time of the last trigger that ran batches. */
  private lastBatchMs = 0;
  private fallingBehind = false;
  private finished = false;
  /** The last batch's drawing, until the next batch has waited for it. */
  private drawing: Promise<unknown> | null = null;
  private readonly intervalMs: number;

  constructor(
    private readonly source: BatchSource,
    private readonly trigger: TriggerSpec,
    /** A promise it returns settles once the batch is drawn: the next batch waits for it, up to DRAW_WAIT_MS. */
    private readonly onBatch: (report: BatchReport, status: LiveStatus) => unknown,
    private readonly onStatus: (status: LiveStatus) => void,
    private readonly timers: Timers = REAL_TIMERS,
    /** A batch that failed on a timer: the run has paused; the error goes here, not to the event loop. */
    private readonly onFailure: (error: unknown) => void = (error) => {
      throw error;
    },
  ) {
    this.intervalMs = triggerIntervalMs(trigger) ?? MANUAL_STEP_MS;
  }

  /** Goes on from a restored checkpoint's clock, paused. */
  resumeFrom(clock: RunClock): void {
    this.processingBase = this.lastBatchMs = clock.processingMs;
    this.batches = clock.batches;
  }

  /** Where the trigger stood at its last batch, for a checkpoint. */
  clock(): RunClock {
    return { processingMs: this.lastBatchMs, batches: this.batches };
  }

  get processingMs(): number {
    return this.processingBase + (this.resumedAt === null ? 0 : this.timers.now() - this.resumedAt);
  }

  status(): LiveStatus {
    const state = this.finished ? 'finished' : this.resumedAt === null ? 'paused' : 'running';
    const processingMs = this.processingMs;
    const flow = this.source.flow?.();
    return {
      state,
      fallingBehind: this.fallingBehind,
      processingMs,
      batches: this.batches,
      pending: this.source.pending(processingMs),
      filesWaiting: this.source.filesWaiting?.() ?? 0,
      throttled: flow?.throttled ?? false,
      sourceLagMs: flow?.sourceLagMs ?? 0,
      inputRowsPerSecond: flow?.inputRowsPerSecond ?? 0,
      processedRowsPerSecond: flow?.processedRowsPerSecond ?? 0,
    };
  }

  /**
   * Once and available-now read what the sources hold after one step of processing time: one batch,
   * or as many as it takes. The processing-time trigger ticks while the run plays; manual waits for steps.
   */
  play(): void {
    if (this.resumedAt !== null || this.finished) return;
    if (this.trigger.kind === 'once') {
      this.processingBase += MANUAL_STEP_MS;
      this.runAt(this.processingBase);
      this.finish();
      return;
    }
    this.resumedAt = this.timers.now();
    if (this.trigger.kind === 'availableNow') {
      this.processingBase += MANUAL_STEP_MS;
      this.resumedAt = null;
      this.drain(this.processingBase);
    } else if (this.trigger.kind === 'processingTime') {
      // As Spark, a query's first micro-batch runs as it starts, on what the sources hold already (a file, a
      // scripted step); the later ones follow the interval.
      if (this.batches === 0 && this.processingBase === 0) this.failSafely(() => this.runAt(0));
      if (this.resumedAt !== null) this.scheduleTick();
    }
    this.onStatus(this.status());
  }

  pause(): void {
    if (this.resumedAt === null) return;
    this.processingBase = this.processingMs;
    this.resumedAt = null;
    this.cancel();
    this.onStatus(this.status());
  }

  /** One batch by hand: processing time moves one step and the batch due then runs. */
  step(): BatchReport[] {
    if (this.finished) return [];
    this.pause();
    this.processingBase += this.trigger.kind === 'processingTime' ? this.intervalMs : MANUAL_STEP_MS;
    const report = this.runAt(this.processingBase);
    this.onStatus(this.status());
    return report;
  }

  stop(): void {
    this.pause();
    this.finished = true;
  }

  private runAt(processingMs: number): BatchReport[] {
    const reports = this.source.batchAt(processingMs);
    if (reports.length > 0) {
      this.batches++;
      this.lastBatchMs = processingMs;
    }
    const drawn = reports
      .map((report) => this.onBatch(report, this.status()))
      .filter((done) => done instanceof Promise);
    if (drawn.length > 0) this.drawing = Promise.all(drawn);
    return reports;
  }

  /** Aligned ticks: the batch of tick k runs at processing time k × interval. */
  private scheduleTick(): void {
    const now = this.processingMs;
    const next = Math.floor(now / this.intervalMs + 1) * this.intervalMs;
    this.setTimer(() => this.tick(next), next - now);
  }

  private setTimer(callback: () => void, ms: number): void {
    this.timerDue = this.timers.now() + ms;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      // A stalled timer: the time it was held up does not count as processing time.
      const late = this.timers.now() - this.timerDue;
      if (late > STALL_MS && this.resumedAt !== null) this.resumedAt += late;
      this.failSafely(callback);
    }, ms);
  }

  private failSafely(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.pause();
      this.onFailure(error);
    }
  }

  private tick(due: number): void {
    if (this.resumedAt === null) return;
    // The generator worker may still be making this batch's events, and the page drawing the last batch.
    const before = this.source.ready?.() ?? this.drawn();
    if (before) {
      this.after(before, () => this.tick(due));
      return;
    }
    this.runAt(due);
    const overran = this.processingMs > due + this.intervalMs;
    // Throttled: more events were due than a batch may read; the sources wait until the engine catches up.
    const throttled = this.source.flow?.().throttled ?? false;
    this.fallingBehind = overran || throttled;
    if (this.fallingBehind) {
      // The next batch starts at once (once the page has drawn this one), at the tick it is due for now; missed ticks
      // are skipped, not replayed.
      const next = Math.floor(this.processingMs / this.intervalMs) * this.intervalMs;
      this.setTimer(() => this.tick(next), 0);
    } else {
      this.scheduleTick();
    }
  }

  /** The last batch's drawing, at most DRAW_WAIT_MS of it, once: null when nothing is being drawn. */
  private drawn(): Promise<unknown> | null {
    const drawing = this.drawing;
    this.drawing = null;
    if (!drawing) return null;
    let bound: unknown;
    const waited = new Promise<void>((resolve) => (bound = this.timers.setTimeout(resolve, DRAW_WAIT_MS)));
    // A page that failed to draw, or went away, holds the run no longer than one that draws slowly.
    return Promise.race([drawing.catch(() => {}), waited]).then(() => this.timers.clearTimeout(bound));
  }

  /** Runs `then` once `before` has settled, unless the run was paused or stopped meanwhile. */
  private after(before: Promise<unknown>, then: () => void): void {
    const waiting = {};
    this.timer = waiting;
    void before.then(() => {
      if (this.timer !== waiting) return;
      this.timer = null;
      this.failSafely(then);
    });
  }

  /** Available-now: everything available when it started, in as many batches as needed, then the no-data batches. */
  private drain(until: number): void {
    if (this.finished) return;
    if (this.runAt(until).length > 0) {
      this.setTimer(() => this.drain(until), 0);
    } else {
      this.finish();
    }
  }

  private finish(): void {
    this.stop();
    this.onStatus(this.status());
  }

  private cancel(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer); // a wait for events: clearing it is harmless
    this.timer = null;
  }
}
