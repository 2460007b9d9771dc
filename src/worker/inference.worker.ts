// An inference worker of the local backend's pool (inference-pool.ts): one onnxruntime-web WASM
// session of its own (its own threads, usually 1), started by the job worker (a nested dedicated
// worker). It only runs packed sub-batches: tokenizing, chunking and storage stay in the job worker.
// Errors leave as serializeError's plain data, so the pool rebuilds their class (InvalidModelError…).
import * as Comlink from 'comlink';
import { serializeError } from '../core/errors';
import { createWebSession } from '../model/web-session';
import { SerialQueue } from '../model/pipeline/serial-queue';
import type { DenseBatch, EmbeddingSession } from '../model/types';
import type { InferenceWorkerInit } from './inference-pool';

let session: EmbeddingSession | undefined;
/** The pool sends the next sub-batch before this one ends; the session runs one at a time. */
const queue = new SerialQueue();

async function plainErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw serializeError(err);
  }
}

const api = {
  open: (model: Uint8Array, init: InferenceWorkerInit): Promise<{ dimension: number }> =>
    plainErrors(async () => {
      session = await createWebSession(model, { ...init, device: 'wasm' });
      return { dimension: session.dimension };
    }),
  run: (batch: DenseBatch): Promise<Float32Array> => plainErrors(() => queue.run(() => session!.run(batch))),
  dispose: (): Promise<void> => plainErrors(async () => session?.dispose()),
};

export type InferenceWorkerApi = typeof api;
Comlink.expose(api);
