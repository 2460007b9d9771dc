// FLOP per token of an encoder from its ONNX graph: every MatMul / Gemm whose weight is a 2-D
// initializer costs 2 × its element count per token it is applied to. Attention's activation ×
// activation products (QKᵀ, PV) grow with the sequence and are left out, so this is the weight
// part — the bulk for sentence-length inputs, and the usual basis of MFU estimates.
import { decodeModel } from './builder';

export function estimateFlopsPerToken(modelBytes: Uint8Array): number {
  const g = decodeModel(modelBytes).graph;
  if (!g) return 0;
  const dims = new Map<string, number[]>();
  for (const t of g.initializer ?? []) dims.set(t.name ?? '', (t.dims ?? []).map(Number));
  let flops = 0;
  for (const n of g.node ?? []) {
    if (n.opType !== 'MatMul' && n.opType !== 'Gemm') continue;
    for (const input of (n.input ?? []).slice(0, 2)) {
      const d = dims.get(input);
      if (d?.length === 2) flops += 2 * d[0] * d[1];
    }
  }
  return flops;
}
