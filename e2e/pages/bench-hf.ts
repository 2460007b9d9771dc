// Benchmark page (bench/local.bench.ts): the peer, @huggingface/transformers feature-extraction
// (mean pooling, normalize) on WASM, loading the same model folder from this origin. Its
// onnxruntime-web files are served locally at /hf-ort/ (never the CDN default).
import { env, pipeline } from '@huggingface/transformers';
import type { BenchRequest, BenchResult } from './bench-ours';

async function run(req: BenchRequest & { threads: number }): Promise<BenchResult> {
  const t0 = performance.now();
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  const url = new URL(req.modelUrl, location.href);
  const parts = url.pathname.replace(/\/$/, '').split('/');
  const name = parts.pop()!;
  env.localModelPath = `${parts.join('/')}/`;
  const wasm = env.backends.onnx.wasm!;
  wasm.wasmPaths = { mjs: '/hf-ort/ort-wasm-simd-threaded.asyncify.mjs', wasm: '/hf-ort/ort-wasm-simd-threaded.asyncify.wasm' };
  wasm.numThreads = req.threads;
  const extractor = await pipeline('feature-extraction', name, { dtype: 'fp32', device: 'wasm' });
  await extractor(req.texts.slice(0, 4), { pooling: 'mean', normalize: true });
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  const sample: number[][] = [];
  for (let i = 0; i < req.texts.length; i += req.batch) {
    const out = await extractor(req.texts.slice(i, i + req.batch), { pooling: 'mean', normalize: true });
    if (i === 0) {
      const data = out.data as Float32Array;
      const dim = out.dims[1];
      for (let r = 0; r < req.sample; r++) sample.push(Array.from(data.subarray(r * dim, (r + 1) * dim)));
    }
  }
  const ms = performance.now() - t1;
  await extractor.dispose();
  return { ms, loadMs, threads: req.threads, detail: `transformers.js, onnxruntime-web ${env.backends.onnx.versions?.web ?? '?'} WASM, ${req.threads} threads`, sample };
}

declare global {
  interface Window {
    benchHf: typeof run;
  }
}
window.benchHf = run;
document.body.dataset.ready = 'true';
