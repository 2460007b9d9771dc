// The options of a FunctionQueue (and so of createServer and `embedbook serve` / `worker`).
import type { TimerApi } from '../core/types';
import type { ModelEntry } from './registry/registry';
import type { RegistryStore } from './registry/registry-store';
import type { QueueStore } from './store';
import type { GpuWorkerDevice } from './worker-device';

export interface QueueOptions {
  store?: QueueStore;
  /** Where deployed functions are recorded (default: in memory, this process only). */
  registry?: RegistryStore;
  timers?: TimerApi;
  /** Worker threads (default: os.availableParallelism()); 0 = an API node that runs no batches. Ignored when `gpus` is given. */
  workers?: number;
  /** One worker per GPU, each with its kind, e.g. ['nvidia-l4']. */
  gpus?: string[];
  /** What GPU workers run models on: 'auto' (default: CUDA, else a hardware WebGPU adapter, else CPU), 'cuda' or 'webgpu'. */
  device?: GpuWorkerDevice;
  /** Run functions that ask for a GPU no worker has on CPU workers instead of refusing them. */
  allowCpuFallback?: boolean;
  /** Rows accepted and not finished, across functions, before submits get 429 (default 100,000). */
  maxQueuedRows?: number;
  /**
   * Under a full queue, admit retries in the order their 429 tickets were issued (default true;
   * admission-line.ts). false: whichever retry finds room first gets it (kept for the load bench).
   */
  fairAdmission?: boolean;
  /**
   * How long a submit that finds the queue full waits in line on the server (its request held
   * open) before it gets 429 with a ticket (default 5,000 ms). Parked rows are bounded by
   * maxQueuedRows; beyond that, 429 at once.
   */
  admissionHoldMs?: number;
  /** Per-batch deadline when the function sets none (default 300,000 ms). */
  batchTimeoutMs?: number;
  /** Re-runs of a batch whose worker died before it counts as a failed attempt (default 2). */
  maxCrashReruns?: number;
  retryBackoffMs?: number;
  /** How long a finished call's result is kept for polling (default 10 min). */
  resultTtlMs?: number;
  /**
   * Where uploaded bundles are written (default node_modules/.cache/embedbook/functions), in a
   * subfolder per server process; folders of processes that are gone are removed at start.
   */
  bundleDir?: string;
  /** Workers one function may hold at once (default: all but one when there are ≥ 2 workers). */
  maxWorkersPerFunction?: number;
  /** See PoolOptions.recycleUnloaded (default true; false only for the redeploy benchmark's baseline). */
  recycleUnloadedWorkers?: boolean;
  /** Extra or replacement built-in models, e.g. `{ minilm: { folder: '/models/all-MiniLM-L6-v2' } }`. */
  models?: Record<string, ModelEntry>;
  /** Intra-op threads per worker for model handlers (default: cores / workers). */
  threadsPerWorker?: number;
  /**
   * Batches handed to each worker behind the one it runs (default 1), so it starts the next without
   * waiting on the server thread. Rows of such a batch are committed: a cancel no longer drops them.
   */
  workerPrefetch?: number;
  /**
   * A request's store call that takes longer than this answers 503 (default 10 s on a shared store
   * such as Redis; none for the in-memory store, which cannot hang).
   */
  storeTimeoutMs?: number;
  /** Where store outages are reported, once per outage (default console.error). */
  log?: (line: string) => void;
}
