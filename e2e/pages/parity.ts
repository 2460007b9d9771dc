// Test page: runs the browser LocalRuntime (our tokenizer + Embedder + onnxruntime-web session,
// model files fetched by URL exactly as the app does) and exposes one call to specs and benches.
import { LocalRuntime } from '../../src/client/local-runtime-web';
import type { ModelSpec } from '../../src/model/registry';
import type { Device, ModelLoadProgress } from '../../src/model/types';

export interface PageEmbedRequest {
  model: 'default' | Extract<ModelSpec, { url: string }>;
  device: Device;
  texts: unknown[];
  /** Embed this many times and report each run's time (the first includes nothing of loading). */
  repeat?: number;
  /** Skip returning vectors (benchmarks). */
  noVectors?: boolean;
}

export interface PageEmbedResult {
  device: string;
  deviceReason: string;
  dimension: number;
  crossOriginIsolated: boolean;
  vectors: Array<number[] | null>;
  errors: Array<string | null>;
  truncated: boolean[];
  progress: ModelLoadProgress['status'][];
  loadMs: number;
  runMs: number[];
}

async function embed(req: PageEmbedRequest): Promise<PageEmbedResult> {
  const progress: ModelLoadProgress['status'][] = [];
  const t0 = performance.now();
  const rt = new LocalRuntime({ model: req.model, device: req.device, onProgress: (p) => progress.push(p.status) });
  try {
    const info = await rt.info();
    const loadMs = performance.now() - t0;
    const runMs: number[] = [];
    let out: Awaited<ReturnType<LocalRuntime['embedTexts']>> | undefined;
    for (let i = 0; i < (req.repeat ?? 1); i++) {
      const t = performance.now();
      out = await rt.embedTexts(req.texts);
      runMs.push(performance.now() - t);
    }
    return {
      device: info.device,
      deviceReason: info.deviceReason,
      dimension: info.dimension,
      crossOriginIsolated: self.crossOriginIsolated,
      vectors: req.noVectors ? [] : out!.values.map((v) => (v ? Array.from(v) : null)),
      errors: out!.errors!.map((e) => (e === null || typeof e === 'string' ? e : e.message)),
      truncated: out!.truncated,
      progress: [...new Set(progress)],
      loadMs,
      runMs,
    };
  } finally {
    await rt.dispose();
  }
}

declare global {
  interface Window {
    embedbookPage: { embed: typeof embed };
  }
}
window.embedbookPage = { embed };
document.body.dataset.ready = 'true';
