// The EmbedFunction contract as one shared test suite (like src/server/store-contract.ts): every
// implementation — the local function (LocalRuntime, a real ONNX model in this process) and the
// remote function (Remote against a real server) — runs exactly these tests, so "same engine,
// same behaviour" is checked, not assumed. What it checks is what docs/client.md promises for
// both: row order and 1:1 rows, per-row failures, empty input, values that do not fit the output
// type, a large chunk, the concurrency bound, cancel + resume, timeout, retries and row isolation,
// streaming to a sink, deferBatch, bad options before any work.
import { FixedSizeList, Field, Float32, Table, Utf8, vectorFromArray, type DataType, type RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { EmbedFunction } from '../core/embed-function';
import { CancelledError, ChunkFailedError, InvalidOptionError, TimeoutError } from '../core/errors';
import { defaultTimers, sleep } from '../core/timers';
import { ROW_OK, type BatchOutput, type ChunkProgressEvent } from '../core/types';

/** What a contract run needs from one implementation. */
export interface ContractSubject {
  /** The function under test (one `text` column in, one embedding per row); `outputType` overrides its result type. */
  fn(opts?: { outputType?: DataType }): EmbedFunction<Float32Array>;
  /** The same model run directly, outside the function under test: what each text's vector must be. */
  reference(texts: string[]): Promise<Float32Array[]>;
  /**
   * Fault injection where the function meets its model (local: the inference session; remote: the
   * HTTP answers), for what a healthy model cannot do on demand.
   */
  faults: {
    /** Every model request from now on is held `ms` longer (0: off). */
    delay(ms: number): void;
    /** The next `n` model requests fail with a transient error (the rows never ran). */
    failNext(n: number): void;
  };
  /** Model requests made so far (local: inference runs; remote: submits). */
  requests(): number;
  /**
   * Most model requests in progress at the same time since the last reset (local: 1 at most — one
   * inference queue per session; remote: the HTTP calls the server is answering).
   */
  maxInFlight(): number;
  /** Faults off, counters to 0. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * The fault switches and counters behind `faults`, `requests`, `maxInFlight` and `reset`, shared by
 * every subject: its injection point sends each model request through `pass`.
 */
export class FaultPoint {
  private delayMs = 0;
  private failLeft = 0;
  private requests = 0;
  private inFlight = 0;
  private maxInFlight = 0;

  /**
   * One model request: counted (when `counts`), failed by `fail` while failures are switched on
   * (when `canFail`), held by the delay, then `run`.
   */
  async pass<R>(opts: { counts: boolean; canFail: boolean }, fail: () => R | Promise<R>, run: () => Promise<R>): Promise<R> {
    if (opts.counts) this.requests++;
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      if (opts.canFail && this.failLeft > 0) {
        this.failLeft--;
        return await fail();
      }
      // eslint-disable-next-line no-restricted-syntax -- not a wait: a slow model, the scenario under test
      if (this.delayMs > 0) await sleep(this.delayMs, defaultTimers);
      return await run();
    } finally {
      this.inFlight--;
    }
  }

  subject(): Pick<ContractSubject, 'faults' | 'requests' | 'maxInFlight' | 'reset'> {
    return {
      faults: {
        delay: (ms) => void (this.delayMs = ms),
        failNext: (n) => void (this.failLeft = n),
      },
      requests: () => this.requests,
      maxInFlight: () => this.maxInFlight,
      reset: () => {
        this.delayMs = 0;
        this.failLeft = 0;
        this.requests = 0;
        this.maxInFlight = this.inFlight;
      },
    };
  }
}

const textTable = (rows: Array<string | null>) => new Table({ text: vectorFromArray(rows, new Utf8()) });
const docs = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `document ${from + i}: ${'abc xyz '.repeat((from + i) % 4)}`.trim());

function vectors(t: Table): Array<Float32Array | null> {
  const col = t.getChild('result')!;
  return Array.from({ length: t.numRows }, (_, i) => {
    const v = col.get(i) as { toArray(): Float32Array } | null;
    return v ? Float32Array.from(v.toArray()) : null;
  });
}

const statuses = (t: Table) => t.getChild('status')!.toArray() as string[];

function expectSameVector(got: Float32Array | null | undefined, want: Float32Array, where: string): void {
  expect(got, where).toBeTruthy();
  expect(got!.length, where).toBe(want.length);
  for (let j = 0; j < want.length; j++) expect(Math.abs(got![j] - want[j]), `${where}, component ${j}`).toBeLessThan(1e-5);
}

async function* batchesOf(rows: string[], size: number): AsyncIterable<RecordBatch> {
  for (let i = 0; i < rows.length; i += size) yield* textTable(rows.slice(i, i + size)).batches;
}

export function embedFunctionContract(name: string, make: () => Promise<ContractSubject>): void {
  describe(`EmbedFunction contract: ${name}`, () => {
    let s: ContractSubject;
    beforeAll(async () => {
      s = await make();
    }, 120_000);
    afterAll(async () => {
      await s?.close();
    });
    beforeEach(() => s.reset());

    test('row i of the result answers input row i, whatever the chunking and concurrency', async () => {
      const texts = docs(23);
      const want = await s.reference(texts);
      for (const chunking of [{ chunkSize: 4 }, { numChunks: 5 }] as const) {
        const events: ChunkProgressEvent[] = [];
        const res = await s.fn().chunkedCall(textTable(texts), { ...chunking, concurrentChunks: 3, onProgress: (e) => events.push(e) });
        expect(res.table.numRows).toBe(23);
        expect(res.failedRows).toBe(0);
        expect(res.chunks).toBe('chunkSize' in chunking ? 6 : 5);
        expect(statuses(res.table).every((st) => st === ROW_OK)).toBe(true);
        vectors(res.table).forEach((v, i) => expectSameVector(v, want[i], `row ${i}`));
        for (let c = 0; c < res.chunks; c++) {
          expect(events.filter((e) => e.chunk === c).map((e) => e.status), `chunk ${c}'s events`).toEqual(['queued', 'running', 'done']);
        }
      }
    });

    test('a row the model cannot take fails alone: its status says why, its result is null, its neighbours are right', async () => {
      const texts = ['alpha', 'beta', null, 'gamma', 'delta'];
      const want = await s.reference(['alpha', 'beta', 'gamma', 'delta']);
      const res = await s.fn().chunkedCall(textTable(texts), { chunkSize: 5 });
      expect(res.failedRows).toBe(1);
      const st = statuses(res.table);
      expect(st[2]).toMatch(/expected a string, got null/);
      // The code travels too (from the embedder, through the server's store and answer, for the remote function).
      expect(res.table.getChild('error_code')!.toArray()).toEqual([null, null, 'NULL_TEXT', null, null]);
      const v = vectors(res.table);
      expect(v[2]).toBeNull();
      [0, 1, 3, 4].forEach((row, k) => {
        expect(st[row]).toBe(ROW_OK);
        expectSameVector(v[row], want[k], `row ${row}`);
      });
    });

    test('empty input: an empty table with result + status + error_code, and no model request', async () => {
      const res = await s.fn().chunkedCall(textTable([]), { chunkSize: 10 });
      expect(res.table.numRows).toBe(0);
      expect(res.table.schema.fields.map((f) => f.name)).toEqual(['result', 'status', 'error_code']);
      expect(res).toMatchObject({ failedRows: 0, chunks: 0 });
      expect(s.requests()).toBe(0);
    });

    test('values that do not fit the output type become row statuses, not a crash or a wrong column', async () => {
      const dim = (await s.reference(['x']))[0].length;
      const fn = s.fn({ outputType: new FixedSizeList(dim + 1, new Field('item', new Float32(), true)) });
      const res = await fn.chunkedCall(textTable(['one', 'two', 'three']), { chunkSize: 2 });
      expect(res.table.numRows).toBe(3);
      expect(res.failedRows).toBe(3);
      for (const st of statuses(res.table)) expect(st).toMatch(new RegExp(`${dim}`));
      expect(vectors(res.table)).toEqual([null, null, null]);
    });

    test('one large chunk (2,000 rows) comes back whole and in order', async () => {
      const texts = docs(2000);
      const res = await s.fn().chunkedCall(textTable(texts), { numChunks: 1 });
      expect(res.table.numRows).toBe(2000);
      expect(res.failedRows).toBe(0);
      const v = vectors(res.table);
      const sample = [0, 1, 999, 1998, 1999];
      const want = await s.reference(sample.map((i) => texts[i]));
      sample.forEach((row, k) => expectSameVector(v[row], want[k], `row ${row}`));
    });

    test('never more than concurrentChunks chunks in flight, nor at the model, at once', async () => {
      s.faults.delay(150);
      let running = 0;
      let maxRunning = 0;
      const res = await s.fn().chunkedCall(textTable(docs(20)), {
        chunkSize: 2,
        concurrentChunks: 3,
        onProgress: (e) => {
          if (e.status === 'running') maxRunning = Math.max(maxRunning, ++running);
          else if (e.status !== 'queued') running--;
        },
      });
      expect(res.failedRows).toBe(0);
      expect(maxRunning).toBeLessThanOrEqual(3);
      expect(maxRunning).toBeGreaterThanOrEqual(2); // the bound was used, not kept by running one chunk at a time
      expect(s.maxInFlight()).toBeLessThanOrEqual(3);
    });

    test('cancel: CancelledError keeps the finished chunks; resuming with `completed` runs only the rest', async () => {
      const texts = docs(12);
      const want = await s.reference(texts);
      s.faults.delay(200);
      const ac = new AbortController();
      const err = await s
        .fn()
        .chunkedCall(textTable(texts), {
          chunkSize: 2,
          concurrentChunks: 1,
          signal: ac.signal,
          onProgress: (e) => {
            if (e.status === 'done' && e.chunk === 1) ac.abort();
          },
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CancelledError);
      const kept = (err as CancelledError<Float32Array>).completedChunks;
      expect([...kept.keys()].sort()).toEqual([0, 1]);
      s.reset();
      const res = await s.fn().chunkedCall(textTable(texts), { chunkSize: 2, completed: kept as ReadonlyMap<number, BatchOutput<unknown>> });
      expect(res.table.numRows).toBe(12);
      vectors(res.table).forEach((v, i) => expectSameVector(v, want[i], `row ${i}`));
      expect(s.requests()).toBeGreaterThanOrEqual(4);
      expect(s.requests()).toBeLessThan(6 * 2); // chunks 0 and 1 were not asked for again (4 chunks left, a few requests each at most)
    });

    test('a cancel before the first chunk rejects at once, with nothing run', async () => {
      const ac = new AbortController();
      ac.abort();
      await expect(s.fn().chunkedCall(textTable(docs(4)), { chunkSize: 2, signal: ac.signal })).rejects.toBeInstanceOf(CancelledError);
      expect(s.requests()).toBe(0);
    });

    test('per-chunk timeout: a try slower than `timeout` fails with TimeoutError (onError: raise)', async () => {
      s.faults.delay(1000);
      const err = await s.fn().chunkedCall(textTable(['slow one', 'slow two']), { chunkSize: 2, timeout: 0.2, onError: 'raise' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChunkFailedError);
      expect((err as ChunkFailedError).cause).toBeInstanceOf(TimeoutError);
    });

    test('a transient failure is retried: every row right, one `retrying` event', async () => {
      const texts = docs(6);
      const want = await s.reference(texts);
      s.faults.failNext(1);
      const events: ChunkProgressEvent[] = [];
      const res = await s.fn().chunkedCall(textTable(texts), { chunkSize: 6, retries: 2, backoffMs: 1, onProgress: (e) => events.push(e) });
      expect(res.failedRows).toBe(0);
      vectors(res.table).forEach((v, i) => expectSameVector(v, want[i], `row ${i}`));
      expect(events.filter((e) => e.status === 'retrying')).toHaveLength(1);
    });

    test('retries spent: onError raise rejects with ChunkFailedError naming the chunk and rows', async () => {
      s.faults.failNext(100);
      const err = await s.fn().chunkedCall(textTable(docs(4)), { chunkSize: 2, retries: 1, backoffMs: 1, onError: 'raise' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChunkFailedError);
      expect(err).toMatchObject({ chunk: 0, offset: 0, rows: 2 });
    });

    test('retries spent with onError row-status: the chunk is isolated row by row, each row gets the error, other chunks are right', async () => {
      const texts = docs(4);
      const want = await s.reference(texts);
      s.faults.failNext(3); // chunk 0's try, then each of its two one-row halves
      const res = await s.fn().chunkedCall(textTable(texts), { chunkSize: 2, retries: 0 });
      expect(res.failedRows).toBe(2);
      const st = statuses(res.table);
      expect(st[0]).toMatch(/injected/);
      expect(st[1]).toMatch(/injected/);
      const v = vectors(res.table);
      expect(v.slice(0, 2)).toEqual([null, null]);
      [2, 3].forEach((row) => expectSameVector(v[row], want[row], `row ${row}`));
    });

    test('a sink gets every row once, in input order, from record batches read as the call goes', async () => {
      const texts = docs(17);
      const want = await s.reference(texts);
      const parts: Array<{ offset: number; rows: number }> = [];
      const got: Array<Float32Array | null> = [];
      const res = await s.fn().chunkedCall(batchesOf(texts, 5), {
        chunkSize: 3,
        concurrentChunks: 2,
        sink: {
          write: ({ offset, table }) => {
            parts.push({ offset, rows: table.numRows });
            got.push(...vectors(table));
          },
        },
      });
      expect(res.table.numRows).toBe(0);
      expect(res.rows).toBe(17);
      let next = 0;
      for (const p of parts) {
        expect(p.offset).toBe(next);
        next += p.rows;
      }
      expect(next).toBe(17);
      got.forEach((v, i) => expectSameVector(v, want[i], `row ${i}`));
    });

    test('deferBatch: a handle at once, its values equal chunkedCall\'s; cancel rejects with CancelledError', async () => {
      const want = await s.reference(['first', 'second']);
      const handle = s.fn().deferBatch(textTable(['first', 'second']));
      const out = await handle.get({ timeout: 60 });
      expect(handle.status).toBe('done');
      out.values.forEach((v, i) => expectSameVector(v, want[i], `row ${i}`));

      s.faults.delay(1000);
      const slow = s.fn().deferBatch(textTable(['never mind']));
      await expect.poll(() => slow.status).toBe('running');
      slow.cancel();
      await expect(slow.get()).rejects.toBeInstanceOf(CancelledError);
    });

    test('bad options are one InvalidOptionError before any model request', async () => {
      await expect(s.fn().chunkedCall(textTable(['a']), { chunkSize: 1, numChunks: 1 } as never)).rejects.toBeInstanceOf(InvalidOptionError);
      await expect(s.fn().chunkedCall(textTable(['a']), { chunkSize: 1, concurrentChunks: 0 })).rejects.toMatchObject({ name: 'InvalidOptionError', message: expect.stringContaining('concurrentChunks') });
      await expect(s.fn().chunkedCall(textTable(['a']), { chunkSize: 1, timeout: -1 })).rejects.toMatchObject({ name: 'InvalidOptionError', message: expect.stringContaining('timeout') });
      expect(s.requests()).toBe(0);
    });
  });
}
