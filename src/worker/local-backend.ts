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
      ? `default${m.dtype ? `|${m.dtype}` : ''}`
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
 * Tokens per WASM inference call, per thread. The worker can take a Cancel only between calls (a
 * call cannot be interrupted), so each is kept short: ~0.3 s on this machine's texts whatever the
 * thread count, against ~2 s for the engine default's 64 long rows. Scaled by the threads because
 * a small call does not use them: onnxruntime runs an operator on one thread when its tensors are
 * small, and wakes the pool once per parallel operator: on a loaded machine 512-token calls at 2
 * threads ran 1.15–1.5× slower than scaled ones (`npm run bench -- local`, docs/app.md#threads).
 */
export const WASM_TOKENS_PER_THREAD = 512;

/**
 * `threads` overrides the WASM thread count the browser's cores give, `tokensPerThread` the call
 * size (the 1-vs-N-thread bench, e2e/pages/workers/app-embed.worker.ts, runs this same path).
 */
export async function createLocalBackend(
  spec: LocalSpec,
  onProgress: ModelProgressSink,
  opts: { threads?: number; tokensPerThread?: number } = {},
): Promise<EmbedBackend> {
  const threads = opts.threads ?? wasmThreads(navigator.hardwareConcurrency || 1, self.crossOriginIsolated);
  const tokensPerThread = opts.tokensPerThread ?? WASM_TOKENS_PER_THREAD;
  const hub = spec.model.kind === 'hub' ? spec.model : undefined;
  const dtype = spec.model.kind === 'hub' || spec.model.kind === 'default' ? spec.model.dtype : undefined;
  const runtime = new LocalRuntime({
    model: modelSpec(spec),
    device: spec.device,
    onProgress,
    backend: webBackend({ threads }),
    embedder: spec.device === 'webgpu' ? undefined : { tokenBudget: tokensPerThread * threads },
    prompt: hub?.prompt,
    dtype,
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
