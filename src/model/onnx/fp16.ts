// A half-precision variant of an fp32 ONNX model: every float32 initializer is stored as float16
// and followed by a Cast back to float32, so the graph's arithmetic, inputs and outputs stay fp32
// and the variant runs on every provider (CPU included) while the file and the weight upload are
// half the size. Converting the arithmetic itself to fp16 needs the adapter's `shader-f16`
// feature, which onnxruntime-node does not let us query (docs/runtime.md), so it is not done here.
import { decodeModel, DataType, encodeModel, floatData, node, tensor, type onnx } from './builder';

/** IEEE 754 binary16 bits of x, rounded to nearest even (overflow → ±Infinity, NaN kept). */
export function float16Bits(x: number): number {
  const f32 = new Float32Array([x]);
  const bits = new Uint32Array(f32.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // too large: Infinity
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: ±0
    mant |= 0x800000; // subnormal: shift the implicit bit in
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let m = mant >>> shift;
    if (rest > half || (rest === half && m & 1)) m++;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && m & 1)) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

export interface Fp16Result {
  model: Uint8Array;
  /** Initializers stored as float16. */
  converted: number;
  /** Bytes of float32 weights before, float16 after. */
  bytesBefore: number;
  bytesAfter: number;
}

/** The fp16-weight variant of `bytes` (an fp32 model); other initializers are left as they are. */
export function toFloat16Weights(bytes: Uint8Array): Fp16Result {
  const m = decodeModel(bytes);
  const g = m.graph;
  if (!g) throw new RangeError('the model has no graph');
  const keep: onnx.ITensorProto[] = [];
  const casts: onnx.INodeProto[] = [];
  let converted = 0;
  let bytesBefore = 0;
  for (const t of g.initializer ?? []) {
    const name = t.name ?? '';
    // Scalars and tiny tensors (shapes, epsilons) gain nothing and some ops want them fp32.
    const count = (t.dims ?? []).reduce<number>((a, b) => a * Number(b), 1);
    if (t.dataType !== DataType.FLOAT || count < 16) {
      keep.push(t);
      continue;
    }
    const values = floatData(t);
    const half = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) half[i] = float16Bits(values[i]);
    keep.push(tensor(`${name}__fp16`, (t.dims ?? []).map(Number), half));
    casts.push(node('Cast', [`${name}__fp16`], [name], { to: DataType.FLOAT }, `Cast__${name}__fp32`));
    converted++;
    bytesBefore += values.byteLength;
  }
  const graph: onnx.IGraphProto = { ...g, initializer: keep, node: [...casts, ...(g.node ?? [])] };
  const opset = (m.opsetImport ?? []).find((o) => !o.domain)?.version;
  const model = encodeModel(graph, {
    irVersion: Number(m.irVersion ?? 8),
    opset: opset === undefined || opset === null ? undefined : Number(opset),
    extraOpsets: (m.opsetImport ?? []).filter((o) => o.domain).map((o) => ({ domain: o.domain!, version: Number(o.version) })),
    producerName: m.producerName ?? undefined,
    producerVersion: m.producerVersion ?? undefined,
    docString: `${m.docString ? `${m.docString}\n` : ''}float16 weights (src/model/onnx/fp16.ts)`,
  });
  return { model, converted, bytesBefore, bytesAfter: bytesBefore / 2 };
}
