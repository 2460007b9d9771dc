// Benchmark page (bench/local.bench.ts): the peer, @huggingface/transformers feature-extraction
// (mean pooling, normalize) on WASM, loading the same model folder from this origin. Its
// onnxruntime-web files are served locally at /hf-ort/ (never the CDN default).
import { env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import type { BenchPage } from './bench-ours';

let extractor: FeatureExtractionPipeline | undefined;

const page: BenchPage = {
  async init(req) {
    const t0 = performance.now();
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    const parts = new URL(req.modelUrl, location.href).pathname.replace(/\/$/, '').split('/');
    const name = parts.pop()!;
    env.localModelPath = `${parts.join('/')}/`;
    const wasm = env.backends.onnx.wasm!;
    wasm.wasmPaths = { mjs: '/hf-ort/ort-wasm-simd-threaded.asyncify.mjs', wasm: '/hf-ort/ort-wasm-simd-threaded.asyncify.wasm' };
    const threads = req.threads ?? 1;
    wasm.numThreads = threads;
    extractor = await pipeline('feature-extraction', name, { dtype: 'fp32', device: 'wasm' });
    await extractor(['warm up', 'the first run allocates'], { pooling: 'mean', normalize: true });
    return { loadMs: performance.now() - t0, threads, detail: `transformers.js, onnxruntime-web ${env.backends.onnx.versions?.web ?? '?'} WASM, ${threads} threads` };
  },
  async run(texts, sample) {
    const t = performance.now();
    const out = await extractor!(texts, { pooling: 'mean', normalize: true });
    const ms = performance.now() - t;
    const data = out.data as Float32Array;
    const dim = out.dims[1];
    return { ms, vectors: Array.from({ length: sample }, (_, r) => Array.from(data.subarray(r * dim, (r + 1) * dim))) };
  },
  async dispose() {
    await extractor?.dispose();
  },
};

window.benchPage = page;
document.body.dataset.ready = 'true';
