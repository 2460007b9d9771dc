// Mean pooling over the attention mask and L2 normalisation, as sentence-transformers does for
// all-MiniLM-L6-v2: sum(h * mask) / max(sum(mask), 1e-9), then x / max(‖x‖, 1e-12).
// Pure functions over flat row-major arrays; no runtime imports.
import type { PoolingMode } from './sentence-transformers';
import { EmbedbookError } from '../core/errors';

/** Raised when array sizes disagree with the stated [batch, seq, hidden] shape. */
export class PoolingShapeError extends EmbedbookError {
  override readonly name = 'PoolingShapeError';
}

type Mask = ArrayLike<number> | BigInt64Array | Int32Array;

/**
 * hidden: [batch, seq, dim] row-major; mask: [batch, seq] (1 = real token, 0 = padding).
 * Returns [batch, dim]. A row with an all-zero mask pools to zeros (never NaN).
 */
export function meanPool(hidden: Float32Array, mask: Mask, batch: number, seq: number, dim: number): Float32Array {
  if (hidden.length !== batch * seq * dim) {
    throw new PoolingShapeError(`hidden state has ${hidden.length} values, expected batch ${batch} × seq ${seq} × dim ${dim} = ${batch * seq * dim}`);
  }
  if (mask.length !== batch * seq) {
    throw new PoolingShapeError(`attention mask has ${mask.length} values, expected batch ${batch} × seq ${seq} = ${batch * seq}`);
  }
  const out = new Float32Array(batch * dim);
  // Accumulate in float64: long sequences of float32 sums drift otherwise.
  const acc = new Float64Array(dim);
  for (let b = 0; b < batch; b++) {
    acc.fill(0);
    let count = 0;
    for (let s = 0; s < seq; s++) {
      const m = Number(mask[b * seq + s]);
      if (m === 0) continue;
      count += m;
      const base = (b * seq + s) * dim;
      for (let d = 0; d < dim; d++) acc[d] += hidden[base + d] * m;
    }
    const denom = Math.max(count, 1e-9);
    for (let d = 0; d < dim; d++) out[b * dim + d] = acc[d] / denom;
  }
  return out;
}

/** L2-normalises each of `batch` rows of length `dim` in place and returns the same array. */
export function l2Normalize(x: Float32Array, batch: number, dim: number): Float32Array {
  if (x.length !== batch * dim) {
    throw new PoolingShapeError(`embeddings have ${x.length} values, expected batch ${batch} × dim ${dim} = ${batch * dim}`);
  }
  for (let b = 0; b < batch; b++) {
    let sq = 0;
    for (let d = 0; d < dim; d++) sq += x[b * dim + d] ** 2;
    const scale = 1 / Math.max(Math.sqrt(sq), 1e-12);
    for (let d = 0; d < dim; d++) x[b * dim + d] *= scale;
  }
  return x;
}

/** meanPool then l2Normalize: [batch, seq, dim] + mask → [batch, dim] unit rows. */
export function meanPoolNormalize(hidden: Float32Array, mask: Mask, batch: number, seq: number, dim: number): Float32Array {
  return l2Normalize(meanPool(hidden, mask, batch, seq, dim), batch, dim);
}

/**
 * sentence-transformers' Pooling module over [batch, seq, dim] token states: each mode gives a
 * [batch, dim] block and several modes are concatenated per row in `modes` order ([batch, dim ×
 * modes]). cls = first token; max = per-dimension max over real tokens; mean; mean_sqrt_len = sum /
 * √count; weightedmean = positions weighted 1…seq; lasttoken = the last real token. A row with no
 * real token pools to zeros, never NaN or -1e9.
 */
export function poolTokens(hidden: Float32Array, mask: Mask, batch: number, seq: number, dim: number, modes: readonly PoolingMode[]): Float32Array {
  const mean = modes.includes('mean') || modes.includes('mean_sqrt_len') ? meanPool(hidden, mask, batch, seq, dim) : undefined;
  if (modes.length === 1 && modes[0] === 'mean') return mean!;
  if (hidden.length !== batch * seq * dim || mask.length !== batch * seq) {
    throw new PoolingShapeError(`hidden state has ${hidden.length} values and mask ${mask.length}, expected ${batch}×${seq}×${dim} and ${batch}×${seq}`);
  }
  const width = dim * modes.length;
  const out = new Float32Array(batch * width);
  const acc = new Float64Array(dim);
  for (let b = 0; b < batch; b++) {
    let count = 0;
    let last = -1;
    for (let s = 0; s < seq; s++) {
      if (Number(mask[b * seq + s]) !== 0) {
        count += Number(mask[b * seq + s]);
        last = s;
      }
    }
    modes.forEach((mode, k) => {
      const at = b * width + k * dim;
      const row = (s: number) => hidden.subarray((b * seq + s) * dim, (b * seq + s + 1) * dim);
      if (mode === 'mean') out.set(mean!.subarray(b * dim, (b + 1) * dim), at);
      else if (mode === 'mean_sqrt_len') {
        const scale = Math.max(count, 1e-9) / Math.sqrt(Math.max(count, 1e-9));
        for (let d = 0; d < dim; d++) out[at + d] = mean![b * dim + d] * scale;
      } else if (mode === 'cls') out.set(row(0), at);
      else if (mode === 'lasttoken') {
        if (last >= 0) out.set(row(last), at);
      } else if (mode === 'max') {
        if (last < 0) return;
        acc.fill(-Infinity);
        for (let s = 0; s < seq; s++) {
          if (Number(mask[b * seq + s]) === 0) continue;
          const base = (b * seq + s) * dim;
          for (let d = 0; d < dim; d++) if (hidden[base + d] > acc[d]) acc[d] = hidden[base + d];
        }
        for (let d = 0; d < dim; d++) out[at + d] = acc[d];
      } else {
        acc.fill(0);
        let weights = 0;
        for (let s = 0; s < seq; s++) {
          const w = Number(mask[b * seq + s]) * (s + 1);
          if (w === 0) continue;
          weights += w;
          const base = (b * seq + s) * dim;
          for (let d = 0; d < dim; d++) acc[d] += hidden[base + d] * w;
        }
        const denom = Math.max(weights, 1e-9);
        for (let d = 0; d < dim; d++) out[at + d] = acc[d] / denom;
      }
    });
  }
  return out;
}
