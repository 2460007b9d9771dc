// Turns a session's raw output into [batch, dim] L2-normalised rows (runtime-neutral).
import type { DenseBatch } from '../types';
import type { ModelSignature } from './signature';

/**
 * `data` is the model output for `batch`: [batch, dim] when the model pools itself, else
 * [batch, seqLen, dim] token states that we mean-pool over the attention mask.
 */
export function toSentenceEmbeddings(sig: ModelSignature, batch: DenseBatch, data: Float32Array, dims: readonly number[]): Float32Array {
  const dim = dims[dims.length - 1];
  // Pooled outputs (the default model) are normalised already; normalising again changes them by
  // float rounding only and guarantees the contract for exports that don't normalise.
  const out = sig.outputKind === 'pooled' ? new Float32Array(data) : maskedMean(data, batch, dim);
  normalizeRows(out, dim);
  return out;
}

// TEMP(pooling.ts): the BERT engineer's src/model/pooling.ts (meanPool + l2normalize) replaces these two.
function maskedMean(data: Float32Array, batch: DenseBatch, dim: number): Float32Array {
  const out = new Float32Array(batch.batch * dim);
  const acc = new Float64Array(dim);
  for (let b = 0; b < batch.batch; b++) {
    acc.fill(0);
    let count = 0;
    for (let t = 0; t < batch.seqLen; t++) {
      if (!batch.attentionMask[b * batch.seqLen + t]) continue;
      count++;
      const base = (b * batch.seqLen + t) * dim;
      for (let j = 0; j < dim; j++) acc[j] += data[base + j];
    }
    // Same guard as sentence-transformers: an all-padding row gives the zero vector, not NaN.
    const denom = Math.max(count, 1e-9);
    for (let j = 0; j < dim; j++) out[b * dim + j] = acc[j] / denom;
  }
  return out;
}

function normalizeRows(x: Float32Array, dim: number): void {
  for (let base = 0; base < x.length; base += dim) {
    let ss = 0;
    for (let j = 0; j < dim; j++) ss += x[base + j] * x[base + j];
    const inv = 1 / Math.max(Math.sqrt(ss), 1e-12);
    for (let j = 0; j < dim; j++) x[base + j] *= inv;
  }
}
