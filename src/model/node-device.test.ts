// The Node device rule on described machines: CUDA first, then a hardware WebGPU adapter, then the
// CPU; software adapters only when 'webgpu' is asked for; explicit devices that cannot run throw.
import { describe, expect, test } from 'vitest';
import { planNodeDevice } from './node-device';
import type { WebGpuAdapterInfo, WebGpuProbe } from './webgpu-probe';

const h100: WebGpuAdapterInfo = { index: 0, vendor: 'nvidia', architecture: 'NVIDIA H100 80GB HBM3', description: 'NVIDIA Vulkan driver', software: false, manifest: '/usr/share/vulkan/icd.d/nvidia_icd.json' };
const swiftshader: WebGpuAdapterInfo = { index: 1, vendor: 'google', architecture: 'cpu', description: "SwiftShader (Google's software Vulkan)", software: true, manifest: '/usr/lib/chromium/vk_swiftshader_icd.json' };
const probe = (adapters: WebGpuAdapterInfo[], missing?: WebGpuProbe['missing']): WebGpuProbe => ({ loader: '/usr/lib/libvulkan.so.1', adapters, missing, summary: missing ? `missing ${missing}` : `${adapters.length} adapters` });
const NO_CUDA = 'onnxruntime-node was installed without its CUDA provider. Run …';

describe('planNodeDevice', () => {
  test('auto: CUDA when installed, else the hardware adapter, else CPU — each with why', () => {
    expect(planNodeDevice('auto', 4, { probe: probe([h100]) })).toEqual({ device: 'cuda', reason: 'auto: CUDA provider and GPU found' });
    const gpu = planNodeDevice('auto', 4, { noCuda: NO_CUDA, probe: probe([h100, { ...swiftshader }]) });
    expect(gpu).toMatchObject({ device: 'webgpu', adapter: h100 });
    expect(gpu.reason).toBe('auto: no CUDA (onnxruntime-node was installed without its CUDA provider); WebGPU on NVIDIA Vulkan driver, vendor nvidia, NVIDIA H100 80GB HBM3, hardware');
    const soft = planNodeDevice('auto', 4, { noCuda: NO_CUDA, probe: probe([{ ...swiftshader, index: 0 }]) });
    expect(soft.device).toBe('cpu');
    expect(soft.reason).toMatch(/only a software WebGPU adapter \(SwiftShader .*\), which auto never picks; CPU with 4 threads$/);
    expect(planNodeDevice('auto', 1, { noCuda: NO_CUDA, probe: probe([], 'driver') }).reason).toMatch(/no WebGPU adapter \(missing driver\); CPU with 1 thread$/);
  });

  test('explicit devices: webgpu takes a software adapter; unavailable ones throw naming what is missing', () => {
    expect(planNodeDevice('webgpu', 2, { noCuda: NO_CUDA, probe: probe([{ ...swiftshader, index: 0 }]) })).toMatchObject({ device: 'webgpu', reason: expect.stringMatching(/software adapter: correct but slow/) });
    expect(() => planNodeDevice('webgpu', 2, { probe: probe([], 'vulkan-loader') })).toThrow(expect.objectContaining({ name: 'GpuUnavailableError', missing: 'vulkan-loader' }));
    expect(() => planNodeDevice('webgpu', 2, { probe: probe([], 'adapter') })).toThrow(/\(no WebGPU adapter\): missing adapter/);
    expect(() => planNodeDevice('cuda', 2, { noCuda: NO_CUDA, probe: probe([h100]) })).toThrow(expect.objectContaining({ name: 'DeviceUnavailableError' }));
    expect(planNodeDevice('cpu', 3, { noCuda: NO_CUDA, probe: probe([h100]) })).toEqual({ device: 'cpu', reason: 'CPU requested, 3 threads' });
  });
});
