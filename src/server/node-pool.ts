// This node's worker pool, from the queue options: one worker per GPU, N CPU workers, or none (an
// API node, `workers: 0`, which needs a shared store: worker nodes run its calls). Also the
// one-off check a node with no workers uses to load a function at deploy, and the shutdown of the
// batchers that feed the pool.
import { availableParallelism } from 'node:os';
import { InvalidOptionError } from '../core/errors';
import type { TimerApi } from '../core/types';
import type { Batcher } from './batcher';
import { SHUTTING_DOWN_STATUS } from './errors';
import type { QueueOptions } from './queue-options';
import type { QueueStore } from './store';
import { planPoolDevice, type PoolDevice } from './worker-device';
import type { FnRef } from './worker/protocol';
import { WorkerPool } from './worker-pool';

export function createNodePool(opts: QueueOptions, store: QueueStore, timers: TimerApi, workerLost: () => void): { pool: WorkerPool; device: PoolDevice; runsBatches: boolean } {
  const cores = availableParallelism();
  const runsBatches = opts.workers !== 0 || !!opts.gpus?.length;
  if (!runsBatches && !store.shared) {
    throw new InvalidOptionError('workers', 0, 'at least 1 with the in-memory store',
      'A node with no workers (an API node) needs a shared store such as Redis, where worker nodes (`embedbook worker`) run its calls.');
  }
  const size = opts.gpus?.length || (runsBatches ? opts.workers || cores : 0);
  const threads = opts.threadsPerWorker ?? Math.max(1, Math.floor(cores / Math.max(1, size)));
  const device = planPoolDevice(opts.gpus, opts.device, threads);
  const pool = new WorkerPool({
    size,
    gpus: opts.gpus,
    gpuDevice: device.device,
    threadsPerWorker: threads,
    timers,
    batchTimeoutMs: opts.batchTimeoutMs ?? 300_000,
    maxCrashReruns: opts.maxCrashReruns ?? 2,
    prefetch: opts.workerPrefetch,
    maxWorkersPerFunction: opts.maxWorkersPerFunction,
    recycleUnloaded: opts.recycleUnloadedWorkers,
    events: { workerLost },
  });
  return { pool, device, runsBatches };
}

/**
 * Loads a function in a worker to check it. A node with no workers starts one for the check, so a
 * deploy an API node accepts is as checked as anywhere else.
 */
export async function inspectFunction(pool: WorkerPool, timers: TimerApi, ref: FnRef, memoryMb: number): Promise<void> {
  if (pool.size > 0) {
    await pool.inspect(ref, { memoryMb });
    return;
  }
  const once = new WorkerPool({ size: 1, threadsPerWorker: 1, timers, batchTimeoutMs: 60_000, maxCrashReruns: 0 });
  try {
    await once.inspect(ref, { memoryMb });
  } finally {
    await once.close();
  }
}

/**
 * Stops the batchers for shutdown:
 * - private store (in-memory: nothing outlives this process): send every buffered row now and let
 *   running batches finish for up to `graceMs`; whatever is still unfinished is handed back with
 *   the status SHUTTING_DOWN_STATUS, so every waiting poller gets a complete answer;
 * - shared store (Redis: other nodes go on): cut no new batches, let running ones finish for up
 *   to `graceMs`, then release the rows still running back to the head of their stream for the
 *   other nodes; waiting rows (this node's submits and everyone else's) stay queued.
 */
export async function stopBatchers(batchers: Batcher[], shared: boolean, graceMs: number, timers: TimerApi): Promise<void> {
  let timer: unknown;
  const grace = new Promise<void>((resolve) => (timer = timers.setTimeout(resolve, graceMs)));
  if (shared) {
    await Promise.all(batchers.map((b) => b.settle(grace)));
    timers.clearTimeout(timer);
    for (const b of batchers) await b.releaseInFlight();
  } else {
    await Promise.race([Promise.all(batchers.map((b) => b.drain({ flush: true }))), grace]);
    timers.clearTimeout(timer);
    for (const b of batchers) await b.handBack(SHUTTING_DOWN_STATUS);
  }
  for (const b of batchers) b.dispose();
}
