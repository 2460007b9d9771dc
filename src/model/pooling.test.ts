import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { l2Normalize, meanPool, meanPoolNormalize, PoolingShapeError } from './pooling';

describe('meanPool', () => {
  it('averages only the unmasked positions', () => {
    // batch 2, seq 3, dim 2
    const hidden = new Float32Array([1, 2, 3, 4, 100, 100, /* row 2 */ 5, 6, 7, 8, 9, 10]);
    const mask = new BigInt64Array([1n, 1n, 0n, 1n, 1n, 1n]);
    expect(Array.from(meanPool(hidden, mask, 2, 3, 2))).toEqual([2, 3, 7, 8]);
    expect(Array.from(meanPool(hidden, new Int32Array([1, 1, 0, 1, 1, 1]), 2, 3, 2))).toEqual([2, 3, 7, 8]);
  });

  it('pools an all-padding row to zeros, not NaN', () => {
    const out = meanPool(new Float32Array([1, 2, 3, 4]), [0, 0], 1, 2, 2);
    expect(Array.from(out)).toEqual([0, 0]);
    expect(Array.from(l2Normalize(out, 1, 2))).toEqual([0, 0]);
  });

  it('rejects shapes that do not match the arrays', () => {
    expect(() => meanPool(new Float32Array(5), [1, 1], 1, 2, 2)).toThrow(PoolingShapeError);
    expect(() => meanPool(new Float32Array(4), [1], 1, 2, 2)).toThrow(/attention mask has 1 values, expected batch 1 × seq 2 = 2/);
    expect(() => l2Normalize(new Float32Array(3), 1, 2)).toThrow(/expected batch 1 × dim 2/);
  });
});

describe('meanPoolNormalize', () => {
  it('gives unit rows equal to the normalised masked mean (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (batch, seq, dim, seed) => {
          let s = seed;
          const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
          const hidden = Float32Array.from({ length: batch * seq * dim }, rnd);
          // Right-padded masks with at least one real token per row, like a tokenised batch.
          const mask = new Int32Array(batch * seq);
          for (let b = 0; b < batch; b++) {
            const len = 1 + (Math.abs(Math.floor(rnd() * 1000)) % seq);
            for (let t = 0; t < len; t++) mask[b * seq + t] = 1;
          }
          const out = meanPoolNormalize(hidden, mask, batch, seq, dim);
          for (let b = 0; b < batch; b++) {
            const mean = new Array<number>(dim).fill(0);
            let n = 0;
            for (let t = 0; t < seq; t++) {
              if (!mask[b * seq + t]) continue;
              n++;
              for (let d = 0; d < dim; d++) mean[d] += hidden[(b * seq + t) * dim + d];
            }
            const norm = Math.hypot(...mean.map((v) => v / n));
            let sq = 0;
            for (let d = 0; d < dim; d++) {
              const v = out[b * dim + d];
              sq += v * v;
              if (norm > 1e-6) expect(v).toBeCloseTo(mean[d] / n / norm, 5);
            }
            if (norm > 1e-6) expect(sq).toBeCloseTo(1, 5);
          }
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });
});
