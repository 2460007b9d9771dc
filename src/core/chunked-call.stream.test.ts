// The streaming side of chunkedCall: results to a sink in input order, the reorder window that
// bounds memory (chunks started, input read ahead), backpressure, AsyncIterable input, resume by
// skipChunks, and cancel/failure with a sink. Deterministic: deferred promises and fake timers.
import { Field, Float32, Int32, List, makeVector, RecordBatch, Table, tableFromArrays, vectorFromArray } from 'apache-arrow';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { chunkedCall } from './chunked-call';
import { CancelledError, InvalidOptionError } from './errors';
import { mulberry32 } from './prng';
import type { BatchFunction, ResultSink } from './types';

const listF32 = new List(new Field('item', new Float32(), true));

function idTable(from: number, n: number): Table {
  return new Table({ id: makeVector(Int32Array.from({ length: n }, (_, i) => from + i)) });
}

/** Record batches of the given sizes, ids counting up from 0; records how many rows were read. */
function batches(sizes: number[]) {
  const read = { rows: 0 };
  async function* gen() {
    let at = 0;
    for (const n of sizes) {
      const t = idTable(at, n);
      at += n;
      read.rows += n;
      yield t.batches[0] ?? new RecordBatch({ id: vectorFromArray([], new Int32()).data[0] });
    }
  }
  return { iterable: gen(), read };
}

/** Answers [id, -id] per row. */
const answer = (args: Table) => {
  const ids = Array.from(args.getChild('id')?.toArray() as Int32Array);
  return { values: ids.map((i) => Float32Array.of(i, -i)) };
};

/** The first float of a list<float32> cell (a Vector), NaN for null. */
const firstValue = (cell: unknown): number => (cell ? Array.from(cell as Iterable<number>)[0] : NaN);

/** A sink that keeps every part (offset, ids of its rows) and checks contiguity as it goes. */
function recordingSink() {
  const parts: { offset: number; rows: number }[] = [];
  const values: number[] = [];
  const sink: ResultSink = {
    write({ offset, table }) {
      const last = parts.at(-1);
      if (last) expect(offset).toBe(last.offset + last.rows); // contiguous, no gap or overlap
      parts.push({ offset, rows: table.numRows });
      const res = table.getChild('result');
      for (let i = 0; i < table.numRows; i++) values.push(firstValue(res?.get(i)));
    },
  };
  return { sink, parts, values };
}

/** A batch function whose calls wait until the test resolves them, by chunk index. */
function gatedFunction() {
  const gates = new Map<number, () => void>();
  const started: number[] = [];
  const fn: BatchFunction<Float32Array> = (args, ctx) =>
    new Promise((resolve, reject) => {
      started.push(ctx.chunkIndex);
      gates.set(ctx.chunkIndex, () => resolve(answer(args)));
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
    });
  const open = async (chunk: number) => {
    gates.get(chunk)?.();
    await settle();
  };
  return { fn, started, open };
}

/** Lets every pending promise chain run (a macrotask turn; these tests use real timers). */
// eslint-disable-next-line no-restricted-syntax -- not a wait: a 0 ms turn flushes promise chains (the functions are gated, not timed)
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('chunkedCall with a sink', () => {
  it('delivers in input order as results become contiguous, never starting past the window', async () => {
    const g = gatedFunction();
    const { sink, parts, values } = recordingSink();
    const call = chunkedCall(idTable(0, 20), g.fn, { chunkSize: 2, concurrentChunks: 3, outputType: listF32, sink });
    await settle();
    expect(g.started).toEqual([0, 1, 2]);
    await g.open(2);
    await g.open(1);
    // Chunk 0 still runs: 1 and 2 are held, nothing delivered, and no chunk past the window starts.
    expect(parts).toEqual([]);
    expect(g.started).toEqual([0, 1, 2]);
    await g.open(0);
    await settle();
    expect(parts).toEqual([{ offset: 0, rows: 6 }]);
    expect(g.started).toEqual([0, 1, 2, 3, 4, 5]);
    for (let c = 3; c < 10; c++) {
      await g.open(c);
      await settle();
    }
    const res = await call;
    expect(res.table.numRows).toBe(0);
    expect(res.rows).toBe(20);
    expect(res.chunks).toBe(10);
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(parts.map((p) => p.offset)).toEqual(parts.map((_, k) => parts.slice(0, k).reduce((a, p) => a + p.rows, 0)));
  });

  it('awaits the sink: no chunk past the window starts while a write is pending (backpressure)', async () => {
    const g = gatedFunction();
    let unblock: () => void = () => undefined;
    const writes: number[] = [];
    const sink: ResultSink = {
      write: ({ offset }) => {
        writes.push(offset);
        return new Promise<void>((r) => (unblock = r));
      },
    };
    const call = chunkedCall(idTable(0, 8), g.fn, { chunkSize: 2, concurrentChunks: 2, outputType: listF32, sink });
    await settle();
    await g.open(1);
    await g.open(0);
    expect(writes).toEqual([0]);
    expect(g.started).toEqual([0, 1]); // the write of chunks 0-1 is pending: the window stays full
    unblock();
    await settle();
    expect(g.started).toEqual([0, 1, 2, 3]);
    await g.open(3);
    await g.open(2);
    unblock();
    await expect(call).resolves.toMatchObject({ rows: 8, chunks: 4 });
    expect(writes).toEqual([0, 4]);
  });

  it('on cancel, delivers the contiguous finished chunks first, then rejects with CancelledError', async () => {
    const g = gatedFunction();
    const { sink, values } = recordingSink();
    const ac = new AbortController();
    const call = chunkedCall(idTable(0, 10), g.fn, { chunkSize: 2, concurrentChunks: 3, outputType: listF32, sink, signal: ac.signal });
    await settle();
    await g.open(0);
    await g.open(2);
    ac.abort();
    const err = await call.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(values).toEqual([0, 1]); // chunk 0 was written; chunk 2 had finished but after a gap
    expect([...(err as CancelledError).completedChunks.keys()]).toEqual([2]);
    expect((err as CancelledError).totalChunks).toBe(5);
  });

  it('a sink that throws stops the call with its error and aborts in-flight chunks', async () => {
    const g = gatedFunction();
    const aborted: number[] = [];
    const fn: BatchFunction<Float32Array> = (args, ctx) => {
      ctx.signal.addEventListener('abort', () => aborted.push(ctx.chunkIndex));
      return g.fn(args, ctx);
    };
    const sink: ResultSink = { write: () => Promise.reject(new Error('disk full')) };
    const call = chunkedCall(idTable(0, 10), fn, { chunkSize: 2, concurrentChunks: 2, outputType: listF32, sink });
    const outcome = call.catch((e: unknown) => e);
    await settle();
    await g.open(0);
    expect(await outcome).toMatchObject({ message: 'disk full' });
    expect(aborted).toEqual([1]);
  });

  it('skipChunks resumes after the chunks an earlier run delivered: they are not run or written again', async () => {
    const calls: number[] = [];
    const fn: BatchFunction<Float32Array> = async (args, ctx) => {
      calls.push(ctx.chunkIndex);
      return answer(args);
    };
    const { sink, parts, values } = recordingSink();
    const res = await chunkedCall(idTable(0, 10), fn, { numChunks: 4, concurrentChunks: 2, outputType: listF32, sink, skipChunks: 2 });
    expect(calls.sort()).toEqual([2, 3]);
    expect(parts[0].offset).toBe(6); // numChunks 4 over 10 rows: 3, 3, 2, 2
    expect(values).toEqual([6, 7, 8, 9]);
    expect(res).toMatchObject({ rows: 10, chunks: 4 });
  });

  it('refuses bad sinks and skipChunks before any call', async () => {
    const fn = vi.fn(async (args: Table) => answer(args));
    await expect(chunkedCall(idTable(0, 4), fn, { chunkSize: 2, outputType: listF32, sink: {} as ResultSink })).rejects.toThrow(/sink/);
    await expect(chunkedCall(idTable(0, 4), fn, { chunkSize: 2, outputType: listF32, skipChunks: 1 })).rejects.toThrow(/skipChunks.*sink/s);
    await expect(chunkedCall(idTable(0, 4), fn, { chunkSize: 2, outputType: listF32, sink: recordingSink().sink, skipChunks: -1 })).rejects.toThrow(
      InvalidOptionError,
    );
    expect(fn).not.toHaveBeenCalled();
  });
});

describe('chunkedCall with AsyncIterable input', () => {
  it('cuts batches of any size into chunkSize chunks and returns the whole table without a sink', async () => {
    const seen: number[][] = [];
    const fn: BatchFunction<Float32Array> = async (args) => {
      seen.push(Array.from(args.getChild('id')?.toArray() as Int32Array));
      return answer(args);
    };
    const { iterable } = batches([7, 0, 13, 1, 4]);
    const res = await chunkedCall(iterable, fn, { chunkSize: 5, concurrentChunks: 2, outputType: listF32 });
    expect(seen.map((s) => s.length)).toEqual([5, 5, 5, 5, 5]);
    expect(seen.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(res.table.numRows).toBe(25);
    expect(res.chunks).toBe(5);
    expect(Array.from(res.table.getChild('result')?.get(24) as Iterable<number>)).toEqual([24, -24]);
  });

  it('reads the input only as far as the window needs', async () => {
    const g = gatedFunction();
    const { iterable, read } = batches(Array.from({ length: 100 }, () => 3));
    const { sink } = recordingSink();
    const call = chunkedCall(iterable, g.fn, { chunkSize: 4, concurrentChunks: 2, outputType: listF32, sink });
    await settle();
    expect(g.started).toEqual([0, 1]);
    expect(read.rows).toBeLessThanOrEqual(2 * 4 + 3);
    for (let c = 0; c < 75; c++) {
      await g.open(c);
      await settle();
    }
    await expect(call).resolves.toMatchObject({ rows: 300, chunks: 75 });
  });

  it('numChunks needs totalRows, which is then checked against the rows read', async () => {
    const fn = vi.fn(async (args: Table) => answer(args));
    await expect(chunkedCall(batches([3]).iterable, fn, { numChunks: 2, outputType: listF32 })).rejects.toThrow(
      /numChunks needs the row count.*totalRows/s,
    );
    const ok = await chunkedCall(batches([3, 4]).iterable, fn, { numChunks: 2, totalRows: 7, outputType: listF32 });
    expect(ok.table.numRows).toBe(7);
    expect(ok.chunks).toBe(2);
    await expect(chunkedCall(batches([3, 4]).iterable, fn, { numChunks: 2, totalRows: 5, outputType: listF32 })).rejects.toThrow(
      /more rows than totalRows/,
    );
    await expect(chunkedCall(batches([3, 4]).iterable, fn, { numChunks: 2, totalRows: 9, outputType: listF32 })).rejects.toThrow(
      /only 7 rows/,
    );
  });

  it('a failing input stops the call with its error', async () => {
    async function* broken() {
      yield idTable(0, 4).batches[0];
      throw new Error('read error at byte 1234');
    }
    const fn = async (args: Table) => answer(args);
    await expect(chunkedCall(broken(), fn, { chunkSize: 3, outputType: listF32 })).rejects.toThrow('read error at byte 1234');
    await expect(chunkedCall(broken(), fn, { chunkSize: 3, outputType: listF32, sink: recordingSink().sink })).rejects.toThrow(
      'read error at byte 1234',
    );
  });

  it('refuses batches whose columns change', async () => {
    async function* mixed() {
      yield idTable(0, 2).batches[0];
      yield tableFromArrays({ other: Int32Array.of(1) }).batches[0];
    }
    await expect(chunkedCall(mixed(), async (a: Table) => answer(a), { chunkSize: 5, outputType: listF32 })).rejects.toThrow(/columns/);
  });
});

describe('streaming properties (fake timers)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('every row once, in order; chunks start only inside the window; input read at most one window + one batch ahead', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          batchSizes: fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 12 }),
          chunkSize: fc.integer({ min: 1, max: 6 }),
          concurrentChunks: fc.integer({ min: 1, max: 4 }),
          seed: fc.integer(),
          slowSink: fc.boolean(),
        }),
        async (s) => {
          const rand = mulberry32(s.seed);
          const { iterable, read } = batches(s.batchSizes);
          let deliveredRows = 0;
          let inFlight = 0;
          const values: number[] = [];
          const fn: BatchFunction<Float32Array> = (args, ctx) => {
            const releasedChunks = deliveredRows / s.chunkSize;
            expect(ctx.chunkIndex).toBeLessThan(releasedChunks + s.concurrentChunks);
            expect(read.rows - deliveredRows).toBeLessThanOrEqual(s.concurrentChunks * s.chunkSize + 9);
            inFlight++;
            expect(inFlight).toBeLessThanOrEqual(s.concurrentChunks);
            // eslint-disable-next-line no-restricted-syntax -- not a wait: the function's latency on the fake clock
            return new Promise((resolve) => setTimeout(() => (inFlight--, resolve(answer(args))), 1 + Math.floor(rand() * 40)));
          };
          const sink: ResultSink = {
            write: async ({ offset, table }) => {
              expect(offset).toBe(deliveredRows);
              // eslint-disable-next-line no-restricted-syntax -- not a wait: a slow sink on the fake clock
              if (s.slowSink) await new Promise((r) => setTimeout(r, Math.floor(rand() * 30)));
              const res = table.getChild('result');
              for (let i = 0; i < table.numRows; i++) values.push(firstValue(res?.get(i)));
              deliveredRows += table.numRows;
            },
          };
          const call = chunkedCall(iterable, fn, { chunkSize: s.chunkSize, concurrentChunks: s.concurrentChunks, outputType: listF32, sink });
          await vi.runAllTimersAsync();
          const total = s.batchSizes.reduce((a, b) => a + b, 0);
          await expect(call).resolves.toMatchObject({ rows: total, chunks: Math.ceil(total / s.chunkSize) });
          expect(values).toEqual(Array.from({ length: total }, (_, i) => i));
        },
      ),
      { numRuns: 150 },
    );
  });
});
