import { describe, expect, test } from 'vitest';
import { nearest, pca2, sampleRows } from './vector-math';

/** Points on a line along (1, 1, 0, …) plus a small orthogonal wiggle along (0, 0, 1, …). */
function lineCloud(rows: number, dim: number) {
  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const t = r - rows / 2;
    data[r * dim] = t;
    data[r * dim + 1] = t;
    data[r * dim + 2] = (r % 2 ? 0.5 : -0.5) * 3;
  }
  return { data, rows, dim };
}

describe('pca2', () => {
  test('the first component follows the dominant direction and explains most variance', () => {
    const m = lineCloud(101, 8);
    const p = pca2(m);
    // Along the line the projection is monotonic in t (up to the component's sign).
    const sign = Math.sign(p.xs[100] - p.xs[0]);
    for (let r = 1; r < 101; r++) expect(sign * (p.xs[r] - p.xs[r - 1])).toBeGreaterThan(0);
    expect(p.explained[0]).toBeGreaterThan(0.9);
    expect(p.explained[0] + p.explained[1]).toBeCloseTo(1, 3);
    // The second component is the ±1.5 wiggle.
    expect(Math.abs(Math.abs(p.ys[0]) - 1.5)).toBeLessThan(0.05);
  });

  test('a single row projects to the origin without NaN', () => {
    const p = pca2({ data: Float32Array.from([1, 2, 3]), rows: 1, dim: 3 });
    expect([p.xs[0], p.ys[0]]).toEqual([0, 0]);
  });
});

describe('nearest', () => {
  const m = { data: Float32Array.from([1, 0, 0, 1, 0.7, 0.7, -1, 0]), rows: 4, dim: 2 };
  test('ranks by cosine similarity, best first', () => {
    const hits = nearest(m, Float32Array.from([1, 0.1]), 3);
    expect(hits.map((h) => h.index)).toEqual([0, 2, 1]);
    expect(hits[0].score).toBeCloseTo(1 / Math.sqrt(1.01), 5);
  });
  test('skips flagged rows and rejects a query of the wrong size', () => {
    expect(nearest(m, Float32Array.from([1, 0]), 1, Uint8Array.from([1, 0, 0, 0]))[0].index).toBe(2);
    expect(() => nearest(m, Float32Array.from([1, 0, 0]), 1)).toThrow(/3 dimensions/);
  });
});

test('sampleRows keeps order, honours the cap and the filter', () => {
  expect(Array.from(sampleRows(5, 10))).toEqual([0, 1, 2, 3, 4]);
  expect(Array.from(sampleRows(10, 3, (r) => r !== 0))).toEqual([1, 4, 7]);
});
