// Benchmark page (bench/local.bench.ts, threads part): one Web Worker per configuration, each
// running the app's local inference path (workers/app-embed.worker.ts, with its own pool of
// inference workers), so 1 worker × 1 thread and N workers are compared on the app's own setup
// (worker, per-call token budget, chunk_size × concurrent_chunks) with batches interleaved by the
// bench. Times are taken inside the workers.
import * as Comlink from 'comlink';
import type { AppEmbedConfig, AppEmbedInfo, AppEmbedWorker } from './workers/app-embed.worker';

export interface BenchAppPage {
  /** Starts one worker per entry (see AppEmbedWorker.init); returns what each runs on. */
  init(workers: AppEmbedConfig[]): Promise<AppEmbedInfo[]>;
  /**
   * The tab's memory in bytes (performance.measureUserAgentSpecificMemory: every worker's JS heap
   * and WASM memory included), or undefined where the browser cannot tell.
   */
  memory(): Promise<number | undefined>;
  /** Embeds `texts` in worker `i` as one app job would (chunkedCall with the app's chunking). */
  run(i: number, texts: string[], chunking: { chunkSize: number; concurrentChunks: number }): Promise<{ ms: number; failedRows: number }>;
  dispose(): Promise<void>;
}

let workers: Array<{ worker: Worker; api: Comlink.Remote<AppEmbedWorker> }> = [];

const page: BenchAppPage = {
  async init(configs) {
    workers = configs.map(() => {
      const worker = new Worker(new URL('./workers/app-embed.worker.ts', import.meta.url), { type: 'module' });
      return { worker, api: Comlink.wrap<AppEmbedWorker>(worker) };
    });
    // One at a time: model loads and warm-ups would otherwise compete for the cores.
    const out: AppEmbedInfo[] = [];
    for (const [i, w] of workers.entries()) out.push(await w.api.init(configs[i]));
    return out;
  },
  run: (i, texts, chunking) => workers[i].api.run(texts, chunking),
  async memory() {
    const perf = performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> };
    return perf.measureUserAgentSpecificMemory ? (await perf.measureUserAgentSpecificMemory()).bytes : undefined;
  },
  async dispose() {
    for (const w of workers) {
      await w.api.dispose();
      w.worker.terminate();
    }
    workers = [];
  },
};

declare global {
  interface Window {
    benchApp: BenchAppPage;
  }
}
window.benchApp = page;
document.body.dataset.ready = 'true';
