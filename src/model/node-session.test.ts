import { describe, expect, test } from 'vitest';
import { createNodeSession, cudaUnavailableReason } from './node-session';
import { buildTinyModel, tinyEmbedding } from './pipeline/test-models';
import type { ModelLoadProgress } from './types';

const HIDDEN = 8;
const dense = (rows: number[][], seqLen: number) => {
  const n = rows.length * seqLen;
  const inputIds = new BigInt64Array(n);
  const attentionMask = new BigInt64Array(n);
  rows.forEach((r, i) => r.forEach((id, t) => ((inputIds[i * seqLen + t] = BigInt(id)), (attentionMask[i * seqLen + t] = 1n))));
  return { inputIds, attentionMask, batch: rows.length, seqLen };
};
/** Expected: mean over unmasked tokens (+ type offset 0), then L2 normalise. */
const expected = (ids: number[]) => {
  const v = new Array(HIDDEN).fill(0).map((_, j) => ids.reduce((s, id) => s + tinyEmbedding(id, j, HIDDEN), 0) / ids.length);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};

describe('createNodeSession on the CPU', () => {
  test('BERT layout: mean-pools over the mask (padding ignored), L2-normalises, feeds token_type_ids', async () => {
    const progress: ModelLoadProgress[] = [];
    const s = await createNodeSession(buildTinyModel({ tokenTypes: true }), { device: 'cpu', onProgress: (p) => progress.push(p) });
    expect(s.device).toBe('cpu');
    expect(s.deviceReason).toMatch(/CPU requested, \d+ threads/);
    expect(s.dimension).toBe(HIDDEN);
    const out = await s.run(dense([[1, 5, 9, 2], [1, 7, 2]], 4));
    expect(out.length).toBe(2 * HIDDEN);
    const rows = [[1, 5, 9, 2], [1, 7, 2]];
    rows.forEach((ids, r) => {
      // token type 0 adds 0 in the tiny model, so the expectation is the plain embedding mean.
      expected(ids).forEach((x, j) => expect(out[r * HIDDEN + j]).toBeCloseTo(x, 5));
    });
    expect(progress.map((p) => p.status)).toEqual(['compile', 'ready']);
    await s.dispose();
    await expect(s.run(dense([[1]], 1))).rejects.toMatchObject({ name: 'SessionDisposedError' });
  });

  test('pooled layout with int32 ids and an unstated width (found by warm-up)', async () => {
    const bytes = buildTinyModel({ output: 'pooled', idType: 'int32' });
    const s = await createNodeSession(bytes, { device: 'auto' });
    expect(s.dimension).toBe(HIDDEN);
    const out = await s.run(dense([[3, 4]], 4));
    expected([3, 4]).forEach((x, j) => expect(out[j]).toBeCloseTo(x, 5));
    if (s.device === 'cpu' && cudaUnavailableReason()) expect(s.deviceReason).toMatch(/^auto: no CUDA/);
    await s.dispose();
  });

  test('not an ONNX file → InvalidModelError naming the file', async () => {
    await expect(createNodeSession(new TextEncoder().encode('{"not":"onnx"}'), { label: 'bad.onnx' })).rejects.toMatchObject({
      name: 'InvalidModelError',
      message: expect.stringMatching(/^bad\.onnx is not a loadable ONNX model/),
    });
    await expect(createNodeSession('/nonexistent/model.onnx')).rejects.toMatchObject({
      name: 'InvalidModelError',
      message: expect.stringMatching(/cannot read the file/),
    });
  });

  test('mismatched input names → ModelSignatureError listing them', async () => {
    const bytes = buildTinyModel({ inputNames: ['ids', 'mask'] });
    await expect(createNodeSession(bytes, { label: 'renamed.onnx' })).rejects.toMatchObject({
      name: 'ModelSignatureError',
      message: expect.stringMatching(/renamed\.onnx: model inputs are 'ids' \(int64\), 'mask' \(int64\)/),
    });
  });

  test('unknown device names are rejected with the allowed list', async () => {
    await expect(createNodeSession(buildTinyModel(), { device: 'wasm' })).rejects.toMatchObject({
      name: 'UnknownDeviceError',
      message: expect.stringContaining("allowed: 'auto', 'cpu', 'cuda', 'webgpu'"),
    });
  });
});

test.runIf(cudaUnavailableReason() !== undefined)('device cuda without CUDA → DeviceUnavailableError naming the cause and fix', async () => {
  await expect(createNodeSession(buildTinyModel(), { device: 'cuda' })).rejects.toMatchObject({
    name: 'DeviceUnavailableError',
    message: expect.stringMatching(/device 'cuda' is unavailable: .*(CUDA provider|NVIDIA GPU|linux only)/),
  });
});
