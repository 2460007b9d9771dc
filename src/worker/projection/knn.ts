// Exact k nearest neighbours (squared Euclidean) by brute force over small reduced vectors:
// the sample's own graph for UMAP and, for every other row, its nearest sample points.
// Pure functions: no DOM, no worker globals.

export interface Knn {
  k: number;
  /** Row-major [rows, k], nearest first. */
  indices: Int32Array;
  /** Euclidean distances, same shape. */
  distances: Float32Array;
}

/**
 * For each of `queries` (rows × dim), the `k` nearest of `refs` (refCount × dim).
 * `selfOffset` ≥ 0 says the queries are refs[selfOffset…] themselves, so each skips its own row.
 */
export function knnAgainst(queries: Float32Array, rows: number, refs: Float32Array, refCount: number, dim: number, k: number, selfOffset = -1): Knn {
  const kk = Math.min(k, selfOffset >= 0 ? refCount - 1 : refCount);
  if (kk < 1) throw new RangeError(`need at least ${selfOffset >= 0 ? 2 : 1} reference points for a neighbour search, got ${refCount}`);
  const indices = new Int32Array(rows * kk);
  const distances = new Float32Array(rows * kk);
  const bestD = new Float64Array(kk);
  const bestI = new Int32Array(kk);
  for (let q = 0; q < rows; q++) {
    bestD.fill(Infinity);
    bestI.fill(-1);
    const qb = q * dim;
    for (let r = 0; r < refCount; r++) {
      if (r === selfOffset + q) continue;
      const rb = r * dim;
      // Partial distances, checked every 8 terms: with PCA coordinates (largest variance first)
      // most candidates are out after the first few components.
      const worst = bestD[kk - 1];
      let d = 0;
      for (let j = 0; j < dim && d < worst; j += 8) {
        const end = Math.min(dim, j + 8);
        for (let m = j; m < end; m++) {
          const t = queries[qb + m] - refs[rb + m];
          d += t * t;
        }
      }
      if (d >= worst) continue;
      // Insertion into the sorted top-k.
      let p = kk - 1;
      while (p > 0 && bestD[p - 1] > d) {
        bestD[p] = bestD[p - 1];
        bestI[p] = bestI[p - 1];
        p--;
      }
      bestD[p] = d;
      bestI[p] = r;
    }
    for (let i = 0; i < kk; i++) {
      indices[q * kk + i] = bestI[i];
      distances[q * kk + i] = Math.sqrt(bestD[i]);
    }
  }
  return { k: kk, indices, distances };
}
