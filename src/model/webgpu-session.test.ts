// onnxruntime-node's bundled WebGPU provider on a real (software) adapter: Debian chromium's
// SwiftShader Vulkan driver, selected through VK_ICD_FILENAMES before the runtime starts. Checks
// the device rule (auto never picks a software adapter; 'webgpu' uses it when asked) and that the
// GPU session answers like the CPU session.
import { describe, expect, test } from 'vitest';
import { createNodeSession, planNodeDevice } from './node-session';
import { cudaUnavailableReason } from './node-device';
import { buildTinyModel } from './pipeline/test-models';
import { SWIFTSHADER_ICD } from './webgpu-probe';

process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

const dense = (rows: number[][], seqLen: number) => {
  const n = rows.length * seqLen;
  const inputIds = new BigInt64Array(n);
  const attentionMask = new BigInt64Array(n);
  rows.forEach((r, i) => r.forEach((id, t) => ((inputIds[i * seqLen + t] = BigInt(id)), (attentionMask[i * seqLen + t] = 1n))));
  return { inputIds, attentionMask, tokenTypeIds: new BigInt64Array(n), batch: rows.length, seqLen };
};

describe('WebGPU in Node (SwiftShader)', () => {
  test('the device rule: webgpu names the software adapter; auto passes it over', () => {
    const gpu = planNodeDevice('webgpu');
    expect(gpu.device).toBe('webgpu');
    expect(gpu.adapter).toMatchObject({ index: 0, vendor: 'google', software: true });
    expect(gpu.reason).toMatch(/^WebGPU requested: SwiftShader .*software/);
    const auto = planNodeDevice('auto', 2);
    if (cudaUnavailableReason()) {
      expect(auto.device).toBe('cpu');
      expect(auto.reason).toMatch(/^auto: no CUDA .*; only a software WebGPU adapter \(SwiftShader .*\), which auto never picks; CPU with 2 threads$/);
    }
    expect(() => planNodeDevice('wasm')).toThrow(/unknown device "wasm".*'webgpu'/);
  });

  test('a webgpu session matches the CPU session within 1e-4 (BERT layout, padding masked)', async () => {
    const model = buildTinyModel({ tokenTypes: true, hidden: 16 });
    const gpu = await createNodeSession(model, { device: 'webgpu' });
    const cpu = await createNodeSession(model, { device: 'cpu' });
    expect(gpu.device).toBe('webgpu');
    expect(gpu.deviceReason).toMatch(/SwiftShader/);
    const batch = dense([[1, 5, 9, 2], [1, 7, 2], [3]], 8);
    const [a, b] = [await gpu.run(batch), await cpu.run(batch)];
    expect(a.length).toBe(3 * 16);
    let max = 0;
    for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
    expect(max).toBeLessThanOrEqual(1e-4);
    await Promise.all([gpu.dispose(), cpu.dispose()]);
  });
});
