import { FixedSizeList, Field, Float32, List, Utf8, tableFromArrays } from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { chunkedCall } from './chunked-call';
import { CancelledError, ChunkFailedError, InvalidOptionError } from './errors';
import type { BatchFunction, ChunkProgressEvent } from './types';

const listF32 = new List(new Field('item', new Float32(), true));

function inputTable(n: number) {
  return tableFromArrays({ text: Array.from({ length: n }, (_, i) => `row ${i}`) });
}

/** Embeds row "row k" as [k, k + 0.5]; honours the signal. */
const embed: BatchFunction<Float32Array> = async (args) => {
  const col = args.getChild('text');
  const values = Array.from({ length: args.numRows }, (_, i) => {
    const k = Number(String(col?.get(i)).slice(4));
    return Float32Array.of(k, k + 0.5);
  });
  return { values };
};

describe('chunkedCall (examples)', () => {
  it('returns one result per row, in order, with ok statuses', async () => {
    const res = await chunkedCall(inputTable(10), embed, { chunkSize: 3, concurrentChunks: 2, outputType: listF32 });
    expect(res.chunks).toBe(4);
    expect(res.failedRows).toBe(0);
    expect(res.table.numRows).toBe(10);
    const result = res.table.getChild('result');
    for (let i = 0; i < 10; i++) {
      expect(Array.from(result?.get(i) ?? [])).toEqual([i, i + 0.5]);
      expect(res.table.getChild('status')?.get(i)).toBe('ok');
    }
  });

  it('empty input makes no calls and returns the right schema', async () => {
    const fn = vi.fn(embed);
    const res = await chunkedCall(inputTable(0), fn, { numChunks: 4, outputType: new FixedSizeList(2, new Field('item', new Float32())) });
    expect(fn).not.toHaveBeenCalled();
    expect(res.table.numRows).toBe(0);
    expect(res.table.schema.fields.map((f) => f.name)).toEqual(['result', 'status']);
    expect(String(res.table.schema.fields[0].type)).toContain('FixedSizeList');
  });

  it('rejects bad options before calling anything', async () => {
    const fn = vi.fn(embed);
    await expect(chunkedCall(inputTable(5), fn, { chunkSize: 0, outputType: listF32 })).rejects.toThrow(InvalidOptionError);
    await expect(chunkedCall(inputTable(5), fn, { chunkSize: 2, outputType: new Utf8(), concurrentChunks: 0 })).rejects.toThrow(
      /concurrentChunks/,
    );
    expect(fn).not.toHaveBeenCalled();
  });

  it('isolates a bad row by bisection and keeps its neighbours', async () => {
    const fn: BatchFunction<Float32Array> = async (args, ctx) => {
      const texts = args.getChild('text')?.toArray() as string[];
      if (texts.includes('row 5')) throw new Error('cannot embed row 5');
      return embed(args, ctx);
    };
    const res = await chunkedCall(inputTable(8), fn, { chunkSize: 8, outputType: listF32 });
    expect(res.failedRows).toBe(1);
    const status = res.table.getChild('status');
    expect(status?.get(5)).toBe('cannot embed row 5');
    expect(res.table.getChild('result')?.get(5)).toBeNull();
    expect(Array.from(res.table.getChild('result')?.get(4) ?? [])).toEqual([4, 4.5]);
  });

  it("onError 'raise' rejects naming the chunk, rows and cause", async () => {
    const fn: BatchFunction<Float32Array> = async () => {
      throw new Error('backend exploded');
    };
    const err = await chunkedCall(inputTable(6), fn, { chunkSize: 3, onError: 'raise', outputType: listF32 }).catch((e) => e);
    expect(err).toBeInstanceOf(ChunkFailedError);
    expect(err.message).toMatch(/chunk 0 \(rows 0-2\) failed: backend exploded/);
  });
});

describe('chunkedCall with fake timers', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('cancel keeps finished chunks and resumes from them', async () => {
    const calls: number[] = [];
    const slow: BatchFunction<Float32Array> = (args, ctx) =>
      new Promise((resolve, reject) => {
        calls.push(ctx.chunkIndex);
        const t = setTimeout(() => resolve(embed(args, ctx)), 1000);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(t);
          reject(ctx.signal.reason);
        });
      });
    const ac = new AbortController();
    const events: ChunkProgressEvent[] = [];
    const p = chunkedCall(inputTable(6), slow, {
      chunkSize: 2, concurrentChunks: 1, signal: ac.signal, outputType: listF32, onProgress: (e) => events.push(e),
    }).catch((e) => e);
    await vi.advanceTimersByTimeAsync(1500);
    ac.abort();
    const err = await p;
    expect(err).toBeInstanceOf(CancelledError);
    expect([...err.completedChunks.keys()]).toEqual([0]);
    expect(events.filter((e) => e.status === 'cancelled').map((e) => e.chunk)).toEqual([1, 2]);
    const resumed = chunkedCall(inputTable(6), slow, { chunkSize: 2, outputType: listF32, completed: err.completedChunks });
    await vi.runAllTimersAsync();
    const res = await resumed;
    expect(calls).toEqual([0, 1, 1, 2]);
    expect(Array.from(res.table.getChild('result')?.get(5) ?? [])).toEqual([5, 5.5]);
  });
});
