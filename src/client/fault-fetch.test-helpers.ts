// Test helpers for the remote client: manual timers (drive time by hand) and a fault-injecting
// fetch wrapper. The wrapper is only for faults a real server cannot be made to produce on demand
// (429 bursts, dropped connections); everything else in the client tests talks to a real server.
import { Field, Float32, List, Table, Utf8, makeVector, tableToIPC, vectorFromArray } from 'apache-arrow';
import type { TimerApi } from '../core/types';
import type { FetchLike } from './http-transport';

export interface ManualTimers extends TimerApi {
  /** Pending timers' delays, in creation order (cleared ones removed). */
  pending(): number[];
  /** Advances time by ms, firing due timers in order. */
  advance(ms: number): Promise<void>;
}

export function manualTimers(): ManualTimers {
  let now = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; ms: number; fn: () => void }>();
  return {
    now: () => now,
    random: () => 0.5,
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: now + ms, ms, fn });
      return id;
    },
    clearTimeout(h) {
      timers.delete(h as number);
    },
    pending: () => [...timers.values()].map((t) => t.ms),
    async advance(ms) {
      const target = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
        await flush();
      }
      now = target;
      await flush();
    },
  };
}

/** Lets pending promise chains (fetch → json → next step) run. */
export async function flush(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

export interface Recorded {
  method: string;
  url: string;
}

/**
 * Wraps `inner` and lets `fault` answer some requests instead (return a Response or throw);
 * returning undefined passes the request through. Every request is recorded.
 */
export function faultFetch(inner: FetchLike, fault: (req: Recorded, n: number) => Response | undefined | Promise<Response | undefined>): { fetch: FetchLike; log: Recorded[] } {
  const log: Recorded[] = [];
  const fetch: FetchLike = async (url, init) => {
    const req = { method: init?.method ?? 'GET', url };
    log.push(req);
    const injected = await fault(req, log.length);
    return injected ?? inner(url, init);
  };
  return { fetch, log };
}

/** An Arrow IPC result body as the server sends it: `result` list<float32> + `status`. */
export function resultIpc(rows: number[][], status?: string[]): Uint8Array {
  const type = new List(new Field('item', new Float32(), true));
  const result = vectorFromArray(rows, type);
  const st = makeVector(vectorFromArray(status ?? rows.map(() => 'ok'), new Utf8()).data[0]);
  return tableToIPC(new Table({ result, status: st }), 'stream');
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}
