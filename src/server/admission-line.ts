// Fair admission under a full queue. A submit the queue cannot take waits in line, in arrival
// order: first parked on the server (its request held open, up to `holdMs`, while the waiting room
// has space), admitted as soon as finished rows free room for it and everyone ahead; past that it
// gets 429 with a ticket (sent back in X-Queue-Ticket on the retry) that keeps its place, and a
// Retry-After that grows with that place. A newcomer without a ticket goes behind everyone waiting.
// So freed capacity goes to whoever has waited longest, not to whoever retries at the right moment,
// and parked requests take room the moment it frees (no queue left idle between retries). Tickets
// not presented again in time lapse, so an abandoned one never blocks the line. Per server process
// (a shared store's servers each keep their own line).
import { randomBytes } from 'node:crypto';

/** Parked rows allowed for returning tickets, as a multiple of maxParkedRows. */
const RETURNING_ROOM = 4;

interface Waiting {
  rows: number;
  /** A ticket not presented again by then lapses (not while parked). */
  expiresAt: number;
  /** Set once it has been refused or parked: later presentations are returns. */
  returned?: boolean;
  /** Set while the request is parked here: settles it (true = admitted, its rows now reserved). */
  settle?: (admitted: boolean) => void;
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
  /** Rows that may wait parked at once (their requests held open); beyond, 429 at once. */
  maxParkedRows: number;
}

export class AdmissionLine {
  /** In issue order (a Map keeps insertion order), so older tickets come first. */
  private readonly waiting = new Map<string, Waiting>();
  private seq = 0;
  private parkedRows = 0;
  private readonly fair: boolean;
  private readonly graceMs: number;

  constructor(private readonly opts: AdmissionLineOptions) {
    this.fair = opts.fair ?? true;
    this.graceMs = opts.graceMs ?? 15_000;
  }

  /** Tickets waiting now (parked or away until their retry). */
  get length(): number {
    return this.waiting.size;
  }

  /** Whether any request is parked (the queue then re-checks its room regularly). */
  get hasParked(): boolean {
    return this.parkedRows > 0;
  }

  /**
   * Decides one submit of `rows` when the queue has `free` rows of room: admitted when the room
   * also covers everyone ahead in line; otherwise it keeps (or gets) a ticket.
   */
  admit(rows: number, free: number, ticket: string | undefined): AdmissionDecision {
    if (!this.fair) return rows <= free ? { admitted: true } : { admitted: false, ticket: '', position: 1, rowsAhead: 0 };
    const now = this.opts.now();
    for (const [t, w] of this.waiting) if (!w.settle && w.expiresAt < now) this.waiting.delete(t);
    const mine = ticket !== undefined && this.waiting.has(ticket) && !this.waiting.get(ticket)?.settle ? ticket : undefined;
    const { rowsAhead, position } = this.ahead(mine);
    if (rowsAhead + rows <= free) {
      if (mine !== undefined) this.waiting.delete(mine);
      return { admitted: true };
    }
    const issued = mine ?? `${++this.seq}.${randomBytes(8).toString('hex')}`;
    this.waiting.set(issued, { rows, expiresAt: now + this.graceMs });
    return { admitted: false, ticket: issued, position, rowsAhead };
  }

  private ahead(ticket: string | undefined): { rowsAhead: number; position: number } {
    let rowsAhead = 0;
    let position = 1;
    for (const [t, w] of this.waiting) {
      if (t === ticket) break;
      rowsAhead += w.rows;
      position++;
    }
    return { rowsAhead, position };
  }

  /** The place in line of a waiting ticket (for a 429 after a park timed out). */
  positionOf(ticket: string): { rowsAhead: number; position: number } {
    return this.ahead(ticket);
  }

  /**
   * Holds a refused request in line for up to `holdMs`: resolves true once `grant` admits it
   * (its rows then count as reserved by the caller of grant), false on timeout, at close, or when
   * the waiting room is full (at once). `setTimer` is the queue's timer API.
   */
  park(ticket: string, holdMs: number, setTimer: (fn: () => void, ms: number) => unknown, clearTimer: (h: unknown) => void): Promise<boolean> {
    const w = this.waiting.get(ticket);
    // A ticket back from its 429 has waited longest: it may use the overflow room, so a waiting room
    // full of newer requests cannot keep bouncing it.
    const room = w?.returned ? RETURNING_ROOM * this.opts.maxParkedRows : this.opts.maxParkedRows;
    if (!this.fair || !w || w.settle || holdMs <= 0 || this.parkedRows + w.rows > room) {
      if (w) w.returned = true;
      return Promise.resolve(false);
    }
    w.returned = true;
    this.parkedRows += w.rows;
    return new Promise<boolean>((resolve) => {
      const timer = setTimer(() => w.settle?.(false), holdMs);
      w.settle = (admitted) => {
        clearTimer(timer);
        w.settle = undefined;
        this.parkedRows -= w.rows;
        if (admitted) this.waiting.delete(ticket);
        else w.expiresAt = this.opts.now() + this.graceMs;
        resolve(admitted);
      };
    });
  }

  /**
   * Admits parked requests in line order while `free` rows of room cover them; returns the rows
   * admitted, which the caller reserves at once.
   */
  grant(free: number): number {
    let granted = 0;
    for (const w of [...this.waiting.values()]) {
      // A ticket that is away (after its 429) is passed over: room is not kept idle for a client that
      // is not there. It keeps its place: back, it parks ahead of everyone who came after it.
      if (!w.settle) continue;
      if (granted + w.rows > free) break;
      granted += w.rows;
      w.settle(true);
    }
    return granted;
  }

  /** Refused tickets keep their place through their Retry-After (plus the grace). */
  hold(ticket: string, retryAfterMs: number): void {
    const w = this.waiting.get(ticket);
    if (w && !w.settle) w.expiresAt = this.opts.now() + retryAfterMs + this.graceMs;
  }

  /** Releases every parked request (server closing). */
  releaseAll(): void {
    for (const w of [...this.waiting.values()]) w.settle?.(false);
  }
}
