// Data parallelism for local WASM inference: a pool of inference workers (inference.worker.ts),
// each with its own onnxruntime-web session at a few threads (usually 1), seen by the Embedder as
// one EmbeddingSession of width `workers` — one chunk's sub-batches, and concurrent chunks', run on
// every worker at once, rows kept in input order by the Embedder. Why not one session at every
// core: onnxruntime-web's intra-op WASM thread pool scaled 1.40–1.48× at 2 threads on this
// machine's 2 cores, where separate 1-thread sessions share no pool (docs/app.md#threads).
import * as Comlink from 'comlink';
import { EmbedbookError, deserializeError, registerErrorClasses, serializeError } from '../core/errors';
import type { WebSessionOptions } from '../model/web-session';
import type { DenseBatch, EmbeddingSession } from '../model/types';
import type { InferenceWorkerApi } from './inference.worker';

/** What each worker's session is created with (threads, label, pooling, ORT's file URLs, side files). */
export type InferenceWorkerInit = Pick<WebSessionOptions, 'threads' | 'label' | 'pooling' | 'externalData' | 'wasmPaths'>;

/** An inference worker could not start or stopped (its script failed to load, it ran out of memory). */
class InferenceWorkerError extends EmbedbookError {
  override readonly name = 'InferenceWorkerError';
  constructor(readonly detail: string) {
    super(`A local inference worker stopped: ${detail}. Its chunks are retried on a fresh worker; if this keeps happening, reload the page or run on Remote.`);
  }
}
registerErrorClasses({ InferenceWorkerError });

/**
 * Sub-batches handed to each worker at once: the next one waits in the worker's own queue, so the
 * worker never idles for the round trip through the job worker (on a loaded machine, two thread
 * wake-ups of several ms each per call). Cancel waits for at most these many calls per worker.
 */
const RUNS_PER_WORKER = 2;

/**
 * One inference worker. Its calls in flight are kept so that its death (or the pool's dispose)
 * fails them at once — a terminated or crashed worker never answers — without racing every call
 * against a promise that never settles (each race would leave a reaction on it for the pool's life).
 */
class PoolWorker {
  private readonly worker = new Worker(new URL('./inference.worker.ts', import.meta.url), { type: 'module', name: 'embedbook-inference' });
  private readonly api = Comlink.wrap<InferenceWorkerApi>(this.worker);
  private readonly inFlight = new Set<(err: Error) => void>();
  /** Why it stopped; calls fail with it from then on. */
  private dead: Error | undefined;

  constructor() {
    this.worker.addEventListener('error', (e) => {
      // Handled here (the pool replaces the worker): it must not surface as the job worker's own error.
      e.preventDefault();
      this.stop(new InferenceWorkerError(e.message || 'its script failed to load'));
    });
    this.worker.addEventListener('messageerror', () => this.stop(new InferenceWorkerError('a message could not be read')));
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** A call into the worker: its own errors come back with their class (serializeError's data). */
  call<T>(work: (api: Comlink.Remote<InferenceWorkerApi>) => Promise<T>): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise<T>((resolve, reject) => {
      this.inFlight.add(reject);
      work(this.api)
        .then(resolve, (err: unknown) => reject(err instanceof Error ? err : deserializeError(serializeError(err))))
        .finally(() => this.inFlight.delete(reject));
    });
  }

  /** Terminates the worker and fails its calls in flight with `why`. */
  stop(why: Error): void {
    if (this.dead) return;
    this.dead = why;
    this.worker.terminate();
    for (const reject of this.inFlight) reject(why);
    this.inFlight.clear();
  }
}

interface Slot {
  w: PoolWorker;
  /** Resolves once its worker's session is open (rejects if it cannot open). */
  ready: Promise<{ dimension: number }>;
  /** Runs handed to it and not yet answered. */
  load: number;
}

/**
 * Starts `workers` inference workers, each opening `model` (a copy each) with `init`. The pool is
 * one EmbeddingSession of width workers × RUNS_PER_WORKER: run() goes to the least busy worker; a
 * worker that dies fails its runs (the engine retries their chunks) and is replaced by a fresh one
 * at once; dispose() terminates them all.
 */
export async function createInferencePool(model: Uint8Array, opts: { workers: number; init: InferenceWorkerInit; reason: string }): Promise<EmbeddingSession> {
  const open = (): Slot => {
    const w = new PoolWorker();
    const ready = w.call((api) => api.open(model, opts.init));
    ready.catch(() => undefined); // a run awaits it and sees the error
    return { w, ready, load: 0 };
  };
  // In parallel: each worker compiles its own copy of the graph on its own core.
  const slots = Array.from({ length: Math.max(1, Math.floor(opts.workers)) }, open);
  let dimension: number;
  try {
    dimension = (await Promise.all(slots.map((s) => s.ready)))[0].dimension;
  } catch (err) {
    for (const s of slots) s.w.stop(new InferenceWorkerError('another worker of the pool failed to open the model'));
    throw err;
  }
  let disposed = false;
  return {
    device: 'wasm',
    deviceReason: opts.reason,
    dimension,
    concurrency: slots.length * RUNS_PER_WORKER,
    async run(batch: DenseBatch): Promise<Float32Array> {
      if (disposed) throw new InferenceWorkerError('the pool was disposed');
      // The least busy worker; each runs its sub-batches one at a time, in arrival order.
      const i = slots.reduce((best, s, j) => (s.load < slots[best].load ? j : best), 0);
      const slot = slots[i];
      slot.load++;
      try {
        await slot.ready;
        return await slot.w.call((api) => api.run(batch));
      } catch (err) {
        if (!slot.w.alive && !disposed && slots[i] === slot) slots[i] = open();
        throw err;
      } finally {
        slot.load--;
      }
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      // Terminating frees each worker's WASM memory at once; its session needs no release first.
      for (const s of slots) s.w.stop(new InferenceWorkerError('the pool was disposed'));
    },
  };
}
