// Bench worker (bench/local.bench.ts, threads part): the app's local inference path as the app's
// worker runs it — createLocalBackend (src/worker/local-backend.ts: onnxruntime-web WASM, the
// app's per-call token budget) and its fn.chunkedCall with the Chunking cell's defaults — only with
// the WASM thread count given, so one page can hold a 1-thread and an N-thread worker side by side.
import * as Comlink from 'comlink';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import type { EmbedBackend } from '../../../src/worker/embed-backend';
import { createLocalBackend, WASM_TOKENS_PER_THREAD } from '../../../src/worker/local-backend';

export interface AppEmbedInfo {
  threads: number;
  detail: string;
}

let backend: EmbedBackend | undefined;

const api = {
  /**
   * `oneThreadCalls`: calls as large as the app makes at 1 thread (not scaled by the threads), to
   * tell the gain of the threads alone from the gain of the larger calls the app gives them.
   * `dtype` 'q8': the built-in model's int8 file (the Function cell's Precision).
   */
  async init(threads: number, oneThreadCalls = false, dtype?: 'q8'): Promise<AppEmbedInfo> {
    const tokensPerThread = oneThreadCalls ? WASM_TOKENS_PER_THREAD / threads : undefined;
    backend = await createLocalBackend({ kind: 'local', device: 'wasm', model: { kind: 'default', dtype } }, () => undefined, { threads, tokensPerThread });
    await backend.embedTexts(['warm up', 'the first run allocates']);
    return { threads: Number(/(\d+) threads?/.exec(backend.reason)?.[1] ?? 1), detail: backend.reason };
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
