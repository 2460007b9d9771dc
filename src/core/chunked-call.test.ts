import { FixedSizeList, Field, Float32, Int32, List, Utf8, tableFromArrays } from 'apache-arrow';
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
    expect(res.table.schema.fields.map((f) => f.name)).toEqual(['result', 'status', 'error_code']);
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

describe('chunkedCall edge cases', () => {
  it('a function that throws synchronously is a failed try, isolated per row', async () => {
    const fn: BatchFunction<number> = (args) => {
      if (args.numRows > 1) throw new TypeError('sync boom');
      return Promise.resolve({ values: [7] });
    };
    const res = await chunkedCall(inputTable(3), fn, { chunkSize: 3, outputType: new Int32() });
    expect(res.failedRows).toBe(0);
    expect(res.table.getChild('result')?.toArray()).toEqual(Int32Array.of(7, 7, 7));
  });

  it('a wrong number of values fails the try; isolated rows say why', async () => {
    const fn: BatchFunction<number> = async () => ({ values: [] });
    const res = await chunkedCall(inputTable(2), fn, { chunkSize: 2, outputType: new Int32() });
    expect(res.failedRows).toBe(2);
    expect(res.table.getChild('status')?.get(0)).toBe(
      'BatchOutputError: batch function returned 0 values for 1 rows; it must return exactly one entry per input row, in input order.',
    );
  });

  it('emits queued, running, retrying, running, done for a chunk that fails once', async () => {
    let calls = 0;
    const fn: BatchFunction<number> = async () => {
      if (calls++ === 0) throw new Error('flaky');
      return { values: [1] };
    };
    const events: ChunkProgressEvent[] = [];
    await chunkedCall(inputTable(1), fn, {
      chunkSize: 1, retries: 1, backoffMs: 0, outputType: new Int32(), onProgress: (e) => events.push(e),
    });
    expect(events.map((e) => e.status)).toEqual(['queued', 'running', 'retrying', 'running', 'done']);
    expect(events[2]).toMatchObject({ status: 'retrying', attempt: 2, error: 'flaky', delayMs: 0 });
    expect(events[4]).toMatchObject({ status: 'done', attempt: 2, failedRows: 0, rows: 1, offset: 0 });
  });

  it("a chunk whose every row fails ends 'failed'", async () => {
    const fn: BatchFunction<number> = async () => {
      throw new Error('down');
    };
    const events: ChunkProgressEvent[] = [];
    const res = await chunkedCall(inputTable(2), fn, { chunkSize: 2, outputType: new Int32(), onProgress: (e) => events.push(e) });
    expect(res.failedRows).toBe(2);
    expect(events.at(-1)).toMatchObject({ status: 'failed', chunk: 0, error: 'down', attempt: 3 });
  });

  it("raise after retries says how many tries were made", async () => {
    const fn: BatchFunction<number> = async () => {
      throw new Error('down');
    };
    await expect(chunkedCall(inputTable(2), fn, { chunkSize: 2, retries: 1, backoffMs: 0, onError: 'raise', outputType: new Int32() }))
      .rejects.toThrow('chunk 0 (rows 0-1) failed: down (after 2 tries).');
  });

  it('a throwing onProgress listener is reported, not fatal', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await chunkedCall(inputTable(2), embed, {
      chunkSize: 1, outputType: listF32, onProgress: () => { throw new Error('ui bug'); },
    });
    expect(res.failedRows).toBe(0);
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });

  it('an already-aborted signal runs nothing and cancels every chunk', async () => {
    const fn = vi.fn(embed);
    const ac = new AbortController();
    ac.abort();
    const events: ChunkProgressEvent[] = [];
    const err = await chunkedCall(inputTable(4), fn, { numChunks: 2, signal: ac.signal, outputType: listF32, onProgress: (e) => events.push(e) })
      .catch((e) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(err.message).toBe('call cancelled with 0 of 2 chunks finished; pass `completed: err.completedChunks` with the same input and chunking to resume.');
    expect(fn).not.toHaveBeenCalled();
    expect(events.map((e) => e.status)).toEqual(['queued', 'queued', 'cancelled', 'cancelled']);
  });

  it('resumed chunks are reported done with attempt 0 and not run again', async () => {
    const fn = vi.fn(embed);
    const events: ChunkProgressEvent[] = [];
    const completed = new Map([[0, { values: [Float32Array.of(0, 0.5)], errors: ['earlier failure'] }]]);
    const res = await chunkedCall(inputTable(2), fn, { chunkSize: 1, outputType: listF32, completed, onProgress: (e) => events.push(e) });
    expect(fn).toHaveBeenCalledTimes(1);
    expect(events[0]).toEqual({ status: 'done', chunk: 0, offset: 0, rows: 1, attempt: 0, latencyMs: 0, failedRows: 1 });
    expect(res.failedRows).toBe(1);
    expect(res.table.getChild('status')?.get(0)).toBe('earlier failure');
  });

  it('rejects resume data that does not match the plan', async () => {
    const bad = (completed: unknown) => chunkedCall(inputTable(4), embed, { chunkSize: 2, outputType: listF32, completed: completed as never });
    await expect(bad({ 0: {} })).rejects.toThrow('Invalid option `completed`: got {"0":{}}; allowed: a Map<chunkIndex, BatchOutput>');
    await expect(bad(new Map([[5, { values: [1, 2] }]]))).rejects.toThrow(
      'Invalid option `completed`: got "chunk 5"; allowed: chunk indices 0-1. Resume with the same input rows and the same chunkSize/numChunks as the first run.',
    );
    await expect(bad(new Map([[1, { values: [1] }]]))).rejects.toThrow(
      'Invalid option `completed`: got "chunk 1 with 1 values"; allowed: 2 values for chunk 1.',
    );
  });

  it('rejects a non-table, a non-function and an unsupported outputType', async () => {
    await expect(chunkedCall([] as never, embed, { chunkSize: 1, outputType: listF32 })).rejects.toThrow(
      'Invalid option `args`: got array(0); allowed: an apache-arrow Table or an AsyncIterable<RecordBatch> (one column per argument).',
    );
    await expect(chunkedCall(inputTable(1), 'embed' as never, { chunkSize: 1, outputType: listF32 })).rejects.toThrow('Invalid option `fn`');
    await expect(chunkedCall(inputTable(1), embed, { chunkSize: 1, outputType: new Utf8() })).resolves.toMatchObject({ failedRows: 1 });
    await expect(chunkedCall(inputTable(1), embed, { chunkSize: 1, outputType: undefined as never })).rejects.toThrow('Invalid option `outputType`');
    await expect(chunkedCall(inputTable(1), embed, { chunkSize: 1, outputType: listF32, batchRows: 0 })).rejects.toThrow(
      'Invalid option `batchRows`: got 0; allowed: a positive integer (rows per output record batch).',
    );
    const res = await chunkedCall(inputTable(5), embed, { chunkSize: 1, outputType: listF32, batchRows: 2 });
    expect(res.table.batches.map((b) => b.numRows)).toEqual([2, 2, 1]);
  });
});

describe('chunkedCall timeouts (fake timers)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('a function that ignores its signal still times out; the row says so', async () => {
    const seen: AbortSignal[] = [];
    const never: BatchFunction<number> = (_args, ctx) => {
      seen.push(ctx.signal);
      return new Promise(() => {});
    };
    const p = chunkedCall(inputTable(1), never, { chunkSize: 1, timeout: 2, outputType: new Int32() });
    await vi.advanceTimersByTimeAsync(2000);
    const res = await p;
    expect(res.table.getChild('status')?.get(0)).toBe(
      'TimeoutError: chunk 0 (rows 0-0) timed out after 2 s (timeout: 2). Raise `timeout`, lower `chunkSize`, or leave `timeout` undefined to wait forever.',
    );
    expect(res.table.getChild('error_code')?.get(0)).toBe('TIMEOUT');
    expect(seen[0].aborted).toBe(true);
    expect(seen[0].reason).toBeInstanceOf(Error);
  });
});
