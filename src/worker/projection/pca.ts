// A k-component PCA basis fitted on a sample (covariance + subspace iteration), and the
// projection of any rows onto it. UMAP's neighbour graph and the placement of the rows outside
// the sample both work in this reduced space: cosine k-NN over 512 dimensions is ~16× the work.
// Pure functions: no DOM, no worker globals.

export interface PcaBasis {
  dim: number;
  /** Components kept (≤ dim). */
  k: number;
  mean: Float64Array;
  /** Row-major [k, dim], orthonormal rows. */
  components: Float64Array;
}

/** Rows scaled to unit length (cosine geometry); zero rows stay zero. */
export function unitRows(data: Float32Array, rows: number, dim: number): Float32Array {
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    let n = 0;
    for (let j = 0; j < dim; j++) n += data[base + j] * data[base + j];
    const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let j = 0; j < dim; j++) out[base + j] = data[base + j] * inv;
  }
  return out;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

/** Gram–Schmidt on the rows of a [k, dim] block, in place. */
function orthonormalise(q: Float64Array, k: number, dim: number): void {
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < a; b++) {
      let d = 0;
      for (let j = 0; j < dim; j++) d += q[a * dim + j] * q[b * dim + j];
      for (let j = 0; j < dim; j++) q[a * dim + j] -= d * q[b * dim + j];
    }
    let n = 0;
    for (let j = 0; j < dim; j++) n += q[a * dim + j] ** 2;
    n = Math.sqrt(n);
    // A degenerate direction (rank-deficient sample) becomes zero: it projects everything to 0.
    for (let j = 0; j < dim; j++) q[a * dim + j] = n > 1e-12 ? q[a * dim + j] / n : 0;
  }
}

/** Fits the top `k` principal components of `rows` × `dim` data (k is capped at dim). */
export function fitPca(data: Float32Array, rows: number, dim: number, k: number, iterations = 25): PcaBasis {
  const kk = Math.max(1, Math.min(k, dim));
  const mean = new Float64Array(dim);
  for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) mean[j] += data[r * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= Math.max(1, rows);
  // Covariance (upper triangle, then mirrored): rows × dim² / 2 multiply-adds.
  const cov = new Float64Array(dim * dim);
  const x = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < dim; j++) x[j] = data[r * dim + j] - mean[j];
    for (let a = 0; a < dim; a++) {
      const xa = x[a];
      if (xa === 0) continue;
      const row = a * dim;
      for (let b = a; b < dim; b++) cov[row + b] += xa * x[b];
    }
  }
  for (let a = 0; a < dim; a++) for (let b = a; b < dim; b++) cov[b * dim + a] = cov[a * dim + b];
  // Subspace iteration: Q ← orth(C Q). Deterministic start, so a projection is reproducible.
  const rand = lcg(7);
  let q = new Float64Array(kk * dim).map(() => rand());
  orthonormalise(q, kk, dim);
  let next = new Float64Array(kk * dim);
  for (let it = 0; it < iterations; it++) {
    next.fill(0);
    for (let c = 0; c < kk; c++) {
      for (let a = 0; a < dim; a++) {
        let s = 0;
        const row = a * dim;
        for (let b = 0; b < dim; b++) s += cov[row + b] * q[c * dim + b];
        next[c * dim + a] = s;
      }
    }
    orthonormalise(next, kk, dim);
    [q, next] = [next, q];
  }
  return { dim, k: kk, mean, components: q };
}

/** Rows projected onto the basis: row-major [rows, basis.k]. */
export function projectRows(basis: PcaBasis, data: Float32Array, rows: number): Float32Array {
  const { dim, k, mean, components } = basis;
  const out = new Float32Array(rows * k);
  const x = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < dim; j++) x[j] = data[r * dim + j] - mean[j];
    for (let c = 0; c < k; c++) {
      let s = 0;
      const base = c * dim;
      for (let j = 0; j < dim; j++) s += x[j] * components[base + j];
      out[r * k + c] = s;
    }
  }
  return out;
}
