import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  DataType,
  OnnxBuildError,
  decodeModel,
  encodeModel,
  float,
  floatData,
  graph,
  node,
  tensor,
  valueInfo,
} from './builder';

function buildAffineLayerNorm(): Uint8Array {
  // y = LayerNorm(x @ W + b) over the last axis, x: [batch, 2] → y: [batch, 3]
  const w = new Float32Array([1, 2, 3, 4, 5, 6]);
  const b = new Float32Array([0.5, -0.5, 1]);
  const g = graph({
    name: 'affine_ln',
    inputs: [valueInfo('x', DataType.FLOAT, ['batch', 2])],
    outputs: [valueInfo('y', DataType.FLOAT, ['batch', 3])],
    initializers: [
      tensor('W', [2, 3], w),
      tensor('b', [3], b),
      tensor('gamma', [3], new Float32Array([1, 1, 1])),
      tensor('beta', [3], new Float32Array([0, 0, 0])),
    ],
    nodes: [
      node('MatMul', ['x', 'W'], ['xw']),
      node('Add', ['xw', 'b'], ['h']),
      node('LayerNormalization', ['h', 'gamma', 'beta'], ['y'], { axis: -1, epsilon: float(1e-5) }),
    ],
  });
  return encodeModel(g);
}

describe('onnx builder', () => {
  it('encodes the same bytes every time', () => {
    const a = buildAffineLayerNorm();
    const b = buildAffineLayerNorm();
    expect(a.length).toBeGreaterThan(100);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('round-trips through decode with typed attributes and raw data', () => {
    const m = decodeModel(buildAffineLayerNorm());
    expect(m.graph?.input?.map((i) => i.name)).toEqual(['x']);
    const ln = m.graph?.node?.find((n) => n.opType === 'LayerNormalization');
    const eps = ln?.attribute?.find((a) => a.name === 'epsilon');
    expect(eps?.type).toBe(1); // FLOAT, not INT
    expect(eps?.f).toBeCloseTo(1e-5, 10);
    const axis = ln?.attribute?.find((a) => a.name === 'axis');
    expect(axis?.type).toBe(2);
    expect(Number(axis?.i)).toBe(-1);
    const w = m.graph?.initializer?.find((t) => t.name === 'W');
    expect(Array.from(floatData(w!))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('runs in onnxruntime-node and computes the expected values', async () => {
    const session = await ort.InferenceSession.create(buildAffineLayerNorm());
    const x = new ort.Tensor('float32', new Float32Array([1, 0, 0, 1]), [2, 2]);
    const out = await session.run({ x });
    const y = out.y.data as Float32Array;
    // row 0: [1,2,3]+b = [1.5,1.5,4] ; row 1: [4,5,6]+b = [4.5,4.5,7]
    const ln = (v: number[]): number[] => {
      const mean = v.reduce((s, t) => s + t, 0) / v.length;
      const vari = v.reduce((s, t) => s + (t - mean) ** 2, 0) / v.length;
      return v.map((t) => (t - mean) / Math.sqrt(vari + 1e-5));
    };
    const expected = [...ln([1.5, 1.5, 4]), ...ln([4.5, 4.5, 7])];
    expect(y.length).toBe(6);
    for (let i = 0; i < 6; i++) expect(y[i]).toBeCloseTo(expected[i], 5);
    await session.release();
  });

  it('rejects a tensor whose data does not fit its dims', () => {
    expect(() => tensor('bad', [2, 3], new Float32Array(5))).toThrow(OnnxBuildError);
    expect(() => tensor('bad', [2, 3], new Float32Array(5))).toThrow(/\[2, 3\] hold 6 elements but data has 5/);
  });

  it('stores int64 tensors and symbolic dims', () => {
    const t = tensor('shape', [2], new BigInt64Array([0n, -1n]));
    expect(t.dataType).toBe(DataType.INT64);
    expect(t.rawData?.byteLength).toBe(16);
    const vi = valueInfo('ids', DataType.INT64, ['batch_size', 'sequence_length']);
    expect(vi.type?.tensorType?.shape?.dim?.map((d) => d.dimParam)).toEqual(['batch_size', 'sequence_length']);
  });
});
