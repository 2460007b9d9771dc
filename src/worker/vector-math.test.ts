import { describe, expect, test } from 'vitest';
import { nearest } from './vector-math';

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
