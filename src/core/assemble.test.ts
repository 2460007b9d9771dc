import {
  Bool, Field, FixedSizeList, Float16, Float32, Float64, Int32, Int64, List, Utf8, tableFromIPC, tableToIPC,
  type DataType, type Table,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assembleTable, emptyResultTable } from './assemble';
import { InvalidOptionError } from './errors';
import { SUPPORTED_OUTPUT_TYPES, outputKind, valueProblem } from './output-type';
import type { BatchOutput } from './types';

const f32 = () => new Field('item', new Float32(), true);
const listF32 = new List(f32());

/** Reads a column back through an IPC round trip, which validates buffers, offsets and bitmaps. */
function viaIpc(t: Table): Table {
  return tableFromIPC(tableToIPC(t));
}

function column(t: Table, name: string): unknown[] {
  const v = t.getChild(name);
  return Array.from({ length: t.numRows }, (_, i) => {
    const x = v?.get(i);
    return x !== null && typeof x === 'object' ? Array.from(x as Iterable<number>) : x;
  });
}

describe('assembleTable', () => {
  it.each<[string, DataType, BatchOutput<unknown>[], unknown[]]>([
    ['Float32', new Float32(), [{ values: [1.5, null, 3] }], [1.5, null, 3]],
    ['Float64', new Float64(), [{ values: [0.1, 2] }, { values: [3] }], [0.1, 2, 3]],
    ['Int32', new Int32(), [{ values: [-7, 2 ** 31 - 1, null] }], [-7, 2 ** 31 - 1, null]],
    ['Utf8', new Utf8(), [{ values: ['a', 'ünï', '', null, '😀'] }], ['a', 'ünï', '', null, '😀']],
    ['Bool', new Bool(), [{ values: [true, false, null, true] }], [true, false, null, true]],
    [
      'List<Float32>',
      listF32,
      [{ values: [Float32Array.of(1, 2), [3], null, new Float64Array([4, 5, 6]), []] }],
      [[1, 2], [3], null, [4, 5, 6], []],
    ],
    ['List<Float64>', new List(new Field('item', new Float64(), true)), [{ values: [[0.1], null] }], [[0.1], null]],
    [
      'FixedSizeList<Float32>',
      new FixedSizeList(2, f32()),
      [{ values: [Float32Array.of(1, 2), null] }, { values: [[3, 4]] }],
      [[1, 2], null, [3, 4]],
    ],
  ])('%s: values land in order with ok statuses and nulls', (_name, type, parts, expected) => {
    const t = viaIpc(assembleTable(type, parts));
    expect(t.numRows).toBe(expected.length);
    expect(String(t.schema.fields[0].type)).toBe(String(type));
    const got = column(t, 'result');
    expected.forEach((e, i) => {
      if (typeof e === 'number' && !Number.isInteger(e)) expect(got[i]).toBeCloseTo(e, 5);
      else if (Array.isArray(e)) expect((got[i] as number[]).map((x) => Math.fround(x))).toEqual(e.map((x) => Math.fround(x)));
      else expect(got[i]).toEqual(e);
    });
    expect(column(t, 'status')).toEqual(expected.map(() => 'ok'));
    expect(column(t, 'error_code')).toEqual(expected.map(() => null));
  });

  it('rows with an error get a null result and the error as status', () => {
    const t = viaIpc(
      assembleTable(listF32, [
        { values: [[1], [2]], errors: [null, 'too long'] },
        { values: [[3], [4]], errors: [undefined as unknown as null, { code: 'NULL_TEXT', message: 'no text' }] },
      ]),
    );
    expect(column(t, 'result')).toEqual([[1], null, [3], null]);
    expect(column(t, 'status')).toEqual(['ok', 'too long', 'ok', 'no text']);
    // A plain text's code is ROW_ERROR; a `{ code, message }` keeps its code.
    expect(column(t, 'error_code')).toEqual([null, 'ROW_ERROR', null, 'NULL_TEXT']);
    expect(t.getChild('result')?.nullCount).toBe(2);
  });

  it('groups chunks into record batches of about batchRows without splitting a chunk', () => {
    const parts = Array.from({ length: 5 }, (_, c) => ({ values: [c * 2, c * 2 + 1] }));
    const t = assembleTable(new Int32(), parts, 3);
    expect(t.batches.map((b) => b.numRows)).toEqual([4, 4, 2]);
    expect(column(t, 'result')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('property: any mix of rows, nulls, errors and chunk splits reassembles row for row', () => {
    const row = fc.oneof(
      fc.constant(null),
      fc.array(fc.float({ noNaN: true }), { maxLength: 4 }).map((a) => Float32Array.from(a)),
    );
    const part = fc.array(fc.record({ value: row, error: fc.option(fc.string(), { freq: 3 }) }), { maxLength: 6 });
    fc.assert(
      fc.property(fc.array(part, { maxLength: 6 }), fc.integer({ min: 1, max: 10 }), (spec, batchRows) => {
        const parts = spec.map((p) => ({ values: p.map((r) => r.value), errors: p.map((r) => r.error) }));
        const t = viaIpc(assembleTable(listF32, parts, batchRows));
        const flat = spec.flat();
        expect(t.numRows).toBe(flat.length);
        expect(column(t, 'status')).toEqual(flat.map((r) => r.error ?? 'ok'));
        expect(column(t, 'result')).toEqual(flat.map((r) => (r.error !== null || r.value === null ? null : Array.from(r.value))));
      }),
    );
  });

  it('builds List<Float32> as one contiguous child buffer (no nested JS arrays)', () => {
    const rows = 5000;
    const dim = 512;
    const values = Array.from({ length: rows }, (_, i) => new Float32Array(dim).fill(i));
    const t = assembleTable(listF32, [{ values }], 100_000);
    const data = t.getChild('result')?.data[0];
    const child = data?.children[0].values as Float32Array;
    expect(child).toBeInstanceOf(Float32Array);
    expect(child.length).toBe(rows * dim);
    expect(child[1234 * dim + 17]).toBe(1234);
    expect(Array.from(data?.valueOffsets.subarray(0, 3) ?? [])).toEqual([0, dim, 2 * dim]);
  });

  it("shares a part's floats when its vectors are consecutive views of one buffer (a remote answer), and copies otherwise", () => {
    const dim = 4;
    const rows = 300;
    const floats = Float32Array.from({ length: rows * dim }, (_, k) => k);
    const views = (buf: Float32Array, n: number) => Array.from({ length: n }, (_, i) => buf.subarray(i * dim, (i + 1) * dim));
    const shared = views(floats, rows);
    const t = assembleTable(listF32, [{ values: [Float32Array.of(9, 9, 9, 9)] }, { values: shared }, { values: [Float32Array.of(8, 8, 8, 8)] }], 1000);
    // The shared part is a batch of its own over the same memory; its neighbours are copied.
    expect(t.batches.map((b) => b.numRows)).toEqual([1, rows, 1]);
    const child = t.getChild('result')!.data[1].children[0].values as Float32Array;
    expect(child.buffer).toBe(floats.buffer);
    expect(column(viaIpc(t), 'result')).toEqual([[9, 9, 9, 9], ...shared.map((v) => Array.from(v)), [8, 8, 8, 8]]);

    // A null row and a failed row in between keep it shared: they take no floats (as in an answer).
    const gaps = views(floats, rows - 2);
    const withGaps = [...gaps.slice(0, 5), null, gaps[5], null, ...gaps.slice(6)];
    const errors = withGaps.map((_, i) => (i === 7 ? 'bad row' : null));
    const gapped = assembleTable(listF32, [{ values: withGaps, errors }], 1000);
    expect((gapped.getChild('result')!.data[0].children[0].values as Float32Array).buffer).toBe(floats.buffer);
    expect(column(viaIpc(gapped), 'result')).toEqual(withGaps.map((v) => (v ? Array.from(v) : null)));
    expect(column(gapped, 'status')[7]).toBe('bad row');
    // A failed row that still hands back its view: its floats are not the batch's, so they are copied without it.
    const failedWithValue = assembleTable(listF32, [{ values: shared, errors: shared.map((_, i) => (i === 3 ? 'bad row' : null)) }], 1000);
    expect((failedWithValue.getChild('result')!.data[0].children[0].values as Float32Array).buffer).not.toBe(floats.buffer);
    expect(column(viaIpc(failedWithValue), 'result')).toEqual(shared.map((v, i) => (i === 3 ? null : Array.from(v))));
    // A row whose floats are skipped is not back to back: copied.
    const skipped = assembleTable(listF32, [{ values: [...shared.slice(0, 5), ...shared.slice(6)] }], 1000);
    expect((skipped.getChild('result')!.data[0].children[0].values as Float32Array).buffer).not.toBe(floats.buffer);
    expect(column(viaIpc(skipped), 'result')[5]).toEqual(Array.from(shared[6]));

    // Rows out of order, a few rows of a big buffer, or a short part: copied, with the right values.
    const reversed = [...shared].reverse();
    const few = views(new Float32Array(rows * dim * 4), rows);
    for (const values of [reversed, few, shared.slice(0, 10)]) {
      const copy = assembleTable(listF32, [{ values }], 1000);
      expect((copy.getChild('result')!.data[0].children[0].values as Float32Array).buffer).not.toBe(values[0].buffer);
      expect(column(viaIpc(copy), 'result')).toEqual(values.map((v) => Array.from(v)));
    }
  });

  it('empty input gives an empty table with the result/status/error_code schema', () => {
    for (const t of [assembleTable(listF32, []), emptyResultTable(new FixedSizeList(3, f32()))]) {
      expect(t.numRows).toBe(0);
      expect(t.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
        expect.stringMatching(/^result:(List|FixedSizeList)/),
        'status:Utf8',
        'error_code:Utf8',
      ]);
    }
  });
});

describe('outputKind / valueProblem', () => {
  it.each<[string, unknown]>([
    ['Int64', new Int64()],
    ['Float16', new Float16()],
    ['List<Utf8>', new List(new Field('item', new Utf8()))],
    ['FixedSizeList<Int32>', new FixedSizeList(2, new Field('item', new Int32()))],
    ['a string', 'float32'],
    ['undefined', undefined],
  ])('rejects %s naming outputType and the supported types', (_n, type) => {
    expect(() => outputKind(type as DataType)).toThrow(InvalidOptionError);
    expect(() => outputKind(type as DataType)).toThrow(`allowed: ${SUPPORTED_OUTPUT_TYPES}.`);
    expect(() => outputKind(type as DataType)).toThrow('Invalid option `outputType`');
  });

  it('explains values that do not fit the type', () => {
    const fixed = outputKind(new FixedSizeList(3, f32()));
    expect(valueProblem(fixed, [1, 2])).toBe('result has 2 values, expected 3 (FixedSizeList listSize)');
    expect(valueProblem(fixed, Float32Array.of(1, 2, 3))).toBeNull();
    expect(valueProblem(fixed, 'abc')).toBe('result "abc" is not an array of 3 numbers (FixedSizeList)');
    expect(valueProblem(outputKind(listF32), [1, 'x'])).toBe('result array(2) is not an array of numbers (List)');
    expect(valueProblem(outputKind(listF32), new Int8Array(2))).toBeNull();
    expect(valueProblem(outputKind(listF32), new BigInt64Array(2))).toMatch(/not an array of numbers/);
    expect(valueProblem(outputKind(new Float32()), '1')).toBe('result "1" is not a number');
    expect(valueProblem(outputKind(new Int32()), 1.5)).toBe('result 1.5 is not a 32-bit integer');
    expect(valueProblem(outputKind(new Int32()), 2 ** 31)).toBe('result 2147483648 is not a 32-bit integer');
    expect(valueProblem(outputKind(new Utf8()), 1)).toBe('result 1 is not a string');
    expect(valueProblem(outputKind(new Bool()), 0)).toBe('result 0 is not a boolean');
    expect(valueProblem(outputKind(new Bool()), null)).toBeNull();
  });
});
