// The fp16-weight variant: exact binary16 rounding, half the weight bytes, and embeddings that stay
// close to the fp32 model's (checked on the CPU provider, which runs the variant as it is).
import { describe, expect, test } from 'vitest';
import { SYNTHETIC_BERT_SHAPES, buildSyntheticBertOnnx } from '../bert/synthetic-bert';
import { createNodeSession } from '../node-session';
import { Embedder } from '../pipeline/embedder';
import { loadNodeModel } from '../registry-node';
import { FIDELITY_SENTENCES } from '../use/fidelity-sentences';
import { float16Bits, toFloat16Weights } from './fp16';

describe('float16Bits', () => {
  test('known values, round-to-nearest-even, subnormals, overflow, NaN', () => {
    expect(float16Bits(1)).toBe(0x3c00);
    expect(float16Bits(-2)).toBe(0xc000);
    expect(float16Bits(65504)).toBe(0x7bff);
    expect(float16Bits(65520)).toBe(0x7c00); // rounds past the largest finite value
    expect(float16Bits(1e9)).toBe(0x7c00);
    expect(float16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float16Bits(2 ** -26)).toBe(0x0000);
    expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00); // a tie rounds to even
    expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(float16Bits(0.1)).toBe(0x2e66);
    expect(float16Bits(NaN) & 0x7c00).toBe(0x7c00);
    expect(float16Bits(NaN) & 0x3ff).not.toBe(0);
    expect(float16Bits(-0)).toBe(0x8000);
  });
});

describe('toFloat16Weights', () => {
  test('halves the weights; embeddings within 2e-3 of fp32 on the CPU provider', async () => {
    const fp32 = buildSyntheticBertOnnx(SYNTHETIC_BERT_SHAPES.tiny);
    const half = toFloat16Weights(fp32);
    expect(half.converted).toBeGreaterThan(10);
    expect(half.model.byteLength).toBeLessThan(fp32.byteLength * 0.6);
    const [a, b] = await Promise.all([createNodeSession(fp32, { device: 'cpu', threads: 1 }), createNodeSession(half.model, { device: 'cpu', threads: 1 })]);
    const n = 3 * 6;
    const inputIds = BigInt64Array.from({ length: n }, (_, i) => BigInt(1000 + i * 37));
    const batch = { inputIds, attentionMask: new BigInt64Array(n).fill(1n), tokenTypeIds: new BigInt64Array(n), batch: 3, seqLen: 6 };
    const [x, y] = [await a.run(batch), await b.run(batch)];
    let max = 0;
    for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
    expect(max).toBeGreaterThan(0); // the weights really changed
    expect(max).toBeLessThan(2e-3);
    await Promise.all([a.dispose(), b.dispose()]);
  });
});

test('the default model\'s fp16 variant: 48 fidelity sentences within 2e-3 of fp32, cosine ≥ 0.9999', async () => {
  const loaded = await loadNodeModel('default');
  const half = toFloat16Weights(loaded.model);
  expect(half.model.byteLength).toBeLessThan(loaded.model.byteLength * 0.55);
  const [a, b] = await Promise.all([createNodeSession(loaded.model, { device: 'cpu' }), createNodeSession(half.model, { device: 'cpu' })]);
  const texts = FIDELITY_SENTENCES.slice(0, 48);
  const [x, y] = [await new Embedder(loaded.tokenizer, a).embed(texts), await new Embedder(loaded.tokenizer, b).embed(texts)];
  let max = 0;
  let minCos = 1;
  x.values.forEach((v, i) => {
    const w = y.values[i]!;
    let dot = 0;
    for (let j = 0; j < v!.length; j++) {
      max = Math.max(max, Math.abs(v![j] - w[j]));
      dot += v![j] * w[j];
    }
    minCos = Math.min(minCos, dot);
  });
  console.log(`default model fp16 weights vs fp32: max abs diff ${max.toExponential(2)}, min cosine ${minCos.toFixed(6)} over ${texts.length} sentences`);
  expect(max).toBeLessThan(2e-3);
  expect(minCos).toBeGreaterThanOrEqual(0.9999);
  await Promise.all([a.dispose(), b.dispose()]);
});
