// Local backend: the model runs in the browser on onnxruntime-web through LocalRuntime. This
// worker loads the model once (download, progress) and tokenizes; inference runs on WebGPU in this
// worker, or on WASM in a pool of inference workers it starts (inference-pool.ts: one 1-thread
// session per core — data parallelism, not onnxruntime's intra-op thread pool). One runtime per
// model + device: its sessions are created once and reused across runs and nearest-neighbour queries.
import { LocalRuntime, webBackend } from '../client/local-runtime-web';
import type { LocalBackend } from '../client/local-runtime';
import type { ModelSpec } from '../model/registry';
import { createWebSession } from '../model/web-session';
import type { BackendSpec } from './api';
import { embedTexts, type EmbedBackend, type ModelProgressSink } from './embed-backend';
import { createInferencePool } from './inference-pool';
import { wasmPlan, wasmPlanLabel, type WasmPlan } from './wasm-threads';

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
 * Tokens per WASM inference call, per thread of the session that runs it (an inference worker's:
 * 1 on most machines). The worker can take a Cancel only between calls (a
 * call cannot be interrupted), so each is kept short: ~0.3 s on this machine's texts whatever the
 * thread count, against ~2 s for the engine default's 64 long rows. Scaled by the threads because
 * a small call does not use them: onnxruntime runs an operator on one thread when its tensors are
 * small, and wakes the pool once per parallel operator: on a loaded machine 512-token calls at 2
 * threads ran 1.15–1.5× slower than scaled ones (`npm run bench -- local`, docs/app.md#threads).
 */
const WASM_TOKENS_PER_THREAD = 512;

/**
 * The backend that runs WASM inference on `plan`'s pool of inference workers (WebGPU, and the
 * fallback decision, stay in this worker: createWebSession).
 */
function pooledWebBackend(plan: WasmPlan): LocalBackend {
  const web = webBackend({ threads: plan.workers * plan.threadsPerWorker });
  const why = `${wasmPlanLabel(plan)}, hardwareConcurrency ${navigator.hardwareConcurrency || 1}`;
  return {
    ...web,
    createSession: (model, o) =>
      createWebSession(model, {
        ...o,
        threads: plan.workers * plan.threadsPerWorker,
        wasmElsewhere: {
          why,
          open: (m, reason) =>
            createInferencePool(m, { workers: plan.workers, reason, init: { threads: plan.threadsPerWorker, label: o.label, pooling: o.pooling, externalData: o.externalData } }),
        },
      }),
  };
}

/**
 * `wasm` overrides the pool the browser's cores give, `tokensPerThread` the call size, and
 * `singleSession` runs WASM as before the pool (one session in this worker at every thread of
 * `wasm`): the bench (e2e/pages/workers/app-embed.worker.ts) runs this same path with each.
 */
export async function createLocalBackend(
  spec: LocalSpec,
  onProgress: ModelProgressSink,
  opts: { wasm?: WasmPlan; singleSession?: boolean; tokensPerThread?: number } = {},
): Promise<EmbedBackend> {
  const plan = opts.wasm ?? wasmPlan(navigator.hardwareConcurrency || 1, self.crossOriginIsolated);
  // Threads one inference call runs on: the session's (a worker's, or the single session's).
  const callThreads = opts.singleSession ? plan.workers * plan.threadsPerWorker : plan.threadsPerWorker;
  const tokensPerThread = opts.tokensPerThread ?? WASM_TOKENS_PER_THREAD;
  const hub = spec.model.kind === 'hub' ? spec.model : undefined;
  const dtype = spec.model.kind === 'hub' || spec.model.kind === 'default' ? spec.model.dtype : undefined;
  const runtime = new LocalRuntime({
    model: modelSpec(spec),
    device: spec.device,
    onProgress,
    backend: opts.singleSession ? webBackend({ threads: callThreads }) : pooledWebBackend(plan),
    embedder: spec.device === 'webgpu' ? undefined : { tokenBudget: tokensPerThread * callThreads },
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
