// Sub-batch planning: sort rows by token length, group neighbours so each sub-batch pads only to
// its own longest row, and cap each sub-batch by a token budget (rows × padded length) so a few
// long texts never force a huge padded tensor.
import type { DenseBatch } from '../types';

export interface SubBatchOptions {
  /** Max rows × padded sequence length per sub-batch. */
  tokenBudget: number;
  /** Max rows per sub-batch regardless of length. */
  maxBatchRows: number;
}

export interface SubBatch {
  /** Indices into the `lengths` array, in ascending length order. */
  rows: number[];
  /** Padded length: the longest row of this sub-batch (at least 1). */
  seqLen: number;
}

export const DEFAULT_SUB_BATCH: SubBatchOptions = { tokenBudget: 8192, maxBatchRows: 64 };

export function planSubBatches(lengths: readonly number[], opts: SubBatchOptions = DEFAULT_SUB_BATCH): SubBatch[] {
  if (!(opts.tokenBudget >= 1) || !(opts.maxBatchRows >= 1)) {
    throw new RangeError(`tokenBudget (${opts.tokenBudget}) and maxBatchRows (${opts.maxBatchRows}) must both be ≥ 1`);
  }
  // Stable ascending sort keeps equal-length rows in input order (deterministic sub-batches).
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const out: SubBatch[] = [];
  let current: number[] = [];
  let seqLen = 1;
  for (const i of order) {
    const len = Math.max(1, lengths[i]);
    // Ascending order: adding row i makes `len` the new padded length.
    const fits = current.length < opts.maxBatchRows && (current.length + 1) * len <= opts.tokenBudget;
    if (current.length > 0 && !fits) {
      out.push({ rows: current, seqLen });
      current = [];
    }
    current.push(i);
    seqLen = len;
  }
  if (current.length > 0) out.push({ rows: current, seqLen });
  return out;
}

/** Packs the chosen encodings into row-major int64 tensors padded to `seqLen` (mask 0 on padding). */
export function packDenseBatch(
  encodings: readonly Int32Array[],
  sub: SubBatch,
  padId: number,
  withTokenTypes: boolean,
): DenseBatch {
  const { rows, seqLen } = sub;
  const n = rows.length * seqLen;
  const inputIds = new BigInt64Array(n).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(n);
  rows.forEach((row, r) => {
    const ids = encodings[row];
    const base = r * seqLen;
    for (let t = 0; t < ids.length; t++) {
      inputIds[base + t] = BigInt(ids[t]);
      attentionMask[base + t] = 1n;
    }
  });
  return {
    inputIds,
    attentionMask,
    tokenTypeIds: withTokenTypes ? new BigInt64Array(n) : undefined,
    batch: rows.length,
    seqLen,
  };
}
