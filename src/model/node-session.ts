// The Node backend: one onnxruntime-node InferenceSession, created once and reused. CPU by default;
// CUDA when asked for and installed. This file and web-session.ts are the only ones that import
// onnxruntime.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';
import type { Device, EmbeddingSession, ModelLoadProgress, ResolvedDevice } from './types';
import { DeviceUnavailableError, InvalidModelError, UnknownDeviceError } from './pipeline/errors';
import { readSignature } from './pipeline/signature';
import type { PoolingSpec } from './sentence-transformers';
import { errorLine, SessionAdapter, type SessionRuntime } from './pipeline/session-adapter';

export const NODE_DEVICES = ['auto', 'cpu', 'cuda'] as const;

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
}

/** Where onnxruntime-node's CUDA provider library would be if the CUDA install step had run. */
export function cudaProviderPath(): string {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('onnxruntime-node/package.json'));
  return join(pkg, 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so');
}

/** Why CUDA cannot run here, or undefined when it might. */
export function cudaUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return `the CUDA execution provider ships for linux only (this is ${process.platform})`;
  if (!existsSync(cudaProviderPath())) {
    return 'onnxruntime-node was installed without its CUDA provider (libonnxruntime_providers_cuda.so is missing). ' +
      'On a machine with an NVIDIA GPU and CUDA 12 run `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`';
  }
  if (!existsSync('/dev/nvidiactl') && !existsSync('/dev/nvidia0')) return 'no NVIDIA GPU device (/dev/nvidia0) is visible';
  return undefined;
}

export async function createNodeSession(model: string | Uint8Array, opts: NodeSessionOptions = {}): Promise<EmbeddingSession> {
  const device = opts.device ?? 'auto';
  if (!(NODE_DEVICES as readonly string[]).includes(device)) {
    throw new UnknownDeviceError(device, NODE_DEVICES);
  }
  const label = opts.label ?? (typeof model === 'string' ? model : 'model.onnx');
  const bytes = typeof model === 'string' ? readModelFile(model, label, opts.onProgress) : model;
  const threads = opts.threads ?? Math.min(8, Math.max(1, availableParallelism()));
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // Session config key "session.intra_op.allow_spinning" (onnxruntime_session_options_config_keys.h);
    // onnxruntime-node flattens `extra` with dots.
    ...(opts.allowSpinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  };

  let resolved: ResolvedDevice = 'cpu';
  let reason: string;
  let session: ort.InferenceSession | undefined;
  opts.onProgress?.({ status: 'compile', file: label });
  if (device === 'cuda' || device === 'auto') {
    const why = cudaUnavailableReason();
    if (why === undefined) {
      try {
        session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cuda', 'cpu'] });
        resolved = 'cuda';
        reason = device === 'cuda' ? 'CUDA requested and available' : 'auto: CUDA provider and GPU found';
      } catch (err) {
        if (device === 'cuda') throw new DeviceUnavailableError('cuda', `onnxruntime-node failed to start CUDA: ${errorLine(err)}`);
        reason = `auto: CUDA failed to start (${errorLine(err)}), using CPU with ${threads} threads`;
      }
    } else if (device === 'cuda') {
      throw new DeviceUnavailableError('cuda', why);
    } else {
      reason = `auto: no CUDA (${why.split('. ')[0]}); CPU with ${threads} threads`;
    }
  } else {
    reason = `CPU requested, ${threads} threads`;
  }
  if (!session) {
    try {
      session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cpu'] });
    } catch (err) {
      throw new InvalidModelError(label, errorLine(err));
    }
  }
  const sig = readSignature(label, session.inputMetadata, session.outputMetadata);
  const adapter = new SessionAdapter(nodeRuntime(session), sig, { device: resolved, deviceReason: reason!, warmUp: 'if-needed', warmUpId: 0n, pooling: opts.pooling });
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
