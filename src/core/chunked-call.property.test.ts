// Property tests of the engine under fake timers: random sizes, chunking, concurrency, latencies
// (so random completion order), transient failures and hangs (timeouts), rows that always fail
// (thrown, so isolated by bisection) or are reported bad by the function, and cancellation.
import { Field, FixedSizeList, Float32, List, makeVector, Table, type DataType } from 'apache-arrow';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffCeilingMs } from './retry';
import { chunkedCall } from './chunked-call';
import { CancelledError, ChunkFailedError } from './errors';
import { planChunks } from './plan-chunks';
import { mulberry32 } from './prng';
import { defaultTimers } from './timers';
import type { BatchFunction, ChunkingOptions, ChunkProgressEvent, TimerApi } from './types';

/** Seeded from fast-check's seed so every run is reproducible. */
const prng = mulberry32;

function idTable(n: number): Table {
  return new Table({ id: makeVector(Int32Array.from({ length: n }, (_, i) => i)) });
}

const fixed2 = new FixedSizeList(2, new Field('item', new Float32(), true));
const list = new List(new Field('item', new Float32(), true));

interface CallRecord {
  chunk: number;
  attempt: number;
  first: number;
  rows: number;
  start: number;
  end?: number;
}

interface ModelSpec {
  seed: number;
  /** Rows that make any call containing them throw (found by bisection). */
  hard: Set<number>;
  /** Rows the function itself reports as failed through BatchOutput.errors. */
  soft: Set<number>;
  /** Whole-chunk tries 1..transient[c] fail (throw, or hang when a timeout is set). */
  transient: Map<number, number>;
  hangs: boolean;
}

/** A batch function with random latency that honours its signal and records what it saw. */
function model(spec: ModelSpec) {
  const rand = prng(spec.seed);
  const calls: CallRecord[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fn: BatchFunction<Float32Array> = (args, ctx) =>
    new Promise((resolve, reject) => {
      const ids = Array.from(args.getChild('id')?.toArray() as Int32Array);
      const rec: CallRecord = { chunk: ctx.chunkIndex, attempt: ctx.attempt, first: ids[0], rows: ids.length, start: Date.now() };
      calls.push(rec);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const settle = () => {
        rec.end = Date.now();
        inFlight--;
      };
      const failTry = ctx.attempt <= (spec.transient.get(ctx.chunkIndex) ?? 0);
      const hang = failTry && spec.hangs;
      const latency = 1 + Math.floor(rand() * 50);
      const timer = hang
        ? undefined
        : setTimeout(() => {
            settle();
            const hard = ids.find((i) => spec.hard.has(i));
            if (failTry) reject(new Error(`transient ${ctx.chunkIndex}/${ctx.attempt}`));
            else if (hard !== undefined) reject(new Error(`hard row ${hard}`));
            else {
              const errors = ids.map((i) => (spec.soft.has(i) ? `soft row ${i}` : null));
              resolve({ values: ids.map((i) => Float32Array.of(i, -i)), errors });
            }
          }, latency);
      ctx.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          settle();
          reject(ctx.signal.reason);
        },
        { once: true },
      );
    });
  return { fn, calls, maxInFlight: () => maxInFlight, inFlight: () => inFlight };
}

const chunking: fc.Arbitrary<ChunkingOptions> = fc.oneof(
  fc.integer({ min: 1, max: 12 }).map((chunkSize) => ({ chunkSize })),
  fc.integer({ min: 1, max: 12 }).map((numChunks) => ({ numChunks })),
);

const scenario = fc
  .record({
    rows: fc.integer({ min: 0, max: 40 }),
    chunking,
    concurrentChunks: fc.integer({ min: 1, max: 5 }),
    retries: fc.integer({ min: 0, max: 3 }),
    seed: fc.integer(),
    hangs: fc.boolean(),
    fixed: fc.boolean(),
    badRate: fc.constantFrom(0, 0.05, 0.3),
    transientRate: fc.constantFrom(0, 0.3, 1),
  })
  .map((s) => {
    const rand = prng(s.seed ^ 0x5bd1e995);
    const hard = new Set<number>();
    const soft = new Set<number>();
    for (let i = 0; i < s.rows; i++) {
      const r = rand();
      if (r < s.badRate / 2) hard.add(i);
      else if (r < s.badRate) soft.add(i);
    }
    const transient = new Map<number, number>();
    for (let c = 0; c < s.rows; c++) {
      if (rand() < s.transientRate) transient.set(c, 1 + Math.floor(rand() * s.retries));
    }
    if (s.retries === 0) transient.clear();
    return { ...s, hard, soft, transient };
  });

function timersWith(seed: number): TimerApi {
  return { ...defaultTimers, random: prng(seed) };
}

/** The call options a scenario stands for (chunking, concurrency, retries, hangs → timeout, seeded jitter). */
function scenarioOptions(s: { chunking: ChunkingOptions; concurrentChunks: number; retries: number; hangs: boolean; fixed: boolean; seed: number }) {
  const outputType: DataType = s.fixed ? fixed2 : list;
  return {
    ...s.chunking,
    concurrentChunks: s.concurrentChunks,
    retries: s.retries,
    timeout: s.hangs ? 0.2 : undefined,
    backoffMs: 10,
    outputType,
    timers: timersWith(s.seed),
  };
}

function assertOneTerminalEventPerChunk(events: ChunkProgressEvent[], chunks: number) {
  const terminal = events.filter((e) => e.status === 'done' || e.status === 'failed' || e.status === 'cancelled');
  expect(terminal.map((e) => e.chunk).sort((a, b) => a - b)).toEqual(Array.from({ length: chunks }, (_, i) => i));
}

describe('chunkedCall properties (fake timers)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('keeps order and 1:1 rows, bounds concurrency, retries within backoff bounds, isolates bad rows', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const m = model(s);
        const events: ChunkProgressEvent[] = [];
        const promise = chunkedCall(idTable(s.rows), m.fn, { ...scenarioOptions(s), onProgress: (e) => events.push(e) });
        await vi.runAllTimersAsync();
        const res = await promise;
        const plan = planChunks(s.rows, s.chunking);

        // 1:1 rows, in input order, whatever the completion order.
        expect(res.table.numRows).toBe(s.rows);
        expect(res.chunks).toBe(plan.length);
        const result = res.table.getChild('result');
        const status = res.table.getChild('status');
        for (let i = 0; i < s.rows; i++) {
          if (s.hard.has(i)) {
            expect(status?.get(i)).toBe(`hard row ${i}`);
            expect(result?.get(i)).toBeNull();
          } else if (s.soft.has(i)) {
            expect(status?.get(i)).toBe(`soft row ${i}`);
            expect(result?.get(i)).toBeNull();
          } else {
            expect(status?.get(i)).toBe('ok');
            expect(Array.from(result?.get(i) ?? [])).toEqual([i, -i]);
          }
        }
        expect(res.failedRows).toBe(s.hard.size + s.soft.size);

        // The concurrency bound holds, bisection included.
        expect(m.maxInFlight()).toBeLessThanOrEqual(s.concurrentChunks);
        expect(m.inFlight()).toBe(0);

        // Every call covers rows of its own chunk only.
        for (const c of m.calls) {
          const p = plan[c.chunk];
          expect(c.first).toBeGreaterThanOrEqual(p.offset);
          expect(c.first + c.rows).toBeLessThanOrEqual(p.offset + p.rows);
        }

        // Retries: the delay is within the full-jitter bounds and is really waited.
        for (const e of events) {
          if (e.status !== 'retrying') continue;
          expect(e.delayMs).toBeGreaterThanOrEqual(0);
          expect(e.delayMs).toBeLessThan(Math.max(1, backoffCeilingMs(e.attempt - 1, 10)));
          const failedTry = m.calls.find((c) => c.chunk === e.chunk && c.attempt === e.attempt - 1);
          const nextTry = m.calls.find((c) => c.chunk === e.chunk && c.attempt === e.attempt);
          expect(nextTry).toBeDefined();
          expect((nextTry as CallRecord).start - (failedTry?.end as number)).toBe(e.delayMs);
        }
        // A chunk with only transient failures takes exactly transient + 1 whole-chunk tries.
        for (const p of plan) {
          const rowsBad = Array.from({ length: p.rows }, (_, k) => p.offset + k).some((i) => s.hard.has(i));
          if (rowsBad) continue;
          const tries = m.calls.filter((c) => c.chunk === p.index).length;
          expect(tries).toBe((s.transient.get(p.index) ?? 0) + 1);
        }
        // Isolation costs at most 2n - 1 calls for a chunk of n rows, on top of its whole-chunk tries.
        for (const p of plan) {
          const tries = m.calls.filter((c) => c.chunk === p.index).length;
          expect(tries).toBeLessThanOrEqual(s.retries + 1 + Math.max(0, 2 * p.rows - 2));
        }
        assertOneTerminalEventPerChunk(events, plan.length);
      }),
      { numRuns: 150 },
    );
  });

  it('cancellation: no chunk starts after abort, finished chunks are kept, and a resume completes the rest', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, fc.integer({ min: 0, max: 300 }), async (s, abortAt) => {
        const m = model({ ...s, hard: new Set(), soft: new Set() });
        const events: ChunkProgressEvent[] = [];
        const ac = new AbortController();
        const opts = { ...scenarioOptions(s), outputType: list };
        const persisted = new Map<number, unknown>();
        const promise = chunkedCall(idTable(s.rows), m.fn, {
          ...opts,
          signal: ac.signal,
          onProgress: (e) => events.push(e),
          onChunkOutput: (c, out) => persisted.set(c.index, out),
        }).then(
          (r) => ({ ok: true as const, r }),
          (e: unknown) => ({ ok: false as const, e }),
        );
        await vi.advanceTimersByTimeAsync(abortAt);
        const abortTime = Date.now();
        const eventsBeforeAbort = events.length;
        ac.abort();
        await vi.runAllTimersAsync();
        const outcome = await promise;
        const plan = planChunks(s.rows, s.chunking);

        expect(m.calls.every((c) => c.start <= abortTime)).toBe(true);
        const late = events.slice(eventsBeforeAbort).filter((e) => e.status === 'running' || e.status === 'retrying');
        expect(late).toEqual([]);
        expect(m.inFlight()).toBe(0);
        assertOneTerminalEventPerChunk(events, plan.length);
        const doneChunks = events.filter((e) => e.status === 'done').map((e) => e.chunk);
        if (outcome.ok) {
          expect(doneChunks.length).toBe(plan.length);
          return;
        }
        expect(outcome.e).toBeInstanceOf(CancelledError);
        const err = outcome.e as CancelledError<Float32Array>;
        expect([...err.completedChunks.keys()].sort((a, b) => a - b)).toEqual(doneChunks.sort((a, b) => a - b));
        expect(new Map(err.completedChunks)).toEqual(persisted);
        for (const [index, out] of err.completedChunks) {
          const p = plan[index];
          expect(out.values.map((v) => v?.[0])).toEqual(Array.from({ length: p.rows }, (_, k) => p.offset + k));
        }

        // Resume: only the unfinished chunks run, and the whole result is right.
        const before = m.calls.length;
        const resumed = chunkedCall(idTable(s.rows), m.fn, { ...opts, completed: err.completedChunks });
        await vi.runAllTimersAsync();
        const res = await resumed;
        const rerun = new Set(m.calls.slice(before).map((c) => c.chunk));
        for (const index of err.completedChunks.keys()) expect(rerun.has(index)).toBe(false);
        for (let i = 0; i < s.rows; i++) expect(Array.from(res.table.getChild('result')?.get(i) ?? [])).toEqual([i, -i]);
      }),
      { numRuns: 150 },
    );
  });

  it("onError 'raise': rejects with the failing chunk and its bad rows, and starts nothing after", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const m = model(s);
        const events: ChunkProgressEvent[] = [];
        const promise = chunkedCall(idTable(s.rows), m.fn, { ...scenarioOptions(s), onError: 'raise', onProgress: (e) => events.push(e) }).then(
          () => undefined,
          (e: unknown) => ({ e, at: Date.now() }),
        );
        await vi.runAllTimersAsync();
        const failure = await promise;
        const plan = planChunks(s.rows, s.chunking);
        if (s.hard.size + s.soft.size === 0) {
          expect(failure).toBeUndefined();
          return;
        }
        expect(failure?.e).toBeInstanceOf(ChunkFailedError);
        const err = failure?.e as ChunkFailedError<Float32Array>;
        const rows = Array.from({ length: err.rows }, (_, k) => err.offset + k);
        expect(rows.some((i) => s.hard.has(i) || s.soft.has(i))).toBe(true);
        expect(err.offset).toBe(plan[err.chunk].offset);
        for (const i of err.failedRowIndices) expect(s.soft.has(i)).toBe(true);
        expect(m.calls.every((c) => c.start <= (failure?.at as number))).toBe(true);
        expect(m.inFlight()).toBe(0);
        for (const [index, out] of err.completedChunks) {
          expect(out.values.length).toBe(plan[index].rows);
          expect(index).not.toBe(err.chunk);
        }
        assertOneTerminalEventPerChunk(events, plan.length);
      }),
      { numRuns: 150 },
    );
  });
});
