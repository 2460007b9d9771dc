// The page's single handle on the Web Worker. Everything heavy (parsing, inference, PCA,
// Parquet) happens behind this comlink proxy; the page only renders.
import * as Comlink from 'comlink';
import type { PlainError, WorkerApi } from '../../worker/api';
import { serializeError } from '../../core/errors';

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

/**
 * Errors from the worker arrive as serializeError's plain data (name, code, message, fields);
 * anything else thrown on the page is serialized the same way (without its stack).
 */
export function toPlainError(err: unknown): PlainError {
  const { stack: _stack, ...data } = serializeError(err);
  return data;
}
