import { describe, expect, test } from 'vitest';
import { knnAgainst } from './knn';
import { SampleLayout, placeRows } from './layout';
import { fitPca, projectRows, unitRows } from './pca';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** `perCluster` noisy points around each of `clusters` random directions in `dim` dimensions. */
function clustered(clusters: number, perCluster: number, dim: number, seed: number) {
  const r = rng(seed);
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dim }, () => r() * 2 - 1));
  const rows = clusters * perCluster;
  const data = new Float32Array(rows * dim);
  const label = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    label[i] = i % clusters;
    for (let j = 0; j < dim; j++) data[i * dim + j] = centres[label[i]][j] + (r() - 0.5) * 0.6;
  }
  return { data, rows, dim, label };
}

function centroid(xy: Float32Array, label: Int32Array, c: number): [number, number] {
  let x = 0;
  let y = 0;
  let n = 0;
  for (let i = 0; i < label.length; i++) {
    if (label[i] !== c) continue;
    x += xy[2 * i];
    y += xy[2 * i + 1];
    n++;
  }
  return [x / n, y / n];
}

function nearestCentroid(x: number, y: number, cs: Array<[number, number]>): number {
  let best = 0;
  for (let c = 1; c < cs.length; c++) if ((x - cs[c][0]) ** 2 + (y - cs[c][1]) ** 2 < (x - cs[best][0]) ** 2 + (y - cs[best][1]) ** 2) best = c;
  return best;
}

describe('fitPca', () => {
  test('keeps the variance of data that lives in a low-dimensional subspace', () => {
    // 3-D structure embedded in 40 dimensions: three components hold all the variance.
    const r = rng(3);
    const rows = 200;
    const dim = 40;
    const basis = Array.from({ length: 3 }, () => Array.from({ length: dim }, () => r() - 0.5));
    const data = new Float32Array(rows * dim);
    for (let i = 0; i < rows; i++) {
      const w = [r() * 4, r() * 2, r()];
      for (let j = 0; j < dim; j++) data[i * dim + j] = w[0] * basis[0][j] + w[1] * basis[1][j] + w[2] * basis[2][j];
    }
    const pca = fitPca(data, rows, dim, 3);
    const proj = projectRows(pca, data, rows);
    let kept = 0;
    for (const v of proj) kept += v * v;
    let total = 0;
    for (let i = 0; i < rows; i++) for (let j = 0; j < dim; j++) total += (data[i * dim + j] - pca.mean[j]) ** 2;
    expect(kept / total).toBeGreaterThan(0.999);
    expect(pca.k).toBe(3);
  });

  test('caps the components at the dimension and survives a constant sample', () => {
    const pca = fitPca(new Float32Array(12).fill(1), 4, 3, 32);
    expect(pca.k).toBe(3);
    expect(Array.from(projectRows(pca, new Float32Array(3).fill(1), 1)).every((v) => v === 0)).toBe(true);
  });

  test('unitRows scales to length 1 and leaves zero rows at zero', () => {
    const u = unitRows(Float32Array.from([3, 4, 0, 0]), 2, 2);
    expect(Array.from(u)).toEqual([0.6000000238418579, 0.800000011920929, 0, 0]);
  });
});

describe('knnAgainst', () => {
  test('matches a naive sort and skips the point itself', () => {
    const { data, rows, dim } = clustered(3, 20, 5, 11);
    const knn = knnAgainst(data, rows, data, rows, dim, 4, 0);
    for (const q of [0, 17, 59]) {
      const d = Array.from({ length: rows }, (_, r) => ({ r, d: Math.hypot(...Array.from({ length: dim }, (_, j) => data[q * dim + j] - data[r * dim + j])) }))
        .filter((x) => x.r !== q)
        .sort((a, b) => a.d - b.d);
      expect(Array.from(knn.indices.subarray(q * 4, q * 4 + 4))).toEqual(d.slice(0, 4).map((x) => x.r));
      expect(knn.distances[q * 4]).toBeCloseTo(d[0].d, 4);
    }
  });

  test('refuses an empty reference set instead of returning garbage', () => {
    expect(() => knnAgainst(new Float32Array(2), 1, new Float32Array(2), 1, 2, 3, 0)).toThrow(/at least 2 reference points/);
  });
});

describe('SampleLayout + placeRows', () => {
  test('UMAP separates clusters, steps to its epoch count, and new rows land in their cluster', () => {
    const s = clustered(4, 60, 24, 5);
    const unit = unitRows(s.data, s.rows, s.dim);
    const pca = fitPca(unit, s.rows, s.dim, 8);
    const reduced = projectRows(pca, unit, s.rows);
    const layout = new SampleLayout(reduced, s.rows, pca.k, { neighbours: 10, epochs: 120, minDist: 0.1, seed: 1 });
    expect(layout.epochs).toBe(120);
    const before = layout.coords();
    expect(layout.step(30)).toBe(30);
    expect(layout.coords()).not.toEqual(before);
    while (!layout.done) layout.step(50);
    expect(layout.currentEpoch).toBe(120);
    const xy = layout.coords();
    expect(xy.every(Number.isFinite)).toBe(true);
    const cs = [0, 1, 2, 3].map((c) => centroid(xy, s.label, c));
    let right = 0;
    for (let i = 0; i < s.rows; i++) if (nearestCentroid(xy[2 * i], xy[2 * i + 1], cs) === s.label[i]) right++;
    expect(right / s.rows).toBeGreaterThan(0.95);

    // Fresh rows from the same clusters (another seed) are placed next to their own cluster.
    const more = clustered(4, 25, 24, 5);
    const moreUnit = unitRows(more.data, more.rows, more.dim);
    const placed = placeRows(projectRows(pca, moreUnit, more.rows), more.rows, reduced, s.rows, pca.k, xy);
    let placedRight = 0;
    for (let i = 0; i < more.rows; i++) if (nearestCentroid(placed[2 * i], placed[2 * i + 1], cs) === more.label[i]) placedRight++;
    expect(placedRight / more.rows).toBeGreaterThan(0.95);
  });

  test('too few points is a clear error', () => {
    expect(() => new SampleLayout(new Float32Array(4), 2, 2)).toThrow(/at least 3 points/);
  });
});
