// Sub-batch planning: sort rows by token length, then cut the sorted run into sub-batches that
// minimise padded work. Each sub-batch pads only to its own longest row and stays within a token
// budget (rows × padded length) and a row cap, so a few long texts never force a huge padded
// tensor and short rows never pay for long ones.
import type { DenseBatch } from '../types';

export interface SubBatchOptions {
  /** Max rows × padded sequence length per sub-batch. */
  tokenBudget: number;
  /** Max rows per sub-batch regardless of length. */
  maxBatchRows: number;
  /**
   * Fixed cost of one inference call, in token-equivalents: larger values favour fewer, bigger
   * sub-batches (WebGPU dispatch is costly), 0 pads nothing at all.
   */
  overheadTokens: number;
  /**
   * Padded lengths a sub-batch may have (ascending): its longest row is padded up to the next one,
   * so a GPU runs a few tensor shapes again and again and reuses their compiled shaders. A row
   * longer than the last bucket keeps its own length. Absent: pad to the longest row only.
   */
  lengthBuckets?: readonly number[];
}

export interface SubBatch {
  /** Indices into the `lengths` array, in ascending length order. */
  rows: number[];
  /** Padded length: the longest row of this sub-batch (at least 1), or its length bucket. */
  seqLen: number;
}

export const DEFAULT_SUB_BATCH: SubBatchOptions = { tokenBudget: 8192, maxBatchRows: 64, overheadTokens: 64 };

/**
 * GPU sessions (WebGPU, CUDA): a call costs far more than on a CPU and a larger batch fills the
 * device, so sub-batches are bigger, and lengths come from a few buckets so shapes repeat.
 */
export const GPU_SUB_BATCH: SubBatchOptions = { tokenBudget: 32768, maxBatchRows: 256, overheadTokens: 1024, lengthBuckets: [8, 16, 32, 64, 128, 256, 512] };

/** The padded length of a sub-batch whose longest row has `len` tokens. */
export function bucketLength(len: number, buckets: readonly number[] | undefined): number {
  if (buckets) for (const b of buckets) if (b >= len) return b;
  return len;
}

/**
 * Optimal contiguous partition of the length-sorted rows (dynamic programming, O(n · maxBatchRows)):
 * minimises Σ (rows × padded length + overheadTokens) subject to the budget and row cap.
 */
export function planSubBatches(lengths: readonly number[], opts: SubBatchOptions = DEFAULT_SUB_BATCH): SubBatch[] {
  if (!(opts.tokenBudget >= 1) || !(opts.maxBatchRows >= 1) || !(opts.overheadTokens >= 0)) {
    throw new RangeError(
      `tokenBudget (${opts.tokenBudget}) and maxBatchRows (${opts.maxBatchRows}) must be ≥ 1 and overheadTokens (${opts.overheadTokens}) ≥ 0`,
    );
  }
  // Stable ascending sort keeps equal-length rows in input order (deterministic sub-batches).
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const len = order.map((i) => Math.max(1, lengths[i]));
  const n = order.length;
  const best = new Float64Array(n + 1).fill(Infinity);
  const cut = new Int32Array(n + 1);
  best[0] = 0;
  for (let end = 1; end <= n; end++) {
    const padded = bucketLength(len[end - 1], opts.lengthBuckets); // longest row of any group ending here
    for (let start = end - 1; start >= 0 && end - start <= opts.maxBatchRows; start--) {
      const rows = end - start;
      // A single row always runs, even when it alone exceeds the budget.
      if (rows > 1 && rows * padded > opts.tokenBudget) break;
      const cost = best[start] + rows * padded + opts.overheadTokens;
      if (cost < best[end]) {
        best[end] = cost;
        cut[end] = start;
      }
    }
  }
  const out: SubBatch[] = [];
  for (let end = n; end > 0; end = cut[end]) {
    out.push({ rows: order.slice(cut[end], end), seqLen: bucketLength(len[end - 1], opts.lengthBuckets) });
  }
  return out.reverse();
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
