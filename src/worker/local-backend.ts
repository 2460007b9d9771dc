// Local backend: the model runs here, in the worker, on onnxruntime-web (WebGPU or threaded
// WASM) through LocalRuntime. One runtime per model + device: its session is created once and
// reused across runs and nearest-neighbour queries.
import { LocalRuntime, webBackend } from '../client/local-runtime-web';
import type { ModelSpec } from '../model/registry';
import type { BackendSpec } from './api';
import { embedTexts, type EmbedBackend, type ModelProgressSink } from './embed-backend';
import { wasmThreads } from './wasm-threads';

type LocalSpec = Extract<BackendSpec, { kind: 'local' }>;

export function localBackendKey(spec: LocalSpec): string {
  const m = spec.model;
  const model =
    m.kind === 'default'
      ? 'default'
      : m.kind === 'url'
        ? `url:${m.url}`
        : m.kind === 'hub'
          ? `hub:${m.endpoint}|${m.id}|${m.prompt ?? ''}|${m.dtype ?? ''}`
          : `files:${m.files.map((f) => `${f.name}/${f.size}/${f.lastModified}`).join(',')}`;
  return `local|${spec.device}|${model}`;
}

function modelSpec(spec: LocalSpec): ModelSpec {
  const m = spec.model;
  if (m.kind === 'hub') return { id: m.id.trim(), endpoint: m.endpoint.trim() };
  return m.kind === 'default' ? 'default' : m.kind === 'url' ? { url: m.url } : { files: m.files };
}

/**
 * Tokens per WASM inference call. The worker can take a Cancel only between calls (a call cannot
 * be interrupted), so each is kept short: ~0.3 s at 1 thread on this machine's texts, against
 * ~2 s for the engine default's 64 long rows. Throughput is the same (CPU inference gains
 * nothing from batches beyond a few rows).
 */
const WASM_TOKEN_BUDGET = 512;

/**
 * `threads` overrides the WASM thread count the browser's cores give (the 1-vs-2-thread bench,
 * e2e/pages/workers/app-embed.worker.ts, runs this same path at both).
 */
export async function createLocalBackend(spec: LocalSpec, onProgress: ModelProgressSink, opts: { threads?: number } = {}): Promise<EmbedBackend> {
  const threads = opts.threads ?? wasmThreads(navigator.hardwareConcurrency || 1, self.crossOriginIsolated);
  const hub = spec.model.kind === 'hub' ? spec.model : undefined;
  const runtime = new LocalRuntime({
    model: modelSpec(spec),
    device: spec.device,
    onProgress,
    backend: webBackend({ threads }),
    embedder: spec.device === 'webgpu' ? undefined : { tokenBudget: WASM_TOKEN_BUDGET },
    prompt: hub?.prompt,
    dtype: hub?.dtype,
  });
  const info = await runtime.info();
  const fn = runtime.function('embed');
  return {
    label: `Local · ${info.device === 'webgpu' ? 'WebGPU' : 'WASM'} · ${info.model}, ${info.dimension}-d`,
    device: info.device,
    reason: info.deviceReason,
    fn,
    embedTexts: (texts, signal) => embedTexts(fn, texts, signal),
    dispose: () => runtime.dispose(),
  };
}
