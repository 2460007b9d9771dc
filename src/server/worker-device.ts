// Which device the pool's model workers run on, decided once on the server thread (without loading
// onnxruntime) so the banner, /health and /metrics can say which and why before a model loads.
// CPU workers run on the CPU; GPU workers (--gpus) follow the device rule of src/model/node-device.
import { planNodeDevice } from '../model/node-device';
import { DeviceUnavailableError } from '../model/pipeline/errors';
import type { WebGpuAdapterInfo } from '../model/webgpu-probe';
import type { WorkerDevice } from './worker/protocol';

/** What `--device` may ask of GPU workers. */
export const GPU_WORKER_DEVICES = ['auto', 'cuda', 'webgpu'] as const;
export type GpuWorkerDevice = (typeof GPU_WORKER_DEVICES)[number];

export interface PoolDevice {
  requested: GpuWorkerDevice | 'cpu';
  device: WorkerDevice;
  reason: string;
  adapter?: WebGpuAdapterInfo;
}

/**
 * Throws DeviceUnavailableError / GpuUnavailableError when an explicit device cannot run here, and
 * when WebGPU would drive more than one GPU worker: onnxruntime-node 1.30's WebGPU provider has no
 * adapter-selection option (its `deviceId` is a context slot that needs a device handle made
 * outside, which Node cannot pass) and every session of a process shares one Dawn device on the
 * adapter Dawn prefers, so extra workers would only contend for that one GPU.
 */
export function planPoolDevice(gpus: readonly string[] | undefined, requested: GpuWorkerDevice = 'auto', threads = 1, found?: Parameters<typeof planNodeDevice>[2]): PoolDevice {
  if (!gpus?.length) return { requested: 'cpu', device: 'cpu', reason: `CPU workers (no GPUs given), ${threads} ORT thread${threads === 1 ? '' : 's'} each` };
  const plan = planNodeDevice(requested, threads, found);
  if (plan.device === 'webgpu' && gpus.length > 1) {
    throw new DeviceUnavailableError(
      'webgpu',
      `${gpus.length} GPU workers were asked for, but onnxruntime-node's WebGPU provider drives one adapter per process (it cannot select an adapter by index). ` +
        'Run one server with --gpus 1 per GPU on a shared --store redis://… (docs/distributed-queue.md), or use --device cuda',
    );
  }
  // planNodeDevice only ever answers Node devices (never 'wasm').
  return { requested, device: plan.device as WorkerDevice, reason: plan.reason, ...(plan.adapter ? { adapter: plan.adapter } : {}) };
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Prometheus lines: an info-style gauge whose labels say the device, adapter and why. */
export function deviceMetric(d: PoolDevice, workers: number): string {
  const adapter = d.adapter ? `${d.adapter.vendor} ${d.adapter.architecture}${d.adapter.software ? ' (software)' : ''}` : '';
  return [
    '# HELP embedbook_worker_device Workers per device the model runs on; labels say the adapter and why it was chosen.',
    '# TYPE embedbook_worker_device gauge',
    `embedbook_worker_device{device="${d.device}",requested="${d.requested}",adapter="${esc(adapter)}",reason="${esc(d.reason)}"} ${workers}`,
    '',
  ].join('\n');
}
