import { describe, expect, test } from 'vitest';
import { Float64, Int32, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { columnCodes, explorerInfo, rowsOf, similarTo, vectorsOf, type ResultView } from './explorer-queries';
import { syntheticResults } from './synthetic-results';

/** 6 rows, 2-d: rows 0–2 point along x, rows 3–5 along y; row 4 failed. */
function view(): ResultView {
  const matrix = Float32Array.from([1, 0, 0.9, 0.1, 0.8, 0.2, 0, 1, 0, 0, 0.1, 0.9]);
  const table = new Table({
    id: vectorFromArray([10, 11, 12, 13, 14, 15], new Int32()),
    text: vectorFromArray(['a', 'b', 'c', 'd', null, 'f'], new Utf8()),
    group: vectorFromArray(['x', 'x', 'x', 'y', 'y', null], new Utf8()),
    score: vectorFromArray([1, 2, 3, 4, 5, 6], new Float64()),
  });
  return { table, matrix, dim: 2, errors: [null, null, null, null, 'row 4: expected a string, got null', null], textColumn: 'text' };
}

describe('explorer queries', () => {
  test('explorerInfo counts rows and failures and lists every column', () => {
    const info = explorerInfo(view());
    expect(info).toMatchObject({ rows: 6, dim: 2, failedRows: 1, textColumn: 'text' });
    expect(info.columns.map((c) => [c.name, c.isText])).toEqual([['id', false], ['text', true], ['group', true], ['score', false]]);
    expect(info.columns[1].nullCount).toBe(1);
  });

  test('vectorsOf returns the rows asked for, in that order, with failed rows flagged', () => {
    const b = vectorsOf(view(), Int32Array.of(3, 4, 0));
    expect(Array.from(b.ok)).toEqual([1, 0, 1]);
    expect(Array.from(b.data)).toEqual([0, 1, 0, 0, 1, 0]);
  });

  test('bad rows and oversized requests get a specific error, not a crash', () => {
    expect(() => vectorsOf(view(), Int32Array.of(6))).toThrow(/row 6 does not exist \(the results have rows 0–5\)/);
    expect(() => rowsOf(view(), Int32Array.of(-1))).toThrow(/ExplorerRequestError|row -1 does not exist/);
    expect(() => rowsOf(view(), new Int32Array(1001))).toThrow(/limit is 1000/);
    expect(() => similarTo(view(), 0, 0)).toThrow(/k must be an integer 1–500/);
    expect(() => similarTo(view(), 4, 3)).toThrow(/row 4 has no embedding/);
    expect(() => columnCodes(view(), 'nope')).toThrow(/no column "nope" \(columns: id, text, group, score\)/);
  });

  test('rowsOf gives every column and the status', () => {
    const [r] = rowsOf(view(), Int32Array.of(4));
    expect(r).toEqual({ row: 4, status: 'row 4: expected a string, got null', values: { id: 14, text: null, group: 'y', score: 5 } });
  });

  test('similarTo ranks by cosine, excluding the row itself and failed rows', () => {
    const hits = similarTo(view(), 0, 3);
    expect(hits.map((h) => h.row)).toEqual([1, 2, 5]);
    expect(hits[0].score).toBeGreaterThan(hits[1].score);
    expect(hits[0].text).toBe('b');
  });

  test('columnCodes: categories with a null code, numbers in equal-count bins', () => {
    const g = columnCodes(view(), 'group');
    expect(g.kind).toBe('category');
    expect(g.labels).toEqual(['x', 'y', '∅ (null)']);
    expect(Array.from(g.codes)).toEqual([0, 0, 0, 1, 1, 2]);
    const s = columnCodes(view(), 'score');
    expect(s.kind).toBe('numeric');
    // Ascending values land in non-decreasing bins, first and last bins used.
    const c = Array.from(s.codes);
    for (let i = 1; i < c.length; i++) expect(c[i]).toBeGreaterThanOrEqual(c[i - 1]);
    expect(c[0]).toBe(0);
    expect(c[5]).toBe(s.labels.length - 1);
    expect(s.labels.some((l) => l.startsWith('∅'))).toBe(false);
    expect(s.labels[0].startsWith('1 – ')).toBe(true);
  });

  test('more than 20 distinct values fold into "other"', () => {
    const table = new Table({ k: vectorFromArray(Array.from({ length: 30 }, (_, i) => `v${i % 25}`), new Utf8()) });
    const c = columnCodes({ table, matrix: new Float32Array(60), dim: 2, errors: new Array(30).fill(null), textColumn: 'k' }, 'k');
    expect(c.labels).toHaveLength(20);
    expect(c.labels[19]).toBe('other (6 values)');
    expect(Math.max(...c.codes)).toBe(19);
  });
});

describe('syntheticResults', () => {
  test('is deterministic, unit-length and clustered by topic', () => {
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
    for (let r = 0; r < 20; r++) same += similarTo(a, r, 10).filter((h) => topic.get(h.row) === topic.get(r)).length;
    expect(same / 200).toBeGreaterThan(0.8);
  });

  test('refuses sizes it would not allocate', () => {
    expect(() => syntheticResults(2_000_000, 8)).toThrow(/rows must be an integer 3–1000000/);
    expect(() => syntheticResults(1000, 0)).toThrow(/dim must be an integer/);
  });
});
