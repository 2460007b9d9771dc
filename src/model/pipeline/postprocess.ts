// Turns a session's raw output into [batch, dim] L2-normalised rows (runtime-neutral).
import { l2Normalize, meanPool } from '../pooling';
import type { DenseBatch } from '../types';
import type { ModelSignature } from './signature';

/**
 * `data` is the model output for `batch`: [batch, dim] when the model pools itself, else
 * [batch, seqLen, dim] token states that we mean-pool over the attention mask.
 */
export function toSentenceEmbeddings(sig: ModelSignature, batch: DenseBatch, data: Float32Array, dims: readonly number[]): Float32Array {
  const dim = dims[dims.length - 1];
  if (sig.outputKind === 'token') {
    return l2Normalize(meanPool(data, batch.attentionMask, batch.batch, batch.seqLen, dim), batch.batch, dim);
  }
  // Pooled outputs (the default model) are unit vectors already; normalising again moves them by
  // float rounding only (~1e-8) and guarantees the contract for exports that don't normalise.
  return l2Normalize(new Float32Array(data), batch.batch, dim);
}
