import { describe, expect, test } from 'vitest';
import { packDenseBatch, planSubBatches } from './batching';

describe('planSubBatches', () => {
  test('sorts by length, keeps every row exactly once, pads only to each sub-batch maximum', () => {
    const lengths = [5, 1, 9, 3, 3, 7, 2, 8];
    const plan = planSubBatches(lengths, { tokenBudget: 16, maxBatchRows: 64 });
    const seen = plan.flatMap((s) => s.rows).sort((a, b) => a - b);
    expect(seen).toEqual(lengths.map((_, i) => i));
    for (const sub of plan) {
      expect(sub.seqLen).toBe(Math.max(...sub.rows.map((r) => lengths[r])));
      expect(sub.rows.length * sub.seqLen).toBeLessThanOrEqual(16);
    }
    // Ascending order across sub-batches: short rows never pad to a long row's length.
    const flat = plan.flatMap((s) => s.rows.map((r) => lengths[r]));
    expect(flat).toEqual([...flat].sort((a, b) => a - b));
    expect(plan[0]).toEqual({ rows: [1, 6, 3, 4], seqLen: 3 });
  });

  test('caps rows per sub-batch', () => {
    const plan = planSubBatches(new Array(10).fill(2), { tokenBudget: 1000, maxBatchRows: 4 });
    expect(plan.map((s) => s.rows.length)).toEqual([4, 4, 2]);
  });

  test('a row longer than the budget runs alone rather than being dropped', () => {
    const plan = planSubBatches([3, 50, 4], { tokenBudget: 10, maxBatchRows: 8 });
    expect(plan).toEqual([
      { rows: [0, 2], seqLen: 4 },
      { rows: [1], seqLen: 50 },
    ]);
  });

  test('empty encodings pad to length 1; no rows → no sub-batches; bad options throw', () => {
    expect(planSubBatches([0, 0])).toEqual([{ rows: [0, 1], seqLen: 1 }]);
    expect(planSubBatches([])).toEqual([]);
    expect(() => planSubBatches([1], { tokenBudget: 0, maxBatchRows: 1 })).toThrow(/tokenBudget \(0\)/);
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
