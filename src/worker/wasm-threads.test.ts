import { expect, test } from 'vitest';
import { wasmPlan, wasmPlanLabel } from './wasm-threads';

test('WASM inference: one 1-thread worker per core up to 4, then threads per worker, total as close to the cores as it gets', () => {
  const plan = (cores: number, isolated = true) => {
    const p = wasmPlan(cores, isolated);
    return `${p.workers}×${p.threadsPerWorker}`;
  };
  expect([1, 2, 3, 4, 5, 6, 7, 8, 12, 64].map((c) => plan(c))).toEqual(['1×1', '2×1', '3×1', '4×1', '4×1', '3×2', '3×2', '4×2', '4×2', '4×2']);
  // Unknown or odd counts from the browser: at least one worker.
  expect([0, Number.NaN, 1.7].map((c) => plan(c))).toEqual(['1×1', '1×1', '1×1']);
  // Without cross-origin isolation a session has 1 thread, but separate workers still run.
  expect([2, 8].map((c) => plan(c, false))).toEqual(['2×1', '4×1']);
});

test('the label says every thread and how they are split, in words a user reads ("1 thread", never "1 threads")', () => {
  expect(wasmPlanLabel({ workers: 2, threadsPerWorker: 1 })).toBe('2 threads (2 workers × 1 thread)');
  expect(wasmPlanLabel({ workers: 1, threadsPerWorker: 1 })).toBe('1 thread (1 worker × 1 thread)');
  expect(wasmPlanLabel({ workers: 4, threadsPerWorker: 2 })).toBe('8 threads (4 workers × 2 threads)');
});
