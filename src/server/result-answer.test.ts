// The answer of an all-ok vector call is written straight from the held packed buffer
// (arrow-io.ts allOkVectorsIpc); it must read back exactly like the general path's answer, which
// core/assemble.ts builds row by row. The general path is reached here by hiding the packed buffer.
import { tableFromIPC, type Table } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { resultIpc } from './arrow-io';
import { CallResults } from './call-results';

/** The same results, but the answer cannot take the packed shortcut. */
class GeneralPath extends CallResults {
  override allOkVectors(): undefined {
    return undefined;
  }
}

function filled<T extends CallResults>(r: T, make: (i: number) => Float32Array | Float64Array): T {
  for (let i = 0; i < r.rows; i++) r.setOk(i, make(i));
  return r;
}

function rowsOf(t: Table): unknown[] {
  return t.toArray().map((row: { result: { toArray(): ArrayLike<number> } | null; status: string; error_code: string | null }) => ({
    result: row.result === null ? null : Array.from(row.result.toArray()),
    status: row.status,
    error_code: row.error_code,
  }));
}

describe('the answer of an all-ok vector call', () => {
  test.each([
    ['float32[]', (i: number) => Float32Array.from({ length: 5 }, (_, d) => i + d / 8)],
    ['float64[]', (i: number) => Float64Array.from({ length: 3 }, (_, d) => i * 1e-9 + d)],
  ] as const)('%s: written from the packed buffer, it reads back like the assembled answer', (type, make) => {
    const rows = 37;
    const fast = filled(new CallResults(rows), make);
    expect(fast.allOkVectors()?.dim).toBe(make(0).length);
    const a = tableFromIPC(resultIpc(fast, type));
    const b = tableFromIPC(resultIpc(filled(new GeneralPath(rows), make), type));
    expect(a.schema.fields.map((f) => [f.name, String(f.type)])).toEqual(b.schema.fields.map((f) => [f.name, String(f.type)]));
    expect(rowsOf(a)).toEqual(rowsOf(b));
    expect(rowsOf(a)[rows - 1]).toEqual({ result: Array.from(make(rows - 1)), status: 'ok', error_code: null });
    expect(a.getChild('error_code')!.nullCount).toBe(rows);
  });

  test('any failed, null or pending row, or another declared float type, takes the general path', () => {
    const failed = new CallResults(3);
    failed.setOk(0, new Float32Array([0]));
    failed.setFailed(1, { code: 'ROW_ERROR', message: 'x' });
    failed.setOk(2, new Float32Array([2]));
    expect(failed.allOkVectors()).toBeUndefined();
    const pending = new CallResults(2);
    pending.setOk(0, new Float32Array([1]));
    expect(pending.allOkVectors()).toBeUndefined();
    const nullRow = new CallResults(2);
    nullRow.setOk(0, new Float32Array([1]));
    nullRow.setOk(1, null);
    expect(nullRow.allOkVectors()).toBeUndefined();
    // Float64 vectors declared float32[]: the general path converts them.
    const wide = filled(new CallResults(2), (i) => new Float64Array([i + 0.5, 2]));
    const t = tableFromIPC(resultIpc(wide, 'float32[]'));
    expect(String(t.schema.fields[0].type)).toBe(String(tableFromIPC(resultIpc(filled(new CallResults(1), () => new Float32Array([1])), 'float32[]')).schema.fields[0].type));
    expect(rowsOf(t)).toEqual([{ result: [0.5, 2], status: 'ok', error_code: null }, { result: [1.5, 2], status: 'ok', error_code: null }]);
  });
});
