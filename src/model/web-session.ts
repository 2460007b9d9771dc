// The browser backend: one onnxruntime-web InferenceSession, created once and reused. 'auto' runs
// WebGPU when navigator.gpu hands out an adapter, else multi-threaded SIMD WASM. This file and
// node-session.ts are the only ones that import onnxruntime.
import * as ort from 'onnxruntime-web';
import type { DenseBatch, Device, EmbeddingSession, ModelLoadProgress, ResolvedDevice } from './types';
import { DeviceUnavailableError, InvalidModelError, SessionDisposedError, UnknownDeviceError } from './pipeline/errors';
import { readSignature, type ModelSignature } from './pipeline/signature';
import { toSentenceEmbeddings } from './pipeline/postprocess';
import { toFeeds } from './pipeline/feeds';

export const WEB_DEVICES = ['auto', 'webgpu', 'wasm'] as const;

/** Where scripts/copy-ort-assets.ts puts ort-wasm-simd-threaded.jsep.{mjs,wasm} (served from public/). */
export const DEFAULT_WASM_PATHS = '/ort/';

export interface WebSessionOptions {
  device?: Device;
  /** URL prefix of ORT's .wasm/.mjs files; must be same-origin for threads (COEP). */
  wasmPaths?: string;
  /** WASM threads; default: navigator.hardwareConcurrency (≤ 8) when crossOriginIsolated, else 1. */
  threads?: number;
  onProgress?: (p: ModelLoadProgress) => void;
  label?: string;
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
    why = `${threads} threads (hardwareConcurrency ${cores})`;
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
    return `navigator.gpu.requestAdapter() failed: ${message(err)}`;
  }
}

export async function createWebSession(model: Uint8Array, opts: WebSessionOptions = {}): Promise<EmbeddingSession> {
  const device = opts.device ?? 'auto';
  if (!(WEB_DEVICES as readonly string[]).includes(device)) throw new UnknownDeviceError(device, WEB_DEVICES);
  const label = opts.label ?? 'model.onnx';
  const wasm = configureWasm(opts);

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
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, {
      executionProviders: [resolved === 'webgpu' ? 'webgpu' : 'wasm'],
      graphOptimizationLevel: 'all',
      // Warnings (e.g. "some nodes not assigned to WebGPU": shape ops stay on CPU by design) would
      // print as console errors in every app session.
      logSeverityLevel: 3,
    });
  } catch (err) {
    throw new InvalidModelError(label, message(err));
  }
  const sig = readSignature(label, session.inputMetadata, session.outputMetadata);
  const adapter = new WebEmbeddingSession(session, sig, resolved, reason);
  // A first run compiles kernels (WebGPU shaders) and learns the width when metadata omits it.
  await adapter.init();
  opts.onProgress?.({ status: 'ready', device: resolved, deviceReason: reason });
  return adapter;
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

class WebEmbeddingSession implements EmbeddingSession {
  dimension = 0;
  private disposed = false;

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly sig: ModelSignature,
    readonly device: ResolvedDevice,
    readonly deviceReason: string,
  ) {}

  async init(): Promise<void> {
    const one = { inputIds: new BigInt64Array([1n]), attentionMask: new BigInt64Array([1n]), batch: 1, seqLen: 1 };
    const t = await this.raw(one);
    this.dimension = this.sig.dimension ?? t.dims.at(-1) ?? 0;
  }

  private async raw(batch: DenseBatch): Promise<ort.Tensor> {
    if (this.disposed) throw new SessionDisposedError();
    const feeds = toFeeds(this.sig, batch, (type, data, dims) => new ort.Tensor(type, data, dims));
    const out = await this.session.run(feeds, [this.sig.output]);
    return out[this.sig.output];
  }

  async run(batch: DenseBatch): Promise<Float32Array> {
    const t = await this.raw(batch);
    const data = (await t.getData()) as Float32Array;
    const out = toSentenceEmbeddings(this.sig, batch, data, t.dims);
    t.dispose();
    return out;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
