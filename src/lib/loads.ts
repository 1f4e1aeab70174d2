/**
 * Bookkeeping for overlapping loads. The worker handles loads in the order they are made, and each that works
 * replaces the run it plays; a load's events can arrive before its answer does. Each load gets a ticket: events
 * wait until their load has answered, then go to the screen only if that load is the one the worker plays.
 */
export class LoadTickets<E> {
  private issued = 0;
  /** The load whose run the worker plays. */
  current = 0;
  private readonly early = new Map<number, E[]>();

  issue(): number {
    const ticket = ++this.issued;
    this.early.set(ticket, []);
    return ticket;
  }

  isLatest(ticket: number): boolean {
    return ticket === this.issued;
  }

  /** The load answered; if it worked, it is now the current one. Returns the events that waited for it. */
  answered(ticket: number, ok: boolean): E[] {
    const waiting = this.early.get(ticket) ?? [];
    this.early.delete(ticket);
    if (!ok) return [];
    this.current = ticket;
    for (const older of [...this.early.keys()]) if (older < ticket) this.early.delete(older);
    return waiting;
  }

  /** Whether an event of `ticket`'s load is for the screen now (false: it waits, or it is stale). */
  admit(ticket: number, event: E): boolean {
    const waiting = this.early.get(ticket);
    if (waiting) {
      waiting.push(event);
      return false;
    }
    return ticket === this.current;
  }
}
