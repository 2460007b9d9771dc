// The Node backend: one onnxruntime-node InferenceSession, created once and reused. CPU, CUDA (when
// its provider is installed) or WebGPU (the provider onnxruntime-node bundles: Dawn over Vulkan),
// as node-device.ts plans it. This file and web-session.ts are the only ones that import onnxruntime.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import type { Device, EmbeddingSession, ModelLoadProgress, ResolvedDevice } from './types';
import { DeviceUnavailableError, GpuUnavailableError, InvalidModelError } from './pipeline/errors';
import { readSignature } from './pipeline/signature';
import type { PoolingSpec } from './sentence-transformers';
import { errorLine, SessionAdapter, type SessionRuntime } from './pipeline/session-adapter';
import { defaultThreads, planNodeDevice } from './node-device';
import { describeAdapter } from './webgpu-probe';
import type { ExternalDataFile } from './onnx/external-data';

// Kept importable from here (the session's public face) — they live in the ORT-free node-device.ts.
export { cudaUnavailableReason, planNodeDevice } from './node-device';

export interface NodeSessionOptions {
  device?: Device;
  /** Intra-op threads; default: every available core up to 8 (more rarely helps small encoders). */
  threads?: number;
  onProgress?: (p: ModelLoadProgress) => void;
  /** Name used in errors and progress (defaults to the path, or 'model.onnx'). */
  label?: string;
  /**
   * Whether idle intra-op threads spin-wait for the next run (onnxruntime's default: true). Pass
   * false when the process does other work between runs (the queue server's worker threads share
   * the cores with the HTTP thread): spinning threads then steal that time.
   */
  allowSpinning?: boolean;
  /** sentence-transformers pooling + normalisation of token outputs (default mean + L2). */
  pooling?: PoolingSpec;
  /** Weights the graph keeps in side files (`model.onnx_data`), keyed by the graph's location. */
  externalData?: readonly ExternalDataFile[];
}

/** Dawn's reason from onnxruntime's long native message ("… Failed to get a WebGPU adapter: X"). */
function dawnReason(err: unknown): string {
  const line = errorLine(err);
  const m = /Failed to get a WebGPU adapter:?\s*(.*)$/.exec(line);
  return m ? `Dawn found no usable adapter (${m[1] || 'no reason given'})` : line;
}

export async function createNodeSession(model: string | Uint8Array, opts: NodeSessionOptions = {}): Promise<EmbeddingSession> {
  const device = opts.device ?? 'auto';
  const threads = opts.threads ?? defaultThreads();
  const plan = planNodeDevice(device, threads);
  const label = opts.label ?? (typeof model === 'string' ? model : 'model.onnx');
  const bytes = typeof model === 'string' ? readModelFile(model, label, opts.onProgress) : model;
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    ...(opts.externalData?.length ? { externalData: opts.externalData } : {}),
    // Session config key "session.intra_op.allow_spinning" (onnxruntime_session_options_config_keys.h);
    // onnxruntime-node flattens `extra` with dots.
    ...(opts.allowSpinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  };

  let resolved: ResolvedDevice = 'cpu';
  let reason = plan.reason;
  let session: ort.InferenceSession | undefined;
  opts.onProgress?.({ status: 'compile', file: label });
  if (plan.device === 'cuda' || plan.device === 'webgpu') {
    // The GPU provider takes the nodes it has kernels for; onnxruntime runs the rest on the CPU.
    const ep = plan.device === 'cuda' ? 'cuda' : 'webgpu';
    try {
      // Errors only: onnxruntime warns on every GPU session that shape ops were left on the CPU, by design.
      session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: [ep, 'cpu'], logSeverityLevel: 3 });
      resolved = plan.device;
    } catch (err) {
      if (device === plan.device) {
        if (ep === 'webgpu') throw new GpuUnavailableError('adapter', `${plan.adapter ? describeAdapter(plan.adapter) : 'the adapter'} did not start: ${dawnReason(err)}`);
        throw new DeviceUnavailableError('cuda', `onnxruntime-node failed to start CUDA: ${errorLine(err)}`);
      }
      reason = `auto: ${ep === 'cuda' ? 'CUDA' : 'WebGPU'} failed to start (${ep === 'cuda' ? errorLine(err) : dawnReason(err)}), using CPU with ${threads} threads`;
    }
  }
  if (!session) {
    try {
      session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cpu'] });
    } catch (err) {
      throw new InvalidModelError(label, errorLine(err));
    }
  }
  const sig = readSignature(label, session.inputMetadata, session.outputMetadata);
  // WebGPU compiles its shaders on the first run: do it now, at load, not in the first batch.
  const warmUp = resolved === 'webgpu' ? 'always' : 'if-needed';
  const adapter = new SessionAdapter(nodeRuntime(session), sig, { device: resolved, deviceReason: reason, warmUp, warmUpId: 0n, pooling: opts.pooling });
  await adapter.init();
  opts.onProgress?.({ status: 'ready', device: resolved, deviceReason: adapter.deviceReason });
  return adapter;
}

function readModelFile(path: string, label: string, onProgress: NodeSessionOptions['onProgress']): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new InvalidModelError(label, `cannot read the file (${errorLine(err)})`);
  }
  onProgress?.({ status: 'download', file: label, loaded: bytes.byteLength, total: bytes.byteLength });
  return bytes;
}

/** onnxruntime-node as a SessionRuntime: CPU tensors, read in place, nothing to free. */
function nodeRuntime(session: ort.InferenceSession): SessionRuntime<ort.Tensor> {
  return {
    makeTensor: (type, data, dims) => new ort.Tensor(type, data, dims),
    async runRaw(feeds, output) {
      const t = (await session.run(feeds, [output]))[output];
      return { dims: t.dims, read: async () => t.data as Float32Array, dispose: () => {} };
    },
    release: () => session.release(),
  };
}
