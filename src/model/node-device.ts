// Which device a Node session runs on, decided from cheap, cached probes and without loading
// onnxruntime (the queue server's main thread uses it for its banner, /health and metrics, while
// only its workers load the runtime). node-session.ts applies the plan.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { Device, ResolvedDevice } from './types';
import { DeviceUnavailableError, GpuUnavailableError, UnknownDeviceError } from './pipeline/errors';
import { describeAdapter, webGpuProbe, type WebGpuAdapterInfo, type WebGpuProbe } from './webgpu-probe';

export const NODE_DEVICES = ['auto', 'cpu', 'cuda', 'webgpu'] as const;

/** Where onnxruntime-node's CUDA provider library would be if the CUDA install step had run. */
function cudaProviderPath(): string {
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

/** Which device a request means on this machine, decided without starting a session. */
export interface DevicePlan {
  device: ResolvedDevice;
  reason: string;
  /** The WebGPU adapter Dawn would pick (device 'webgpu'). */
  adapter?: WebGpuAdapterInfo;
}

/** Intra-op threads when none are given: every available core up to 8. */
export function defaultThreads(): number {
  return Math.min(8, Math.max(1, availableParallelism()));
}

/**
 * The device rule, from cheap cached probes (file checks, no session): 'auto' → CUDA when its
 * provider is installed and an NVIDIA device is visible, else WebGPU on a hardware adapter, else
 * CPU. A software adapter (SwiftShader, lavapipe) is only used when 'webgpu' is asked for.
 * Throws DeviceUnavailableError / GpuUnavailableError when an explicit device cannot run here.
 */
export function planNodeDevice(
  device: Device,
  threads = defaultThreads(),
  /** What this machine has (tests describe other machines). */
  found: { noCuda?: string; probe: WebGpuProbe } = { noCuda: cudaUnavailableReason(), probe: webGpuProbe() },
): DevicePlan {
  if (!(NODE_DEVICES as readonly string[]).includes(device)) throw new UnknownDeviceError(device, NODE_DEVICES);
  const cpu = `CPU with ${threads} thread${threads === 1 ? '' : 's'}`;
  if (device === 'cpu') return { device: 'cpu', reason: `CPU requested, ${threads} threads` };
  const { noCuda, probe } = found;
  if (device === 'cuda') {
    if (noCuda) throw new DeviceUnavailableError('cuda', noCuda);
    return { device: 'cuda', reason: 'CUDA requested and available' };
  }
  if (device === 'webgpu') {
    const adapter = probe.adapters[0];
    if (!adapter) throw new GpuUnavailableError(probe.missing ?? 'adapter', probe.summary);
    return { device: 'webgpu', adapter, reason: `WebGPU requested: ${describeAdapter(adapter)}${adapter.software ? ' (software adapter: correct but slow)' : ''}` };
  }
  if (!noCuda) return { device: 'cuda', reason: 'auto: CUDA provider and GPU found' };
  const hardware = probe.adapters.find((a) => !a.software);
  const why = `no CUDA (${noCuda.split('. ')[0]})`;
  if (hardware) return { device: 'webgpu', adapter: hardware, reason: `auto: ${why}; WebGPU on ${describeAdapter(hardware)}` };
  const soft = probe.adapters[0];
  const noGpu = soft ? `only a software WebGPU adapter (${soft.description}), which auto never picks` : `no WebGPU adapter (${probe.summary})`;
  return { device: 'cpu', reason: `auto: ${why}; ${noGpu}; ${cpu}` };
}
