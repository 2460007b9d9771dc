// Whether the queue store (e.g. Redis) is answering, as the server last saw it: every store call
// reports here. An outage is logged once when it starts and once when it ends (not once per failed
// call, which would flood the log while Redis is down), and shows in /health and /metrics.

export interface StoreHealthSnapshot {
  ok: boolean;
  /** Why the store is down (the first error of this outage), when it is. */
  error?: string;
  /** ISO time the outage began. */
  since?: string;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  return String(err);
}

export class StoreHealth {
  /** Store calls that failed, ever. */
  errors = 0;
  /** Outages begun (ok → failing transitions). */
  outages = 0;
  private down: { error: string; since: number; where: string } | undefined;

  constructor(
    private readonly log: (line: string) => void,
    private readonly now: () => number,
  ) {}

  get ok(): boolean {
    return this.down === undefined;
  }

  /** A store call failed (`where`: which operation). Logs only the first failure of an outage. */
  failed(err: unknown, where: string): void {
    this.errors++;
    if (this.down) return;
    this.outages++;
    this.down = { error: describe(err).replace(/\.+$/, ''), since: this.now(), where };
    this.log(
      `embedbook: the queue store failed (${where}): ${this.down.error}. Requests that need it get 503 ` +
        'and batching retries with backoff until it answers again.',
    );
  }

  /** A store call succeeded: ends an outage (logged with its length). */
  succeeded(): void {
    if (!this.down) return;
    const ms = this.now() - this.down.since;
    this.down = undefined;
    this.log(`embedbook: the queue store answers again after ${(ms / 1000).toFixed(1)} s.`);
  }

  snapshot(): StoreHealthSnapshot {
    if (!this.down) return { ok: true };
    return { ok: false, error: this.down.error, since: new Date(this.down.since).toISOString() };
  }
}
