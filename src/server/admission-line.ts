// Fair admission under a full queue. A submit the queue cannot take gets 429 with a ticket (sent
// back in X-Queue-Ticket on the retry); a retry is admitted only when the room left also covers
// every older ticket's rows, and a submit without a ticket queues behind all of them. So capacity
// that frees up goes to whoever has waited longest, not to whoever happens to retry first, and
// Retry-After grows with a ticket's place in line. Tickets not presented again in time lapse, so an
// abandoned one never blocks the line. Per server process (a shared store's servers each keep theirs).
import { randomBytes } from 'node:crypto';

export const TICKET_HEADER = 'x-queue-ticket';

interface Waiting {
  rows: number;
  /** A ticket not presented again by then lapses. */
  expiresAt: number;
}

export type AdmissionDecision =
  | { admitted: true }
  | {
      admitted: false;
      ticket: string;
      /** 1 = next in line. */
      position: number;
      /** Rows of older tickets that go first. */
      rowsAhead: number;
    };

export interface AdmissionLineOptions {
  now: () => number;
  /** false: no line, any submit that fits is admitted (the old first-come-on-retry behaviour). */
  fair?: boolean;
  /** How long past its Retry-After a ticket stays valid (default 15 s). */
  graceMs?: number;
}

export class AdmissionLine {
  /** In issue order (a Map keeps insertion order), so older tickets come first. */
  private readonly waiting = new Map<string, Waiting>();
  private seq = 0;
  private readonly fair: boolean;
  private readonly graceMs: number;

  constructor(private readonly opts: AdmissionLineOptions) {
    this.fair = opts.fair ?? true;
    this.graceMs = opts.graceMs ?? 15_000;
  }

  /** Tickets waiting now. */
  get length(): number {
    return this.waiting.size;
  }

  /**
   * Decides one submit of `rows` when the queue has `free` rows of room. A refused submit keeps (or
   * gets) a ticket; call `hold` with the Retry-After given so the ticket outlives the wait.
   */
  admit(rows: number, free: number, ticket: string | undefined): AdmissionDecision {
    if (!this.fair) return rows <= free ? { admitted: true } : { admitted: false, ticket: '', position: 1, rowsAhead: 0 };
    const now = this.opts.now();
    for (const [t, w] of this.waiting) if (w.expiresAt < now) this.waiting.delete(t);
    const mine = ticket !== undefined && this.waiting.has(ticket) ? ticket : undefined;
    let rowsAhead = 0;
    let position = 1;
    for (const [t, w] of this.waiting) {
      if (t === mine) break;
      rowsAhead += w.rows;
      position++;
    }
    if (rowsAhead + rows <= free) {
      if (mine !== undefined) this.waiting.delete(mine);
      return { admitted: true };
    }
    const issued = mine ?? `${++this.seq}.${randomBytes(8).toString('hex')}`;
    this.waiting.set(issued, { rows, expiresAt: now + this.graceMs });
    return { admitted: false, ticket: issued, position, rowsAhead };
  }

  /** Keeps a refused ticket valid through its Retry-After (plus the grace). */
  hold(ticket: string, retryAfterMs: number): void {
    const w = this.waiting.get(ticket);
    if (w) w.expiresAt = this.opts.now() + retryAfterMs + this.graceMs;
  }
}
