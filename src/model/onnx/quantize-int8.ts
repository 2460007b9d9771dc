// Dynamic int8 quantization of an ONNX graph's constant-weight MatMuls, as onnxruntime's
// quantize_dynamic does: each weight [K, N] becomes int8 with one symmetric scale per output
// column; at run time DynamicQuantizeLinear turns the activations into uint8 (scale and zero
// point per batch) and MatMulInteger (u8 × s8 → int32, onnxruntime's CPU/WASM integer kernels)
// multiplies; the int32 result is scaled back to float. Only MatMuls whose second input is a
// float32 2-D initializer change; every other node is untouched.
import { decodeModel, encodeModel, floatData, node, tensor, type onnx } from './builder';

export interface QuantizeReport {
  /** MatMuls rewritten, and the weights (parameters) now stored as int8. */
  matmuls: number;
  parameters: number;
}

function symmetricPerColumn(w: Float32Array, k: number, n: number): { q: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    let max = 0;
    for (let r = 0; r < k; r++) max = Math.max(max, Math.abs(w[r * n + c]));
    scales[c] = max > 0 ? max / 127 : 1;
  }
  const q = new Int8Array(k * n);
  for (let r = 0; r < k; r++) for (let c = 0; c < n; c++) q[r * n + c] = Math.max(-127, Math.min(127, Math.round(w[r * n + c] / scales[c])));
  return { q, scales };
}

/** Returns the quantized model's bytes and what changed. */
export function quantizeMatMulsInt8(bytes: Uint8Array): { model: Uint8Array; report: QuantizeReport } {
  const model = decodeModel(bytes);
  const g = model.graph!;
  const inits = new Map((g.initializer ?? []).map((t) => [t.name!, t]));
  const uses = new Map<string, number>();
  for (const n of g.node ?? []) for (const i of n.input ?? []) uses.set(i, (uses.get(i) ?? 0) + 1);
  const nodes: onnx.INodeProto[] = [];
  const added: onnx.ITensorProto[] = [];
  const dropped = new Set<string>();
  const report: QuantizeReport = { matmuls: 0, parameters: 0 };
  // Weights the converter stores as Reshape(initializer, constant shape) are constants too.
  const reshaped = new Map<string, onnx.ITensorProto>();
  for (const n of g.node ?? []) {
    const data = n.opType === 'Reshape' ? inits.get(n.input![0]) : undefined;
    const shape = n.opType === 'Reshape' ? inits.get(n.input![1]) : undefined;
    if (!data || !shape || shape.dataType !== 7 || data.dataType !== 1) continue;
    const raw = new Uint8Array(shape.rawData ?? []);
    const dims = Array.from(new BigInt64Array(raw.buffer, 0, raw.byteLength / 8), Number);
    const count = (data.dims ?? []).reduce((x, y) => x * Number(y), 1);
    const known = dims.reduce((x, y, i) => x * (y === -1 ? 1 : y === 0 ? Number(data.dims![i]) : y), 1);
    const resolved = dims.map((d, i) => (d === -1 ? count / known : d === 0 ? Number(data.dims![i]) : d));
    reshaped.set(n.output![0], { ...data, name: n.output![0], dims: resolved });
  }
  for (const n of g.node ?? []) {
    const w = n.opType === 'MatMul' ? (inits.get(n.input![1]) ?? reshaped.get(n.input![1])) : undefined;
    if (!w || w.dataType !== 1 || w.dims?.length !== 2) {
      nodes.push(n);
      continue;
    }
    const [k, cols] = w.dims.map(Number);
    const { q, scales } = symmetricPerColumn(floatData(w), k, cols);
    const p = `${n.output![0]}_q8`;
    added.push(tensor(`${p}/w`, [k, cols], q), tensor(`${p}/w_zero`, [cols], new Int8Array(cols)), tensor(`${p}/w_scale`, [cols], scales));
    nodes.push(
      node('DynamicQuantizeLinear', [n.input![0]], [`${p}/a`, `${p}/a_scale`, `${p}/a_zero`]),
      node('MatMulInteger', [`${p}/a`, `${p}/w`, `${p}/a_zero`, `${p}/w_zero`], [`${p}/int`]),
      node('Cast', [`${p}/int`], [`${p}/float`], { to: 1 }),
      node('Mul', [`${p}/a_scale`, `${p}/w_scale`], [`${p}/scale`]),
      node('Mul', [`${p}/float`, `${p}/scale`], [n.output![0]]),
    );
    report.matmuls++;
    report.parameters += k * cols;
    if (uses.get(w.name!) === 1) dropped.add(w.name!);
  }
  g.node = nodes;
  g.initializer = [...(g.initializer ?? []).filter((t) => !dropped.has(t.name!)), ...added];
  const opset = Number(model.opsetImport?.find((o) => !o.domain)?.version ?? 17);
  return { model: encodeModel(g, { opset, irVersion: Number(model.irVersion), producerName: model.producerName ?? undefined }), report };
}
