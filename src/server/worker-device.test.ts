// The pool's device: CPU without GPUs, the device rule for GPU workers, one WebGPU worker at most,
// and the Prometheus line that reports it.
import { describe, expect, test } from 'vitest';
import type { WebGpuAdapterInfo } from '../model/webgpu-probe';
import { deviceMetric, planPoolDevice } from './worker-device';

const gpu: WebGpuAdapterInfo = { index: 0, vendor: 'amd', architecture: 'PCI 0x1002:0x744c', description: 'AMD Vulkan driver', software: false, manifest: '/usr/share/vulkan/icd.d/radeon_icd.x86_64.json' };
const found = { noCuda: 'no CUDA provider', probe: { loader: 'libvulkan.so.1', adapters: [gpu], summary: '1 adapter' } };

describe('planPoolDevice', () => {
  test('CPU workers without GPUs; GPU workers follow the device rule', () => {
    expect(planPoolDevice(undefined, 'auto', 2, found)).toEqual({ requested: 'cpu', device: 'cpu', reason: 'CPU workers (no GPUs given), 2 ORT threads each' });
    const one = planPoolDevice(['gpu'], 'auto', 1, found);
    expect(one).toMatchObject({ requested: 'auto', device: 'webgpu', adapter: gpu, reason: expect.stringMatching(/^auto: no CUDA \(no CUDA provider\); WebGPU on AMD Vulkan driver/) });
    expect(deviceMetric(one, 1)).toContain('embedbook_worker_device{device="webgpu",requested="auto",adapter="amd PCI 0x1002:0x744c",reason="auto: no CUDA');
  });

  test('more than one WebGPU worker is refused with the way out', () => {
    expect(() => planPoolDevice(['gpu', 'gpu'], 'webgpu', 1, found)).toThrow(/2 GPU workers were asked for, but onnxruntime-node's WebGPU provider drives one adapter per process.*--gpus 1 per GPU on a shared --store redis/);
  });
});
