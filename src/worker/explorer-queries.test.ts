import { describe, expect, test } from 'vitest';
import { Float64, Int32, Table, Utf8, vectorFromArray } from 'apache-arrow';
import type { RowError } from '../core/types';
import { columnCodes, explorerInfo, rowsOf, sampleVectors, similarTo, vectorsOf, type ResultView } from './explorer-queries';
import { syntheticResults } from './synthetic-results';
import { memoryChunkStore } from './chunk-store';
import { storeMatrix } from './chunk-records';
import { resultReader } from './result-reader';
import { planChunks } from '../core/plan-chunks';

/** Stores a result as a run would (chunks of `chunkRows`) and returns the view read from storage. */
async function stored(table: Table, matrix: Float32Array, dim: number, errors: Array<string | RowError | null>, textColumn: string, chunkRows = 4, store = memoryChunkStore()): Promise<ResultView> {
  const plan = planChunks(table.numRows, { chunkSize: chunkRows });
  await storeMatrix(store, 'job', plan, { matrix, dim, errors });
  return { table, reader: await resultReader(store, 'job', plan, dim), missingRows: errors.filter((e) => e).length, textColumn };
}

/** 6 rows, 2-d: rows 0–2 point along x, rows 3–5 along y; row 4 failed. Two stored chunks. */
function view(store = memoryChunkStore()): Promise<ResultView> {
  const matrix = Float32Array.from([1, 0, 0.9, 0.1, 0.8, 0.2, 0, 1, 0, 0, 0.1, 0.9]);
  const table = new Table({
    id: vectorFromArray([10, 11, 12, 13, 14, 15], new Int32()),
    text: vectorFromArray(['a', 'b', 'c', 'd', null, 'f'], new Utf8()),
    group: vectorFromArray(['x', 'x', 'x', 'y', 'y', null], new Utf8()),
    score: vectorFromArray([1, 2, 3, 4, 5, 6], new Float64()),
  });
  return stored(table, matrix, 2, [null, null, null, null, { code: 'NULL_TEXT', message: 'row 4: expected a string, got null' }, null], 'text', 4, store);
}

describe('explorer queries', () => {
  test('explorerInfo counts rows and failures and lists every column', async () => {
    const info = explorerInfo(await view());
    expect(info).toMatchObject({ rows: 6, dim: 2, failedRows: 1, textColumn: 'text' });
    expect(info.columns.map((c) => [c.name, c.isText])).toEqual([['id', false], ['text', true], ['group', true], ['score', false]]);
    expect(info.columns[1].nullCount).toBe(1);
  });

  test('vectorsOf returns the rows asked for, in that order, with failed rows flagged', async () => {
    const b = await vectorsOf(await view(), Int32Array.of(3, 4, 0));
    expect(Array.from(b.ok)).toEqual([1, 0, 1]);
    expect(Array.from(b.data)).toEqual([0, 1, 0, 0, 1, 0]);
    // A run of consecutive rows across the two stored chunks (0–3, 4–5), asked out of order.
    const run = await vectorsOf(await view(), Int32Array.of(5, 2, 3, 4, 0));
    expect(Array.from(run.ok)).toEqual([1, 1, 1, 0, 1]);
    expect(Array.from(run.data)).toEqual([0.1, 0.9, 0.8, 0.2, 0, 1, 0, 0, 1, 0].map(Math.fround));
  });

  test('bad rows and oversized requests get a specific error, not a crash', async () => {
    const v = await view();
    await expect(vectorsOf(v, Int32Array.of(6))).rejects.toThrow(/row 6 does not exist \(the results have rows 0–5\)/);
    expect(() => rowsOf(v, Int32Array.of(-1))).toThrow(/ExplorerRequestError|row -1 does not exist/);
    expect(() => rowsOf(v, new Int32Array(1001))).toThrow(/limit is 1000/);
    await expect(similarTo(v, 0, 0)).rejects.toThrow(/k must be an integer 1–500/);
    await expect(similarTo(v, 4, 3)).rejects.toThrow(/row 4 has no embedding/);
    expect(() => sampleVectors(v, 0)).toThrow(/max must be an integer 1–10000, got 0/);
    expect(() => columnCodes(v, 'nope')).toThrow(/no column "nope" \(columns: id, text, group, score\)/);
  });

  test('rowsOf gives every column and the status', async () => {
    const [r] = rowsOf(await view(), Int32Array.of(4));
    expect(r).toEqual({ row: 4, status: 'null', values: { id: 14, text: null, group: 'y', score: 5 } });
  });

  test('sampleVectors: rows with an embedding, evenly spaced, with their vectors, no chunk read', async () => {
    const store = memoryChunkStore();
    const v = await view(store);
    store.vectors = () => Promise.reject(new Error('the sample must not read vectors'));
    const s = sampleVectors(v, 10);
    expect(Array.from(s.rows)).toEqual([0, 1, 2, 3, 5]); // 6 rows ≤ the sample size: all but the failed one
    expect(Array.from(s.data.subarray(4, 8))).toEqual([Math.fround(0.8), Math.fround(0.2), 0, 1]);
    expect(Array.from(sampleVectors(v, 2).rows)).toEqual([0, 3]);
  });

  test('sampleVectors of an explorer size is exactly the evenly spaced rows floor(i·rows/n)', async () => {
    const a = syntheticResults(20_000, 8, 5);
    const v = await stored(a.table, a.matrix, a.dim, new Array(20_000).fill(null), a.textColumn, 1_000);
    for (const n of [1_000, 3_000]) {
      const s = sampleVectors(v, n);
      expect(Array.from(s.rows)).toEqual(Array.from({ length: n }, (_, i) => Math.floor((i * 20_000) / n)));
      const r = s.rows[n - 1];
      expect(Array.from(s.data.subarray((n - 1) * 8, n * 8))).toEqual(Array.from(a.matrix.subarray(r * 8, (r + 1) * 8)));
    }
    expect(sampleVectors(v, 2_000).rows).toHaveLength(2_000); // not a kept size: spread over the kept sample
  });

  test('similarTo ranks by cosine, excluding the row itself and failed rows', async () => {
    const hits = await similarTo(await view(), 0, 3);
    expect(hits.map((h) => h.row)).toEqual([1, 2, 5]);
    expect(hits[0].score).toBeGreaterThan(hits[1].score);
    expect(hits[0].text).toBe('b');
  });

  test('columnCodes: categories with a null code, numbers in equal-count bins', async () => {
    const v = await view();
    const g = columnCodes(v, 'group');
    expect(g.kind).toBe('category');
    expect(g.labels).toEqual(['x', 'y', '∅ (null)']);
    expect(Array.from(g.codes)).toEqual([0, 0, 0, 1, 1, 2]);
    const s = columnCodes(v, 'score');
    expect(s.kind).toBe('numeric');
    // Ascending values land in non-decreasing bins, first and last bins used.
    const c = Array.from(s.codes);
    for (let i = 1; i < c.length; i++) expect(c[i]).toBeGreaterThanOrEqual(c[i - 1]);
    expect(c[0]).toBe(0);
    expect(c[5]).toBe(s.labels.length - 1);
    expect(s.labels.some((l) => l.startsWith('∅'))).toBe(false);
    expect(s.labels[0].startsWith('1 – ')).toBe(true);
  });

  test('more than 20 distinct values fold into "other"', async () => {
    const table = new Table({ k: vectorFromArray(Array.from({ length: 30 }, (_, i) => `v${i % 25}`), new Utf8()) });
    const c = columnCodes(await stored(table, new Float32Array(60).fill(1), 2, new Array(30).fill(null), 'k'), 'k');
    expect(c.labels).toHaveLength(20);
    expect(c.labels[19]).toBe('other (6 values)');
    expect(Math.max(...c.codes)).toBe(19);
  });
});

describe('syntheticResults', () => {
  test('is deterministic, unit-length and clustered by topic', async () => {
    const a = syntheticResults(2000, 64, 3);
    const b = syntheticResults(2000, 64, 3);
    expect(a.matrix).toEqual(b.matrix);
    expect(a.table.numRows).toBe(2000);
    let n = 0;
    for (let j = 0; j < 64; j++) n += a.matrix[j] ** 2;
    expect(n).toBeCloseTo(1, 5);
    // The nearest neighbours of a row mostly share its topic.
    const topic = a.table.getChild('topic')!;
    let same = 0;
    const v = await stored(a.table, a.matrix, a.dim, new Array(2000).fill(null), a.textColumn, 300);
    for (let r = 0; r < 20; r++) same += (await similarTo(v, r, 10)).filter((h) => topic.get(h.row) === topic.get(r)).length;
    expect(same / 200).toBeGreaterThan(0.8);
  });

  test('refuses sizes it would not allocate', () => {
    expect(() => syntheticResults(2_000_000, 8)).toThrow(/rows must be an integer 3–1000000/);
    expect(() => syntheticResults(1000, 0)).toThrow(/dim must be an integer/);
  });
});
