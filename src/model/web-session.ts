// The browser backend: one onnxruntime-web InferenceSession, created once and reused. 'auto' runs
// WebGPU when navigator.gpu hands out an adapter, else multi-threaded SIMD WASM. This file and
// node-session.ts are the only ones that import onnxruntime.
import * as ort from 'onnxruntime-web';
import type { Device, EmbeddingSession, ModelLoadProgress, ResolvedDevice } from './types';
import { DeviceUnavailableError, InvalidModelError, UnknownDeviceError } from './pipeline/errors';
import { readSignature } from './pipeline/signature';
import type { PoolingSpec } from './sentence-transformers';
import { errorLine, SessionAdapter, type SessionRuntime } from './pipeline/session-adapter';
import type { ExternalDataFile } from './onnx/external-data';

const WEB_DEVICES = ['auto', 'webgpu', 'wasm'] as const;

/** Where scripts/copy-ort-assets.ts puts ort-wasm-simd-threaded.jsep.{mjs,wasm} (served from public/). */
const DEFAULT_WASM_PATHS = '/ort/';

export interface WebSessionOptions {
  device?: Device;
  /** URL prefix of ORT's .wasm/.mjs files; must be same-origin for threads (COEP). */
  wasmPaths?: string;
  /** WASM threads; default: navigator.hardwareConcurrency (≤ 8) when crossOriginIsolated, else 1. */
  threads?: number;
  onProgress?: (p: ModelLoadProgress) => void;
  label?: string;
  /** sentence-transformers pooling + normalisation of token outputs (default mean + L2). */
  pooling?: PoolingSpec;
  /** Weights the graph keeps in side files (`model.onnx_data`), keyed by the graph's location. */
  externalData?: readonly ExternalDataFile[];
  /**
   * WASM inference run elsewhere (the app's pool of 1-thread inference workers,
   * src/worker/inference-pool.ts): `why` replaces this realm's thread count in the device reason,
   * `open` replaces the session this realm would create. WebGPU still runs here, and falls back to it.
   */
  wasmElsewhere?: { why: string; open(model: Uint8Array, reason: string): Promise<EmbeddingSession> };
}

interface WasmPlan {
  threads: number;
  why: string;
}

/** ORT's env is global and frozen after the first session: configure once, remember what we did. */
let configured: WasmPlan | undefined;

function configureWasm(opts: WebSessionOptions): WasmPlan {
  if (configured) return configured;
  const isolated = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated;
  const cores = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1;
  let threads: number;
  let why: string;
  if (!isolated) {
    threads = 1;
    why = 'page is not cross-origin isolated (serve with COOP: same-origin and COEP: require-corp), so 1 thread';
  } else {
    threads = Math.max(1, Math.min(8, opts.threads ?? cores));
    why = `${threads} thread${threads === 1 ? '' : 's'} (hardwareConcurrency ${cores})`;
  }
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.wasmPaths = opts.wasmPaths ?? DEFAULT_WASM_PATHS;
  ort.env.logLevel = 'error';
  configured = { threads, why };
  return configured;
}

async function hasWebGpuAdapter(): Promise<string | undefined> {
  const gpu = (globalThis.navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } } | undefined)?.gpu;
  if (!gpu) return 'navigator.gpu is missing (browser without WebGPU, or not a secure context)';
  try {
    return (await gpu.requestAdapter()) ? undefined : 'navigator.gpu.requestAdapter() returned no adapter';
  } catch (err) {
    return `navigator.gpu.requestAdapter() failed: ${errorLine(err)}`;
  }
}

export async function createWebSession(model: Uint8Array, opts: WebSessionOptions = {}): Promise<EmbeddingSession> {
  const device = opts.device ?? 'auto';
  if (!(WEB_DEVICES as readonly string[]).includes(device)) throw new UnknownDeviceError(device, WEB_DEVICES);
  const label = opts.label ?? 'model.onnx';
  const here = configureWasm(opts);
  const wasm = opts.wasmElsewhere ? { why: opts.wasmElsewhere.why } : here;

  let resolved: ResolvedDevice = 'wasm';
  let reason = `WASM requested: SIMD, ${wasm.why}`;
  if (device !== 'wasm') {
    const noGpu = await hasWebGpuAdapter();
    if (noGpu === undefined) {
      resolved = 'webgpu';
      reason = device === 'webgpu' ? 'WebGPU requested, adapter found' : 'auto: WebGPU adapter found';
    } else if (device === 'webgpu') {
      throw new DeviceUnavailableError('webgpu', `${noGpu}; use device 'wasm' or 'auto'`);
    } else {
      reason = `auto: no WebGPU (${noGpu}); WASM SIMD, ${wasm.why}`;
    }
  }

  opts.onProgress?.({ status: 'compile', file: label });
  if (resolved === 'webgpu') {
    try {
      return await openSession(model, 'webgpu', reason, label, opts);
    } catch (err) {
      // An adapter that cannot run this model (missing features, out of memory, a driver bug)
      // is no reason to fail the run: WASM always works, and the cell shows why it ran instead.
      // onnxruntime's own words, not the "not a loadable model" advice wrapped around them: the model is fine.
      const why = err instanceof InvalidModelError ? err.detail : errorLine(err);
      reason = `WebGPU ${device === 'webgpu' ? 'requested' : 'adapter found'}, but its session failed (${why}); fell back to WASM SIMD, ${wasm.why}`;
      resolved = 'wasm';
    }
  }
  if (opts.wasmElsewhere) {
    const session = await opts.wasmElsewhere.open(model, reason);
    opts.onProgress?.({ status: 'ready', device: 'wasm', deviceReason: reason });
    return session;
  }
  return openSession(model, resolved, reason, label, opts);
}

async function openSession(model: Uint8Array, resolved: ResolvedDevice, reason: string, label: string, opts: WebSessionOptions): Promise<EmbeddingSession> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, {
      executionProviders: [resolved === 'webgpu' ? 'webgpu' : 'wasm'],
      graphOptimizationLevel: 'all',
      ...(opts.externalData?.length ? { externalData: opts.externalData } : {}),
      // Warnings (e.g. "some nodes not assigned to WebGPU": shape ops stay on CPU by design) would
      // print as console errors in every app session.
      logSeverityLevel: 3,
      // ORT's pool threads spin while idle; with every core given to WASM that spinning would
      // starve the page's own thread (seen: 3 s main-thread tasks on 2 cores). Sleep instead.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
  } catch (err) {
    throw new InvalidModelError(label, errorLine(err));
  }
  const sig = readSignature(label, session.inputMetadata, session.outputMetadata);
  const adapter = new SessionAdapter(webRuntime(session), sig, { device: resolved, deviceReason: reason, warmUp: 'always', warmUpId: 1n, pooling: opts.pooling, yieldTurn: yieldToEventLoop });
  // A first run compiles kernels (WebGPU shaders) and learns the width when metadata omits it.
  try {
    await adapter.init();
  } catch (err) {
    await adapter.dispose().catch(() => undefined);
    throw err;
  }
  opts.onProgress?.({ status: 'ready', device: resolved, deviceReason: reason });
  return adapter;
}

/**
 * Resolves on a new macrotask. WASM inference settles its promise in microtasks only, so a chain
 * of sub-batches would never let the worker take a message (Cancel) or commit an IndexedDB write
 * (a finished chunk) until the whole job ended. A MessageChannel turn is not clamped like
 * setTimeout's nested 4 ms.
 */
function yieldToEventLoop(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

/** onnxruntime-web as a SessionRuntime: output may live on the GPU, so read with getData and free it. */
function webRuntime(session: ort.InferenceSession): SessionRuntime<ort.Tensor> {
  return {
    makeTensor: (type, data, dims) => new ort.Tensor(type, data, dims),
    async runRaw(feeds, output) {
      const t = (await session.run(feeds, [output]))[output];
      return { dims: t.dims, read: async () => (await t.getData()) as Float32Array, dispose: () => t.dispose() };
    },
    release: () => session.release(),
  };
}
