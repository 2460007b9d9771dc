// Bench worker (bench/local.bench.ts, threads part): the app's local inference path as the app's
// worker runs it — createLocalBackend (src/worker/local-backend.ts: its pool of onnxruntime-web
// WASM inference workers, the app's per-call token budget) and its fn.chunkedCall with the Chunking
// cell's defaults — only with the pool given (or main's former single session), so one page can
// hold 1 worker × 1 thread and N workers × 1 thread side by side.
import * as Comlink from 'comlink';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import type { EmbedBackend } from '../../../src/worker/embed-backend';
import { createLocalBackend } from '../../../src/worker/local-backend';

export interface AppEmbedInfo {
  threads: number;
  detail: string;
}

export interface AppEmbedConfig {
  /** Inference workers × WASM threads each (with singleSession: one session at workers × threads). */
  workers: number;
  threadsPerWorker: number;
  /** WASM as before the pool: one session in this worker at every thread (onnxruntime's intra-op pool). */
  singleSession?: boolean;
  /** 'q8': the built-in model's int8 file (the Function cell's Precision). */
  dtype?: 'q8';
}

let backend: EmbedBackend | undefined;

const api = {
  async init(c: AppEmbedConfig): Promise<AppEmbedInfo> {
    const wasm = { workers: c.workers, threadsPerWorker: c.threadsPerWorker };
    backend = await createLocalBackend({ kind: 'local', device: 'wasm', model: { kind: 'default', dtype: c.dtype } }, () => undefined, { wasm, singleSession: c.singleSession });
    await backend.embedTexts(['warm up', 'the first run allocates']);
    return { threads: c.workers * c.threadsPerWorker, detail: backend.reason };
  },
  /** One chunkedCall over `texts` as the app's job runner makes it; the time (ms) measured here in the worker. */
  async run(texts: string[], chunking: { chunkSize: number; concurrentChunks: number }): Promise<{ ms: number; failedRows: number }> {
    const t = performance.now();
    const res = await backend!.fn.chunkedCall(new Table({ text: vectorFromArray(texts, new Utf8()) }), chunking);
    return { ms: performance.now() - t, failedRows: res.failedRows };
  },
  async dispose(): Promise<void> {
    await backend?.dispose();
  },
};

export type AppEmbedWorker = typeof api;
Comlink.expose(api);
