// PCA (2 components, power iteration with deflation) and cosine nearest neighbours over a
// row-major embedding matrix. Pure functions: no DOM, no worker globals, unit-tested in Node.

export interface Matrix {
  /** Row-major [rows, dim]. */
  data: Float32Array;
  rows: number;
  dim: number;
}

export interface Pca2 {
  xs: Float32Array;
  ys: Float32Array;
  explained: [number, number];
}

/** Deterministic pseudo-random start vector so the projection is stable across runs. */
function startVector(dim: number, seed: number): Float64Array {
  const v = new Float64Array(dim);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < dim; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    v[i] = s / 4294967296 - 0.5;
  }
  return v;
}

function normalise(v: Float64Array): number {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  n = Math.sqrt(n);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] /= n;
  return n;
}

/** Covariance times v without forming the dim×dim matrix: Xcᵀ (Xc v) / rows. */
function covTimes(m: Matrix, mean: Float64Array, v: Float64Array, out: Float64Array): void {
  out.fill(0);
  const { data, rows, dim } = m;
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    let p = 0;
    for (let j = 0; j < dim; j++) p += (data[base + j] - mean[j]) * v[j];
    for (let j = 0; j < dim; j++) out[j] += (data[base + j] - mean[j]) * p;
  }
  for (let j = 0; j < dim; j++) out[j] /= Math.max(1, rows);
}

function topComponent(m: Matrix, mean: Float64Array, deflate: Float64Array | null, deflateValue: number, seed: number): { vec: Float64Array; value: number } {
  let v: Float64Array = startVector(m.dim, seed);
  normalise(v);
  let next: Float64Array = new Float64Array(m.dim);
  let value = 0;
  for (let iter = 0; iter < 60; iter++) {
    covTimes(m, mean, v, next);
    if (deflate) {
      // (C - λ₁ u uᵀ) v removes the first component so power iteration finds the second.
      let d = 0;
      for (let j = 0; j < m.dim; j++) d += deflate[j] * v[j];
      for (let j = 0; j < m.dim; j++) next[j] -= deflateValue * d * deflate[j];
    }
    value = normalise(next);
    [v, next] = [next, v];
    if (value === 0) break;
  }
  return { vec: v, value };
}

/** Projects rows onto the first two principal components. */
export function pca2(m: Matrix): Pca2 {
  const { data, rows, dim } = m;
  const mean = new Float64Array(dim);
  for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) mean[j] += data[r * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= Math.max(1, rows);
  let total = 0;
  for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) total += (data[r * dim + j] - mean[j]) ** 2;
  total /= Math.max(1, rows);
  const c1 = topComponent(m, mean, null, 0, 7);
  const c2 = topComponent(m, mean, c1.vec, c1.value, 13);
  const xs = new Float32Array(rows);
  const ys = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let a = 0;
    let b = 0;
    for (let j = 0; j < dim; j++) {
      const x = data[r * dim + j] - mean[j];
      a += x * c1.vec[j];
      b += x * c2.vec[j];
    }
    xs[r] = a;
    ys[r] = b;
  }
  const share = (x: number) => (total > 0 ? x / total : 0);
  return { xs, ys, explained: [share(c1.value), share(c2.value)] };
}

export interface Neighbour {
  index: number;
  score: number;
}

/** Top-k rows by cosine similarity to `query`; rows flagged in `skip` are ignored. */
export function nearest(m: Matrix, query: Float32Array, k: number, skip?: Uint8Array): Neighbour[] {
  if (query.length !== m.dim) throw new RangeError(`query has ${query.length} dimensions, the results have ${m.dim}`);
  let qn = 0;
  for (let j = 0; j < m.dim; j++) qn += query[j] * query[j];
  qn = Math.sqrt(qn) || 1;
  const best: Neighbour[] = [];
  for (let r = 0; r < m.rows; r++) {
    if (skip?.[r]) continue;
    let dot = 0;
    let n = 0;
    const base = r * m.dim;
    for (let j = 0; j < m.dim; j++) {
      dot += m.data[base + j] * query[j];
      n += m.data[base + j] * m.data[base + j];
    }
    const score = dot / (qn * (Math.sqrt(n) || 1));
    if (best.length < k || score > best[best.length - 1].score) {
      best.push({ index: r, score });
      best.sort((a, b) => b.score - a.score);
      if (best.length > k) best.pop();
    }
  }
  return best;
}

/** Evenly spaced sample of at most `max` row indices, always in ascending order. */
export function sampleRows(rows: number, max: number, eligible?: (r: number) => boolean): Int32Array {
  const all: number[] = [];
  for (let r = 0; r < rows; r++) if (!eligible || eligible(r)) all.push(r);
  if (all.length <= max) return Int32Array.from(all);
  const out = new Int32Array(max);
  for (let i = 0; i < max; i++) out[i] = all[Math.floor((i * all.length) / max)];
  return out;
}
