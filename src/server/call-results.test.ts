import { describe, expect, test } from 'vitest';
import { CallResults, MAX_PACKED_BYTES, PENDING_STATUS } from './call-results';

describe('CallResults', () => {
  test('equal-length Float32Array results share one packed buffer: the held bytes are the floats, not an object per row', () => {
    const rows = 1000;
    const r = new CallResults(rows);
    for (let i = 0; i < rows; i++) r.setOk(i, Float32Array.from({ length: 384 }, (_, d) => i + d / 1000));
    expect(r.byteLength).toBe(rows + rows * 384 * 4);
    const v = r.value(999) as Float32Array;
    expect(v).toBeInstanceOf(Float32Array);
    expect(v.buffer).toBe((r.value(0) as Float32Array).buffer); // views of one buffer
    expect(v[1]).toBeCloseTo(999.001, 3);
  });

  test('a value that does not fit the packed layout moves every row to its own slot, values unchanged', () => {
    const r = new CallResults(4);
    r.setOk(0, new Float32Array([1, 2]));
    r.setOk(1, new Float32Array([3, 4, 5])); // another length
    r.setFailed(2, { code: 'ROW_ERROR', message: 'boom' });
    expect(r.toArrays()).toEqual({ values: [new Float32Array([1, 2]), new Float32Array([3, 4, 5]), null, null], statuses: ['ok', 'ok', { code: 'ROW_ERROR', message: 'boom' }, null] });
    r.setOk(3, 'text');
    expect(r.value(3)).toBe('text');
  });

  test('a vector too large to pack for every row is held as it came, never allocated rows × dim', () => {
    const rows = 100_000;
    const r = new CallResults(rows);
    const huge = new Float32Array(MAX_PACKED_BYTES / 4 / rows + 1);
    r.setOk(0, huge);
    expect(r.packedVectors).toBe(false);
    expect(r.value(0)).toBe(huge);
    expect(r.byteLength).toBeLessThan(rows * 16 + 2 * huge.byteLength);
  });

  test('parts give the rows in order for assembly: failed rows carry their error, rows without an outcome "pending"', () => {
    const r = new CallResults(5);
    r.setOk(0, new Float64Array([1]));
    r.setOk(1, null);
    r.setFailed(3, { code: 'BAD_ROW', message: 'bad row' });
    r.setOk(4, new Float64Array([4]));
    const parts = [...r.parts(2)];
    expect(parts.map((p) => p.values.length)).toEqual([2, 2, 1]);
    expect(parts[0]).toEqual({ values: [new Float64Array([1]), null] });
    expect(parts[1]).toEqual({ values: [null, null], errors: [PENDING_STATUS, { code: 'BAD_ROW', message: 'bad row' }] });
    expect(r.has(2)).toBe(false);
    expect(r.has(1)).toBe(true);
  });

  test('setOkRun: a whole call in one buffer of exactly its floats is kept without a copy; a partial run is copied once; rows with an outcome refuse the run', () => {
    const dim = 3;
    const whole = Float32Array.from({ length: 4 * dim }, (_, k) => k);
    const r = new CallResults(4);
    expect(r.setOkRun(0, 4, whole, dim)).toBe(true);
    expect(r.allOkVectors()?.floats).toBe(whole);
    expect(r.byteLength).toBe(4 + whole.byteLength);

    const batch = Float32Array.from({ length: 4 * dim }, (_, k) => 100 + k); // a batch of two calls' rows
    const p = new CallResults(3);
    p.setFailed(0, { code: 'BAD_ROW', message: 'bad row' });
    expect(p.setOkRun(1, 2, batch.subarray(0, 2 * dim), dim)).toBe(true);
    expect(p.toArrays().values).toEqual([null, Float32Array.of(100, 101, 102), Float32Array.of(103, 104, 105)]);
    expect((p.value(1) as Float32Array).buffer).not.toBe(batch.buffer); // copied: the batch's buffer is not pinned
    expect(p.status(0)).toEqual({ code: 'BAD_ROW', message: 'bad row' });

    // A row that already has its outcome (first one wins), another dim, another float type, a bad range: refused, nothing set.
    expect(p.setOkRun(0, 2, batch.subarray(0, 2 * dim), dim)).toBe(false);
    const q = new CallResults(2);
    q.setOk(0, Float32Array.of(1, 2));
    expect(q.setOkRun(1, 1, Float32Array.of(1, 2, 3), 3)).toBe(false);
    expect(q.setOkRun(1, 1, Float64Array.of(1, 2), 2)).toBe(false);
    expect(q.setOkRun(1, 2, Float32Array.of(1, 2, 3, 4), 2)).toBe(false);
    expect(q.has(1)).toBe(false);
  });
});
