// Benchmark page (bench/local.bench.ts): our browser LocalRuntime on WASM, texts fed through
// chunkedCall over an Arrow table exactly as the app's worker does.
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { LocalRuntime } from '../../src/client/local-runtime-web';

export interface BenchRequest {
  modelUrl: string;
  texts: string[];
  batch: number;
  /** Rows whose vectors are returned for cross-checking against the peer. */
  sample: number;
}

export interface BenchResult {
  ms: number;
  loadMs: number;
  threads: number;
  detail: string;
  sample: number[][];
}

async function run(req: BenchRequest): Promise<BenchResult> {
  const t0 = performance.now();
  const rt = new LocalRuntime({ model: { url: req.modelUrl }, device: 'wasm' });
  const info = await rt.info();
  await rt.embedTexts(req.texts.slice(0, 4)); // warm-up: first-run allocations
  const loadMs = performance.now() - t0;
  const table = new Table({ text: vectorFromArray(req.texts, new Utf8()) });
  const t1 = performance.now();
  const res = await rt.function('embed').chunkedCall(table, { chunkSize: req.batch });
  const ms = performance.now() - t1;
  if (res.failedRows) throw new Error(`${res.failedRows} rows failed`);
  const col = res.table.getChild('result')!;
  const sample = Array.from({ length: req.sample }, (_, i) => Array.from(col.get(i)!.toArray() as Float32Array));
  await rt.dispose();
  return { ms, loadMs, threads: Number(/(\d+) threads/.exec(info.deviceReason)?.[1] ?? 1), detail: info.deviceReason, sample };
}

declare global {
  interface Window {
    benchOurs: typeof run;
  }
}
window.benchOurs = run;
document.body.dataset.ready = 'true';
