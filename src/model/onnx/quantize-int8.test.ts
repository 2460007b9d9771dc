// The int8 variant of the default model: which MatMuls change, and that onnxruntime-node runs it
// with embeddings within cosine 0.995 of the fp32 model on the fidelity sentences (speed is in
// `npm run bench -- default-model`).
import { expect, test } from 'vitest';
import { LocalRuntime } from '../../client/local-runtime-node';
import { FIDELITY_SENTENCES } from '../use/fidelity-sentences';
import { decodeModel } from './builder';
import { quantizeMatMulsInt8 } from './quantize-int8';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultModelDir } from '../registry-node';

test('the default model: 10 weight MatMuls become DynamicQuantizeLinear + MatMulInteger; nothing else changes', () => {
  const bytes = readFileSync(join(defaultModelDir(), 'model.onnx'));
  const { model, report } = quantizeMatMulsInt8(bytes);
  expect(report).toEqual({ matmuls: 10, parameters: 4_915_200 });
  const ops = (b: Uint8Array) => decodeModel(b).graph!.node!.map((n) => n.opType!);
  const before = ops(bytes);
  const after = ops(model);
  const count = (xs: string[], op: string) => xs.filter((x) => x === op).length;
  expect(count(after, 'MatMulInteger')).toBe(10);
  expect(count(after, 'DynamicQuantizeLinear')).toBe(10);
  expect(count(after, 'MatMul')).toBe(count(before, 'MatMul') - 10);
  expect(after.length).toBe(before.length + 10 * 4);
});

test('LocalRuntime dtype q8 on the default model: cosine ≥ 0.995 to fp32 on every fidelity sentence', async () => {
  const fp32 = new LocalRuntime({ model: 'default', device: 'cpu' });
  const int8 = new LocalRuntime({ model: 'default', device: 'cpu', dtype: 'q8' });
  try {
    const texts = [...FIDELITY_SENTENCES];
    const [a, b] = await Promise.all([fp32.embedTexts(texts), int8.embedTexts(texts)]);
    expect((await int8.info()).dimension).toBe(512);
    let worst = 1;
    a.values.forEach((x, i) => {
      const y = b.values[i]!;
      let dot = 0;
      for (let d = 0; d < x!.length; d++) dot += x![d] * y[d];
      worst = Math.min(worst, dot); // both unit vectors
    });
    expect(worst).toBeGreaterThanOrEqual(0.995);
  } finally {
    await Promise.all([fp32.dispose(), int8.dispose()]);
  }
});
