// The page's single handle on the Web Worker. Everything heavy (parsing, inference, PCA,
// Parquet) happens behind this comlink proxy; the page only renders.
import * as Comlink from 'comlink';
import type { PlainError, WorkerApi } from '../../worker/api';

let api: Comlink.Remote<WorkerApi> | undefined;

export function workerApi(): Comlink.Remote<WorkerApi> {
  if (!api) {
    const worker = new Worker(new URL('../../worker/worker.ts', import.meta.url), { type: 'module', name: 'embedbook' });
    api = Comlink.wrap<WorkerApi>(worker);
  }
  return api;
}

/** Wraps a callback so the worker can call it across the boundary. */
export const proxy = Comlink.proxy;

/** Errors from the worker arrive as plain { name, message }; anything else is normalised. */
export function toPlainError(err: unknown): PlainError {
  if (typeof err === 'object' && err !== null && 'message' in err) {
    const e = err as { name?: unknown; message?: unknown };
    return { name: typeof e.name === 'string' ? e.name : 'Error', message: String(e.message) };
  }
  return { name: 'Error', message: String(err) };
}
