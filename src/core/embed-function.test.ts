import { Float64, Int32, tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { functionFromBatch } from './embed-function';
import { defaultTimers } from './timers';
import type { BatchFunction, TimerApi } from './types';

/** x → x + 1, except 13, which fails alone; records the chunk and attempt it ran as. */
function plusOne(seen: Array<{ chunk: number; attempt: number }> = []): BatchFunction<number> {
  return async (args, ctx) => {
    seen.push({ chunk: ctx.chunkIndex, attempt: ctx.attempt });
    const xs = Array.from(args.getChild('x')!.toArray() as Float64Array);
    return { values: xs.map((x) => (x === 13 ? null : x + 1)), errors: xs.map((x) => (x === 13 ? 'unlucky' : null)) };
  };
}

describe('functionFromBatch', () => {
  const args = tableFromArrays({ x: Float64Array.from({ length: 20 }, (_, i) => i) });

  it('is an EmbedFunction over the engine: its outputType types the result; row i answers input row i', async () => {
    const seen: Array<{ chunk: number; attempt: number }> = [];
    const fn = functionFromBatch(plusOne(seen), { name: 'plus-one', outputType: new Float64() });
    expect(fn).toMatchObject({ name: 'plus-one' });
    const res = await fn.chunkedCall(args, { chunkSize: 6, concurrentChunks: 2 });
    expect(res.table.schema.fields[0].type).toBeInstanceOf(Float64);
    expect(Array.from(res.table.getChild('result')!, (v) => v)).toEqual(Array.from({ length: 20 }, (_, i) => (i === 13 ? null : i + 1)));
    expect(res.table.getChild('status')!.get(13)).toBe('unlucky');
    expect(res).toMatchObject({ failedRows: 1, chunks: 4 });
    expect(seen.map((s) => s.chunk).sort()).toEqual([0, 1, 2, 3]);
  });

  it('a call\'s options cannot change the output type; values that do not fit it become row statuses', async () => {
    const fn = functionFromBatch(plusOne(), { name: 'plus-one', outputType: new Int32() });
    const res = await fn.chunkedCall(tableFromArrays({ x: Float64Array.of(0.5, 1) }), { chunkSize: 2, outputType: new Float64() } as never);
    expect(res.table.schema.fields[0].type).toBeInstanceOf(Int32);
    expect(res.table.getChild('status')!.get(0)).toMatch(/1\.5/);
    expect(res.table.getChild('result')!.get(1)).toBe(2);
  });

  it('uses its default timers unless a call brings its own; deferBatch runs one batch the same way', async () => {
    let reads = 0;
    const counting: TimerApi = { ...defaultTimers, now: () => (reads++, defaultTimers.now()) };
    const fn = functionFromBatch(plusOne(), { name: 'plus-one', outputType: new Float64(), timers: counting });
    await fn.chunkedCall(args, { numChunks: 2 });
    expect(reads).toBeGreaterThan(0);
    const before = reads;
    await fn.chunkedCall(args, { numChunks: 2, timers: defaultTimers });
    expect(reads).toBe(before);
    const out = await fn.deferBatch(tableFromArrays({ x: Float64Array.of(1, 13) })).get();
    expect(out).toEqual({ values: [2, null], errors: [null, { code: 'ROW_ERROR', message: 'unlucky' }] });
  });
});
