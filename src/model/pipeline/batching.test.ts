import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { bucketLength, packDenseBatch, planSubBatches, type SubBatchOptions } from './batching';

const opts = (o: Partial<SubBatchOptions> = {}): SubBatchOptions => ({ tokenBudget: 8192, maxBatchRows: 64, overheadTokens: 8, ...o });

describe('planSubBatches', () => {
  test('sorts by length, keeps every row exactly once, pads only to each sub-batch maximum', () => {
    const lengths = [5, 1, 9, 3, 3, 7, 2, 8];
    const plan = planSubBatches(lengths, opts({ tokenBudget: 16 }));
    const seen = plan.flatMap((s) => s.rows).sort((a, b) => a - b);
    expect(seen).toEqual(lengths.map((_, i) => i));
    for (const sub of plan) {
      expect(sub.seqLen).toBe(Math.max(...sub.rows.map((r) => lengths[r])));
      if (sub.rows.length > 1) expect(sub.rows.length * sub.seqLen).toBeLessThanOrEqual(16);
    }
    const flat = plan.flatMap((s) => s.rows.map((r) => lengths[r]));
    expect(flat).toEqual([...flat].sort((a, b) => a - b));
  });

  test('short rows never pad to a long outlier: the outlier runs on its own', () => {
    const lengths = [10, 12, 11, 300, 9, 10];
    const plan = planSubBatches(lengths, opts({ overheadTokens: 64 }));
    expect(plan).toEqual([
      { rows: [4, 0, 5, 2, 1], seqLen: 12 },
      { rows: [3], seqLen: 300 },
    ]);
  });

  test('the overhead trades padding against the number of inference calls', () => {
    const lengths = [4, 8, 12, 16];
    expect(planSubBatches(lengths, opts({ overheadTokens: 0 })).length).toBe(4); // zero padding
    expect(planSubBatches(lengths, opts({ overheadTokens: 1000 })).length).toBe(1); // one call
  });

  test('length buckets: every sub-batch pads to a bucket (rows past the last keep their length), within the budget', () => {
    const lengths = [3, 9, 17, 5, 33, 40, 2, 16];
    const buckets = [8, 16, 32];
    const plan = planSubBatches(lengths, opts({ tokenBudget: 64, lengthBuckets: buckets }));
    expect(plan.flatMap((s) => s.rows).sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    for (const sub of plan) {
      const longest = Math.max(...sub.rows.map((r) => lengths[r]));
      expect(sub.seqLen).toBe(bucketLength(longest, buckets));
      expect(sub.seqLen).toBeGreaterThanOrEqual(longest);
      if (sub.rows.length > 1) expect(sub.rows.length * sub.seqLen).toBeLessThanOrEqual(64);
    }
    expect(plan.every((s) => [8, 16, 32].includes(s.seqLen) || s.seqLen > 32)).toBe(true);
    expect(bucketLength(0, buckets)).toBe(8);
    expect(bucketLength(99, undefined)).toBe(99);
  });

  test('caps rows per sub-batch', () => {
    const plan = planSubBatches(new Array(10).fill(2), opts({ maxBatchRows: 4 }));
    expect(plan.map((s) => s.rows.length).sort()).toEqual([2, 4, 4]);
  });

  test('a row longer than the budget runs alone rather than being dropped', () => {
    expect(planSubBatches([3, 50, 4], opts({ tokenBudget: 10 }))).toEqual([
      { rows: [0, 2], seqLen: 4 },
      { rows: [1], seqLen: 50 },
    ]);
  });

  test('padded work is never worse than one batch padded to the longest row (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 512 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 0, max: 256 }), (lengths, overhead) => {
        const o = opts({ overheadTokens: overhead, tokenBudget: 1 << 30, maxBatchRows: 1 << 30 });
        const plan = planSubBatches(lengths, o);
        const cost = plan.reduce((s, b) => s + b.rows.length * b.seqLen + overhead, 0);
        const naive = lengths.length * Math.max(1, ...lengths) + overhead;
        expect(cost).toBeLessThanOrEqual(naive);
        expect(plan.flatMap((b) => b.rows).sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
      }),
    );
  });

  test('empty encodings pad to length 1; no rows → no sub-batches; bad options throw', () => {
    expect(planSubBatches([0, 0])).toEqual([{ rows: [0, 1], seqLen: 1 }]);
    expect(planSubBatches([])).toEqual([]);
    expect(() => planSubBatches([1], opts({ tokenBudget: 0 }))).toThrow(/tokenBudget \(0\)/);
  });
});

test('packDenseBatch pads with padId and masks padding out', () => {
  const enc = [new Int32Array([5, 6, 7]), new Int32Array([9])];
  const d = packDenseBatch(enc, { rows: [1, 0], seqLen: 3 }, 2, true);
  expect(d.batch).toBe(2);
  expect(d.seqLen).toBe(3);
  expect(Array.from(d.inputIds, Number)).toEqual([9, 2, 2, 5, 6, 7]);
  expect(Array.from(d.attentionMask, Number)).toEqual([1, 0, 0, 1, 1, 1]);
  expect(Array.from(d.tokenTypeIds!, Number)).toEqual([0, 0, 0, 0, 0, 0]);
  expect(packDenseBatch(enc, { rows: [0], seqLen: 3 }, 0, false).tokenTypeIds).toBeUndefined();
});
