// Cosine nearest neighbours over a row-major embedding matrix (search, more like this). The
// explorer's projection math lives in projection/. Pure functions, unit-tested in Node.

export interface Matrix {
  /** Row-major [rows, dim]. */
  data: Float32Array;
  rows: number;
  dim: number;
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
