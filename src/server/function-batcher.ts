// The Batcher of one function version on this node: cuts batches from its stream, runs them in the
// worker pool and feeds the counters, the admission gate and the long-poll waiters.
import type { TimerApi } from '../core/types';
import { Batcher } from './batcher';
import { memoryMb, type FunctionSpec } from '../protocol/define-function';
import type { Metrics } from './metrics';
import type { QueueStore } from './store';
import type { StoreHealth } from './store-health';
import type { FnRef } from './worker/protocol';
import type { WorkerPool } from './worker-pool';

export interface FunctionBatcherDeps {
  store: QueueStore;
  timers: TimerApi;
  pool: WorkerPool;
  metrics: Metrics;
  health: StoreHealth;
  retryBackoffMs?: number;
  /** These calls just finished here. */
  finished(callIds: string[]): void;
  /** Rows got their outcome here (ok or failed). */
  rowsSettled(rows: number, ok: boolean): void;
  /** Handler time per call, for Server-Timing. */
  handlerMs(callId: string, ms: number): void;
}

export function makeFunctionBatcher(deps: FunctionBatcherDeps, spec: FunctionSpec, stream: string, ref: FnRef): Batcher {
  const m = deps.metrics.fn(spec.name);
  const memory = memoryMb(spec.resources.memory);
  const { pool } = deps;
  return new Batcher({
    stream,
    maxBatchingSize: spec.maxBatchingSize,
    maxBufferDuration: spec.maxBufferDuration,
    retries: spec.retries,
    store: deps.store,
    timers: deps.timers,
    retryBackoffMs: deps.retryBackoffMs,
    // A function holds at most maxWorkersPerFunction workers: rows beyond what they hold wait in
    // the store, where a cancel still drops them.
    maxInFlight: () => pool.capacityPerFunction,
    onCallsFinished: (ids) => deps.finished(ids),
    onStoreError: (err, where) => deps.health.failed(err, where),
    onStoreOk: () => deps.health.succeeded(),
    events: {
      batchStarted: (rows) => {
        m.batches++;
        m.batchSize.observe(rows);
      },
      retried: () => m.retries++,
      rowsFailed: (n) => {
        m.failedRows += n;
        deps.rowsSettled(n, false);
      },
      rowsDone: (n) => {
        m.doneRows += n;
        deps.rowsSettled(n, true);
      },
    },
    execute: async (rows, attempt, signal) => {
      const columns = Object.keys(spec.args).map((_, j) => rows.map((r) => r.values[j]));
      const out = await pool.run(ref, columns, rows.length, attempt, { gpu: spec.resources.gpu, timeoutMs: spec.batchTimeoutMs, memoryMb: memory, signal });
      m.handlerSeconds.observe(out.handlerMs / 1000);
      for (const id of new Set(rows.map((r) => r.callId))) deps.handlerMs(id, out.handlerMs);
      return out;
    },
  });
}
