// Benchmark page (bench/local.bench.ts): our browser LocalRuntime on WASM, each batch fed through
// chunkedCall over an Arrow table exactly as the app's worker does. The bench alternates batches
// between this page and the peer's, so both see the same machine load.
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { LocalRuntime, webBackend } from '../../src/client/local-runtime-web';

export interface BenchInit {
  /** A Hugging Face-layout model folder URL, or 'default' (the built-in model, from defaultModelUrl). */
  modelUrl: string;
  defaultModelUrl?: string;
  /** WASM threads (the peer is given the same number). */
  threads?: number;
}

export interface BenchInfo {
  loadMs: number;
  threads: number;
  detail: string;
}

export interface BenchPage {
  init(req: BenchInit): Promise<BenchInfo>;
  /** Embeds one batch; returns the time it took (ms), the tokens the model read, and the first `sample` vectors. */
  run(texts: string[], sample: number): Promise<{ ms: number; tokens?: number; vectors: number[][] }>;
  dispose(): Promise<void>;
}

let rt: LocalRuntime | undefined;

const page: BenchPage = {
  async init(req) {
    const t0 = performance.now();
    rt = new LocalRuntime({
      model: req.modelUrl === 'default' ? 'default' : { url: req.modelUrl },
      device: 'wasm',
      backend: webBackend({ threads: req.threads, defaultModelUrl: req.defaultModelUrl }),
    });
    const info = await rt.info();
    await rt.embedTexts(['warm up', 'the first run allocates']);
    return { loadMs: performance.now() - t0, threads: Number(/(\d+) threads?/.exec(info.deviceReason)?.[1] ?? 1), detail: info.deviceReason };
  },
  async run(texts, sample) {
    const t = performance.now();
    const res = await rt!.function('embed').chunkedCall(new Table({ text: vectorFromArray(texts, new Utf8()) }), { chunkSize: texts.length });
    const ms = performance.now() - t;
    // Tokens the model read (cut at its maximum length), counted outside the timed part.
    const { embedder, model } = await rt!.load();
    const tokens = texts.reduce((n, x) => n + Math.min(model.tokenizer.encode(x).ids.length, embedder.tokenizer.maxLength), 0);
    if (res.failedRows) throw new Error(`${res.failedRows} rows failed`);
    const col = res.table.getChild('result')!;
    return { ms, tokens, vectors: Array.from({ length: sample }, (_, i) => Array.from(col.get(i)!.toArray() as Float32Array)) };
  },
  async dispose() {
    await rt?.dispose();
  },
};

declare global {
  interface Window {
    benchPage: BenchPage;
  }
}
window.benchPage = page;
document.body.dataset.ready = 'true';
