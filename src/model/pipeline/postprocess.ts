// Turns a session's raw output into [batch, dim] rows (runtime-neutral): token states are pooled
// as the model's sentence-transformers config says (default: mean), then L2-normalised when it has
// a Normalize module (default: yes).
import { l2Normalize, poolTokens } from '../pooling';
import { DEFAULT_POOLING, type PoolingSpec } from '../sentence-transformers';
import type { DenseBatch } from '../types';
import type { ModelSignature } from './signature';

/**
 * `data` is the model output for `batch`: [batch, dim] when the model pools itself, else
 * [batch, seqLen, dim] token states that we pool over the attention mask.
 */
export function toSentenceEmbeddings(sig: ModelSignature, batch: DenseBatch, data: Float32Array, dims: readonly number[], pooling: PoolingSpec = DEFAULT_POOLING): Float32Array {
  const dim = dims[dims.length - 1];
  if (sig.outputKind === 'token') {
    const pooled = poolTokens(data, batch.attentionMask, batch.batch, batch.seqLen, dim, pooling.modes);
    return pooling.normalize ? l2Normalize(pooled, batch.batch, dim * pooling.modes.length) : pooled;
  }
  // Pooled outputs (the default model) are unit vectors already; normalising again moves them by
  // float rounding only (~1e-8) and guarantees the contract for exports that don't normalise.
  return pooling.normalize ? l2Normalize(new Float32Array(data), batch.batch, dim) : new Float32Array(data);
}
