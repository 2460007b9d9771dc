// The wire codec (src/wire: apache-arrow behind the stream and column checks) against plain
// apache-arrow, the reference: what writeIpcStream writes apache-arrow reads back exactly; what
// readIpcStream accepts it reads exactly as apache-arrow does, and anything else (other types,
// more batches, damaged bytes) is undefined, never wrong data. Then the two ends of a call that use it: the client's call codec and the
// server's body reader / result writer.
import {
  Bool,
  Dictionary,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
  LargeUtf8,
  List,
  RecordBatch,
  Table,
  Type,
  Utf8,
  makeData,
  makeVector,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { Message } from 'apache-arrow/fb/message';
import { Message as ArrowMessage } from 'apache-arrow/ipc/metadata/message';
import type { RecordBatch as BatchHeader } from 'apache-arrow/ipc/metadata/message';
import { MessageHeader, MetadataVersion } from 'apache-arrow/enum';
import { tableFromIPC as flechetteFromIPC } from '@uwdata/flechette';
import { RecordBatch as FbRecordBatch } from 'apache-arrow/fb/record-batch';
import fc from 'fast-check';
import { ByteBuffer } from 'flatbuffers';
import { describe, expect, test } from 'vitest';
import { decodeCallAnswer, encodeCallArgs, isWireBatch } from '../client/call-codec';
import { decodeCallResult } from '../client/remote-batch';
import { extractColumns, readCallBody, readIpc, resultIpc } from '../server/arrow-io';
import { CallResults } from '../server/call-results';
import { validateSpec } from '../protocol/define-function';
import { MalformedIpcError, SchemaMismatchError } from '../server/errors';
import { floatListColumn, utf8Column, utf8Values, listValue, type Utf8Column, type WireBatch, type WireColumn } from './columns';
import { wireColumnsFromTable } from './from-arrow';
import { readIpcStream } from './ipc-read';
import { writeIpcStream } from './ipc-write';

// ---------------------------------------------------------------------------------------------
// Arbitraries

/**
 * Text cells: any graphemes, plus the awkward ones (empty, emoji sequences, NUL, CJK). Not a
 * leading U+FEFF: apache-arrow's utf8 decoding (a default TextDecoder) drops it, so such a string
 * does not survive the reference reader (the wire reader keeps it: see the test of that below).
 */
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }).filter((s) => !s.startsWith('\uFEFF')) },
  { weight: 1, arbitrary: fc.constantFrom('', '😀', '👩‍👩‍👧‍👦', 'naïve café', '中文字符', '\u0000', 'a\u0301', 'mid\uFEFFbom', '🏳️‍🌈x') },
);
const textCell = fc.option(text, { nil: null, freq: 4 });

/** 1..3 distinct column names (unicode allowed) and, for each, `rows` cells from `cell`. */
function columnsOf<T>(cell: fc.Arbitrary<T>, maxRows = 300) {
  return fc.integer({ min: 0, max: maxRows }).chain((rows) =>
    fc.uniqueArray(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 }).chain((names) =>
      fc.record({
        rows: fc.constant(rows),
        names: fc.constant(names),
        cells: fc.array(fc.array(cell, { minLength: rows, maxLength: rows }), { minLength: names.length, maxLength: names.length }),
      }),
    ),
  );
}

const f32Row = fc.oneof(
  { weight: 6, arbitrary: fc.float32Array({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constant(new Float32Array(0)) },
  { weight: 1, arbitrary: fc.constant(null) },
);
const f64Row = fc.oneof(
  { weight: 6, arbitrary: fc.float64Array({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constant(new Float64Array(0)) },
  { weight: 1, arbitrary: fc.constant(null) },
);

// ---------------------------------------------------------------------------------------------
// One plain form for both readers, so a test compares them with one toEqual

interface Plain {
  rows: number;
  names: string[];
  types: string[];
  values: unknown[][];
}

const wireTypeNames: Record<WireColumn['type'], string> = { utf8: 'Utf8', 'list<float32>': 'List<Float32>', 'list<float64>': 'List<Float64>' };

function plainWire(b: WireBatch): Plain {
  return {
    rows: b.rows,
    names: b.columns.map((c) => c.name),
    types: b.columns.map((c) => wireTypeNames[c.type]),
    values: b.columns.map((c) => {
      if (c.type === 'utf8') return utf8Values(c);
      return Array.from({ length: c.length }, (_, i) => {
        const v = listValue(c, i);
        return v === null ? null : Array.from(v);
      });
    }),
  };
}

/** The header of each of the first two messages of a stream (what a damaged stream still parses as). */
function headers(bytes: Uint8Array): { metaLength: number; metaStart: number; message: Message }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: { metaLength: number; metaStart: number; message: Message }[] = [];
  let at = 0;
  for (let k = 0; k < 2; k++) {
    const metaLength = view.getInt32(at + 4, true);
    const message = Message.getRootAsMessage(new ByteBuffer(bytes.subarray(at + 8, at + 8 + metaLength)));
    out.push({ metaLength, metaStart: at + 8, message });
    at += 8 + metaLength + Number(message.bodyLength());
  }
  return out;
}

function plainCell(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object' && typeof (v as Vector).toArray === 'function') return Array.from((v as Vector).toArray() as ArrayLike<number>);
  return v;
}

function plainTable(t: Table): Plain {
  return {
    rows: t.numRows,
    names: t.schema.fields.map((f) => f.name),
    // The vectors' types: with two fields of one name (a damaged stream can have that),
    // apache-arrow's schema.fields report the type of the last one for both.
    types: t.schema.fields.map((_, j) => String((t.getChildAt(j) as Vector).type)),
    values: t.schema.fields.map((_, j) => {
      const vec = t.getChildAt(j) as Vector;
      return Array.from({ length: t.numRows }, (_, i) => plainCell(vec.get(i)));
    }),
  };
}

/** What apache-arrow makes of the bytes, or 'throws' when it cannot read them. */
function arrowReading(bytes: Uint8Array): Plain | 'throws' {
  try {
    return plainTable(tableFromIPC(bytes));
  } catch {
    return 'throws';
  }
}

/**
 * The wire reader's contract on any bytes: undefined, or exactly what apache-arrow reads. (A
 * flipped metadata-vector length that would make apache-arrow walk millions of entries is refused
 * by the stream check before apache-arrow runs, so such bytes need no filtering here.)
 */
function expectUndefinedOrSameAsArrow(bytes: Uint8Array): WireBatch | undefined {
  let decoded: WireBatch | undefined;
  expect(() => (decoded = readIpcStream(bytes))).not.toThrow();
  if (decoded === undefined) return undefined;
  const arrow = arrowReading(bytes);
  expect(arrow, 'readIpcStream returned data for bytes apache-arrow cannot read').not.toBe('throws');
  expect(plainWire(decoded)).toEqual(arrow);
  return decoded;
}

/** The same bytes at an odd byteOffset of a bigger buffer (views of misaligned offsets must still read right). */
function misaligned(bytes: Uint8Array): Uint8Array {
  const buf = new Uint8Array(bytes.byteLength + 3);
  buf.set(bytes, 1);
  return buf.subarray(1, 1 + bytes.byteLength);
}

const f32List = () => new List(new Field('item', new Float32(), true));
const f64List = () => new List(new Field('item', new Float64(), true));

// ---------------------------------------------------------------------------------------------

describe('writeIpcStream', () => {
  test('utf8 columns (unicode, empty strings, nulls, 0..300 rows) read back with apache-arrow and readIpcStream with the same names, values and nulls', () => {
    fc.assert(
      fc.property(columnsOf(textCell), ({ rows, names, cells }) => {
        const bytes = writeIpcStream(names.map((n, j) => utf8Column(n, cells[j])), rows);

        const t = tableFromIPC(bytes);
        expect(t.numRows).toBe(rows);
        expect(t.schema.fields.map((f) => f.name)).toEqual(names);
        for (let j = 0; j < names.length; j++) {
          const field = t.schema.fields[j];
          expect(field.type.typeId).toBe(Type.Utf8);
          const vec = t.getChildAt(j) as Vector;
          expect(Array.from({ length: rows }, (_, i) => vec.get(i) as unknown)).toEqual(cells[j]);
          expect(Array.from({ length: rows }, (_, i) => vec.isValid(i))).toEqual(cells[j].map((c) => c !== null));
          expect(vec.nullCount).toBe(cells[j].filter((c) => c === null).length);
        }

        const decoded = readIpcStream(bytes);
        expect(decoded).toBeDefined();
        expect(decoded?.rows).toBe(rows);
        expect(decoded?.columns.map((c) => [c.name, c.type])).toEqual(names.map((n) => [n, 'utf8']));
        decoded?.columns.forEach((c, j) => {
          expect(c.type === 'utf8' && utf8Values(c)).toEqual(cells[j]);
          expect(c.nullCount).toBe(cells[j].filter((x) => x === null).length);
        });
        expect(plainWire(readIpcStream(misaligned(bytes)) as WireBatch)).toEqual(plainWire(decoded as WireBatch));
      }),
      { numRuns: 200 },
    );
  });

  test('list<float32> and list<float64> columns (empty and null rows) read back with apache-arrow as List<Float32>/List<Float64>, bit for bit', () => {
    for (const [f64, row] of [[false, f32Row], [true, f64Row]] as const) {
      fc.assert(
        fc.property(columnsOf<Float32Array | Float64Array | null>(row, 120), ({ rows, names, cells }) => {
          const notVector: number[] = [];
          const cols = names.map((n, j) => floatListColumn(n, cells[j], f64, (i) => notVector.push(i)));
          expect(notVector).toEqual([]);
          const bytes = writeIpcStream(cols, rows);
          const expected = cells.map((col) => col.map((v) => (v === null ? null : Array.from(v))));

          const t = tableFromIPC(bytes);
          const plain = plainTable(t);
          expect(plain.rows).toBe(rows);
          expect(plain.names).toEqual(names);
          expect(plain.types).toEqual(names.map(() => (f64 ? 'List<Float64>' : 'List<Float32>')));
          expect(plain.values).toEqual(expected);
          t.schema.fields.forEach((_, j) => {
            const vec = t.getChildAt(j) as Vector;
            for (let i = 0; i < rows; i++) {
              const cell = vec.get(i) as Vector | null;
              if (cell) expect(cell.toArray()).toBeInstanceOf(f64 ? Float64Array : Float32Array);
            }
          });

          const decoded = readIpcStream(bytes);
          expect(decoded).toBeDefined();
          expect(plainWire(decoded as WireBatch)).toEqual(plain);
          expect(plainWire(readIpcStream(misaligned(bytes)) as WireBatch)).toEqual(plain);
        }),
        { numRuns: 150 },
      );
    }
  });

  test('a row that is not a vector becomes null and is reported with its index; null and undefined rows are null without a report', () => {
    const notVector = fc.constantFrom<unknown>('a string', 42, { v: [1] }, true);
    const row = fc.oneof(
      { weight: 3, arbitrary: fc.float32Array({ maxLength: 8 }) as fc.Arbitrary<unknown> },
      { weight: 1, arbitrary: fc.array(fc.float({ noNaN: true }), { maxLength: 8 }) as fc.Arbitrary<unknown> },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(null, undefined) },
      { weight: 1, arbitrary: notVector },
    );
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), fc.boolean(), (rows, f64) => {
        const reported: Array<[number, unknown]> = [];
        const col = floatListColumn('v', rows, f64, (i, got) => reported.push([i, got]));
        const isVector = (v: unknown) => ArrayBuffer.isView(v) || Array.isArray(v);
        const expectedReports = rows.flatMap((v, i) => (v !== null && v !== undefined && !isVector(v) ? [[i, v] as [number, unknown]] : []));
        expect(reported).toEqual(expectedReports);
        expect(col.nullCount).toBe(rows.filter((v) => !isVector(v)).length);

        const round = f64 ? (x: number) => x : Math.fround;
        const expected = rows.map((v) => (isVector(v) ? Array.from(v as ArrayLike<number>, round) : null));
        const plain = plainTable(tableFromIPC(writeIpcStream([col], rows.length)));
        expect(plain.values).toEqual([expected]);
      }),
      { numRuns: 200 },
    );
  });

  test('ASCII-only utf8 columns (encoded in one piece) and mixed ones read back exactly, nulls and empty strings in place', () => {
    const ascii = fc.option(fc.string({ unit: 'binary-ascii', maxLength: 20 }), { nil: null, freq: 5 });
    const mixed = fc.oneof(ascii, textCell);
    for (const cell of [ascii, mixed]) {
      fc.assert(
        fc.property(fc.array(cell, { maxLength: 80 }), (cells) => {
          const col = utf8Column('s', cells);
          expect(utf8Values(col)).toEqual(cells);
          expect(Array.from(tableFromIPC(writeIpcStream([col], cells.length)).getChild('s') ?? [])).toEqual(cells);
        }),
        { numRuns: 150 },
      );
    }
  });

  test('vectors that lie end to end in one buffer (a batch as the worker pool returns it) become the column without a copy; any other layout is copied', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 16 }), fc.boolean(), fc.integer({ min: 0, max: 3 }), (rows, dim, f64, lead) => {
        const fill = (_: unknown, k: number) => k / 8;
        const length = (rows + lead) * dim;
        const backing: Float32Array | Float64Array = f64 ? Float64Array.from({ length }, fill) : Float32Array.from({ length }, fill);
        const views = Array.from({ length: rows }, (_, i) => backing.subarray((lead + i) * dim, (lead + i + 1) * dim));
        const expected = views.map((v) => Array.from(v));
        const col = floatListColumn('v', views, f64);
        expect(col.values.buffer).toBe(backing.buffer);
        expect(plainTable(tableFromIPC(writeIpcStream([col], rows))).values).toEqual([expected]);

        // Out of order, or with a gap: copied, still the right rows.
        const shuffled = [...views].reverse();
        const copied = floatListColumn('v', shuffled, f64);
        if (rows > 1) expect(copied.values.buffer).not.toBe(backing.buffer);
        expect(plainTable(tableFromIPC(writeIpcStream([copied], rows))).values).toEqual([[...expected].reverse()]);
        const gapped = views.map((v, i) => (i === 0 && rows > 1 ? backing.subarray(0, dim) : v));
        if (lead > 0 && rows > 1) expect(floatListColumn('v', gapped, f64).values.buffer).not.toBe(backing.buffer);
      }),
      { numRuns: 150 },
    );
  });

  test('the record batch metadata (apache-arrow\'s flatbuffer tables in one reused Builder) reads as a V5 RecordBatch message with its body, every int64 8-byte aligned, stream after stream, and an independent reader (flechette) reads the values', () => {
    fc.assert(
      fc.property(columnsOf(textCell, 40), ({ rows, names, cells }) => {
        // Text columns and (every other one) vector columns of as many floats as the text's length.
        const vectors = cells.map((col, j) => (j % 2 ? col.map((c) => (c === null ? null : Float32Array.from(c, (_, k) => k + 0.5))) : col));
        const cols = names.map((n, j) => (j % 2 ? floatListColumn(n, vectors[j], false) : utf8Column(n, cells[j])));
        const bytes = writeIpcStream(cols, rows);
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const batchAt = 8 + view.getInt32(4, true);
        const metaLength = view.getInt32(batchAt + 4, true);
        const meta = bytes.subarray(batchAt + 8, batchAt + 8 + metaLength);
        const message = ArrowMessage.decode(meta);
        expect([message.version, message.headerType]).toEqual([MetadataVersion.V5, MessageHeader.RecordBatch]);
        // The body runs from the metadata's end to the end-of-stream marker.
        expect(message.bodyLength).toBe(bytes.byteLength - (batchAt + 8 + metaLength) - 8);
        const header = message.header() as BatchHeader;
        expect(header.length).toBe(rows);
        expect(header.compression).toBeNull();
        expect(header.nodes.length).toBe(names.length + Math.floor(names.length / 2));
        for (const b of header.buffers) expect(b.offset % 8 === 0 && b.offset + b.length <= message.bodyLength).toBe(true);
        // Where flatbuffers readers find the fields: int64s and struct vectors at 8-aligned positions.
        const fb = Message.getRootAsMessage(new ByteBuffer(meta)).header(new FbRecordBatch()) as FbRecordBatch;
        const bb = fb.bb as ByteBuffer;
        expect([(fb.bb_pos + bb.__offset(fb.bb_pos, 4)) % 8, bb.__vector(fb.bb_pos + bb.__offset(fb.bb_pos, 6)) % 8, bb.__vector(fb.bb_pos + bb.__offset(fb.bb_pos, 8)) % 8]).toEqual([0, 0, 0]);
        const f = flechetteFromIPC(bytes, { useProxy: false });
        expect(f.numRows).toBe(rows);
        expect(f.schema.fields.map((x) => x.name)).toEqual(names);
        names.forEach((_, j) => {
          const got = Array.from({ length: rows }, (_, i) => f.getChildAt(j)?.at(i) as unknown);
          expect(got.map((v) => (v instanceof Float32Array ? Array.from(v) : v))).toEqual(vectors[j].map((v) => (v instanceof Float32Array ? Array.from(v) : v)));
        });
      }),
      { numRuns: 150 },
    );
  });

  test('a column whose length is not the batch row count is refused', () => {
    expect(() => writeIpcStream([utf8Column('a', ['x', 'y'])], 3)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------

/** An apache-arrow table of utf8 and List<Float32|Float64> columns from random cells. */
const arrowTable = fc
  .integer({ min: 1, max: 80 })
  .chain((rows) =>
    fc.record({
      rows: fc.constant(rows),
      kinds: fc.array(fc.constantFrom('utf8', 'f32', 'f64'), { minLength: 1, maxLength: 3 }),
    }),
  )
  .chain(({ rows, kinds }) =>
    fc.tuple(
      ...kinds.map((kind) =>
        fc.array(kind === 'utf8' ? (textCell as fc.Arbitrary<unknown>) : kind === 'f32' ? f32Row : f64Row, { minLength: rows, maxLength: rows }).map((cells) => ({ kind, cells })),
      ),
    ),
  )
  .map((cols) => {
    const children: Record<string, Vector> = {};
    cols.forEach(({ kind, cells }, j) => {
      const type: DataType = kind === 'utf8' ? new Utf8() : kind === 'f32' ? f32List() : f64List();
      const values = kind === 'utf8' ? cells : (cells as Array<Float32Array | Float64Array | null>).map((v) => (v === null ? null : Array.from(v)));
      children[`c${j}_${kind}`] = vectorFromArray(values as never[], type);
    });
    return new Table(children);
  });

describe('readIpcStream', () => {
  test('reads streams apache-arrow writes (utf8, List<Float32>, List<Float64>) exactly as apache-arrow reads them', () => {
    fc.assert(
      fc.property(arrowTable, (t) => {
        const bytes = tableToIPC(t, 'stream');
        const decoded = readIpcStream(bytes);
        expect(decoded).toBeDefined();
        const reference = plainTable(tableFromIPC(bytes));
        expect(plainWire(decoded as WireBatch)).toEqual(reference);
        expect(reference).toEqual(plainTable(t));
        expect(plainWire(readIpcStream(misaligned(bytes)) as WireBatch)).toEqual(reference);
      }),
      { numRuns: 200 },
    );
  });

  test('reads a List<Float32> built with makeData (offsets, a null row, an empty row) like apache-arrow', () => {
    const values = makeData({ type: new Float32(), length: 5, data: Float32Array.from([1.5, -0, Number.NaN, 3e38, 1e-45]) });
    const list = makeData({
      type: f32List(),
      length: 4,
      nullCount: 1,
      nullBitmap: Uint8Array.from([0b1011]),
      valueOffsets: Int32Array.from([0, 2, 2, 2, 5]),
      child: values,
    });
    const bytes = tableToIPC(new Table({ v: vectorFromArray(['a', 'bb', null, ''], new Utf8()), w: makeVector(list) }), 'stream');
    const decoded = expectUndefinedOrSameAsArrow(bytes);
    expect(decoded).toBeDefined();
    expect(plainWire(decoded as WireBatch).values[1]).toEqual([[1.5, -0], [], null, [Number.NaN, Math.fround(3e38), Math.fround(1e-45)]]);
  });

  test.each<[string, () => Table]>([
    ['Int32', () => new Table({ a: vectorFromArray([1, 2, null], new Int32()) })],
    ['Float64 scalars', () => new Table({ a: vectorFromArray([1.5, null], new Float64()) })],
    ['Bool', () => new Table({ a: vectorFromArray([true, false, null], new Bool()) })],
    ['dictionary-encoded utf8', () => new Table({ a: vectorFromArray(['x', 'y', 'x', null], new Dictionary(new Utf8(), new Int32())) })],
    ['LargeUtf8', () => new Table({ a: vectorFromArray(['x', 'yy', null], new LargeUtf8()) })],
    ['FixedSizeList<Float32>', () => new Table({ a: vectorFromArray([[1, 2], [3, 4], null], new FixedSizeList(2, new Field('item', new Float32(), true))) })],
    ['List<Int32>', () => new Table({ a: vectorFromArray([[1, 2], [3]], new List(new Field('item', new Int32(), true))) })],
    ['List<Float32> with a null float inside a vector', () => new Table({ a: vectorFromArray([[1, null, 2], [3]], f32List()) })],
    ['a utf8 column next to an Int32 column', () => new Table({ s: vectorFromArray(['a', 'b'], new Utf8()), n: vectorFromArray([1, 2], new Int32()) })],
  ])('returns undefined for a stream of %s (the caller falls back to apache-arrow)', (_, make) => {
    const bytes = tableToIPC(make(), 'stream');
    expect(tableFromIPC(bytes).numRows).toBeGreaterThan(0); // apache-arrow reads it: a fallback exists
    expect(readIpcStream(bytes)).toBeUndefined();
  });

  test('returns undefined for a stream of two record batches (apache-arrow reads both)', () => {
    const b1 = new Table({ s: vectorFromArray(['a', 'b'], new Utf8()) }).batches[0];
    const b2 = new Table({ s: vectorFromArray(['c', null, 'e'], new Utf8()) }).batches[0];
    const bytes = tableToIPC(new Table([b1, b2]), 'stream');
    expect(plainTable(tableFromIPC(bytes)).values).toEqual([['a', 'b', 'c', null, 'e']]);
    expect(readIpcStream(bytes)).toBeUndefined();
  });

  test('returns undefined for empty bytes, the IPC file format and a schema-only stream', () => {
    expect(readIpcStream(new Uint8Array(0))).toBeUndefined();
    const t = new Table({ s: vectorFromArray(['a', 'b'], new Utf8()) });
    expectUndefinedOrSameAsArrow(tableToIPC(t, 'file'));
    expectUndefinedOrSameAsArrow(tableToIPC(t.slice(0, 0), 'stream'));
    // Schema message, then end of stream: no record batch at all.
    const full = tableToIPC(t, 'stream');
    const schemaLength = 8 + new DataView(full.buffer, full.byteOffset).getInt32(4, true);
    const schemaOnly = new Uint8Array(schemaLength + 8);
    schemaOnly.set(full.subarray(0, schemaLength));
    schemaOnly.set([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0], schemaLength);
    expect(tableFromIPC(schemaOnly).schema.fields.map((f) => f.name)).toEqual(['s']);
    expect(readIpcStream(schemaOnly)).toBeUndefined();
  });

  test('a string that starts with U+FEFF keeps it (apache-arrow\'s default TextDecoder drops it; the model must see the text as sent)', () => {
    const bytes = writeIpcStream([utf8Column('s', ['\uFEFFa', 'b\uFEFF', '\uFEFF'])], 3);
    expect(utf8Values(readIpcStream(bytes)!.columns[0] as Utf8Column)).toEqual(['\uFEFFa', 'b\uFEFF', '\uFEFF']);
  });

  test('damage the wire reader refuses instead of misreading: a pre-V4 batch message, a misaligned buffer', () => {
    const text = writeIpcStream([utf8Column('s', ['hello', null, 'world'])], 3);
    const [, batch] = headers(text);
    const old = text.slice();
    // The batch message's version field: rewrite V5 (4) as V3 (2) wherever the batch metadata holds it.
    const at = batch.metaStart + batch.message.bb!.__offset(batch.message.bb_pos, 4) + batch.message.bb_pos;
    expect(old[at]).toBe(4);
    old[at] = 2;
    expect(readIpcStream(old)).toBeUndefined();

    const vec = writeIpcStream([floatListColumn('v', [new Float32Array([1, 2])], false), utf8Column('s', ['x'])], 1);
    const [, vb] = headers(vec);
    const rb = vb.message.header(new FbRecordBatch()) as FbRecordBatch;
    const valuesBuffer = rb.buffers(3)!; // validity, offsets, child validity, child values
    const offsetAt = vb.metaStart + valuesBuffer.bb_pos;
    const moved = vec.slice();
    new DataView(moved.buffer).setBigInt64(offsetAt, valuesBuffer.offset() + 1n, true);
    expect(readIpcStream(moved)).toBeUndefined();
  });

  /** Small valid streams from both writers, to damage. */
  const validStream = fc.oneof(
    arrowTable.map((t) => tableToIPC(t, 'stream')),
    columnsOf(textCell, 12).map(({ rows, names, cells }) => writeIpcStream(names.map((n, j) => utf8Column(n, cells[j])), rows)),
    columnsOf(f32Row, 12).map(({ rows, names, cells }) => writeIpcStream(names.map((n, j) => floatListColumn(n, cells[j], false)), rows)),
  );

  test('a stream cut at any byte reads as undefined or exactly as apache-arrow reads the same bytes', () => {
    fc.assert(
      fc.property(validStream, (bytes) => {
        for (let cut = 0; cut < bytes.byteLength; cut++) expectUndefinedOrSameAsArrow(bytes.slice(0, cut));
      }),
      { numRuns: 40 },
    );
  });

  test('a stream with flipped bytes reads as undefined or exactly as apache-arrow reads the same bytes', () => {
    const flips = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(validStream, flips, (valid, edits) => {
        const bytes = valid.slice();
        for (const [at, xor] of edits) bytes[at % bytes.byteLength] ^= xor;
        expectUndefinedOrSameAsArrow(bytes);
      }),
      { numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------

/** Cells split into record batches at `cuts`, then the table sliced to [from, to). */
const slicedTextTable = fc
  .integer({ min: 0, max: 200 })
  .chain((rows) =>
    fc.record({
      // Prefixed: an integer-like key ("0") would be reordered by the object the Table is built from.
      names: fc.uniqueArray(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 3 }).map((ns) => ns.map((n) => `c${n}`)),
      rows: fc.constant(rows),
      cuts: fc.uniqueArray(fc.integer({ min: 0, max: rows }), { maxLength: 4 }).map((c) => c.sort((a, b) => a - b)),
      bounds: fc.tuple(fc.integer({ min: 0, max: rows }), fc.integer({ min: 0, max: rows })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const),
    }),
  )
  .chain(({ names, rows, cuts, bounds }) =>
    fc.record({
      names: fc.constant(names),
      cuts: fc.constant(cuts),
      bounds: fc.constant(bounds),
      cells: fc.array(fc.array(textCell, { minLength: rows, maxLength: rows }), { minLength: names.length, maxLength: names.length }),
    }),
  );

function batchedTable(names: string[], cells: (string | null)[][], cuts: number[]): Table {
  const rows = cells[0].length;
  const edges = [0, ...cuts, rows];
  const batches: RecordBatch[] = [];
  for (let k = 0; k + 1 < edges.length; k++) {
    const part = Object.fromEntries(names.map((n, j) => [n, vectorFromArray(cells[j].slice(edges[k], edges[k + 1]), new Utf8())]));
    batches.push(...new Table(part).batches);
  }
  return new Table(batches);
}

describe('wireColumnsFromTable', () => {
  test('a multi-batch utf8 table sliced at any bounds is written with exactly its rows and nulls', () => {
    fc.assert(
      fc.property(slicedTextTable, ({ names, cells, cuts, bounds: [from, to] }) => {
        const whole = batchedTable(names, cells, cuts);
        const t = whole.slice(from, to);
        const expected = cells.map((col) => col.slice(from, to));
        expect(plainTable(t).values).toEqual(expected); // the fixture is what it claims

        const wire = wireColumnsFromTable(t);
        expect(wire).toBeDefined();
        const bytes = writeIpcStream(wire as WireColumn[], t.numRows);
        const back = plainTable(tableFromIPC(bytes));
        expect(back.rows).toBe(to - from);
        expect(back.names).toEqual(names);
        expect(back.values).toEqual(expected);
        expect(plainWire(readIpcStream(bytes) as WireBatch).values).toEqual(expected);
        (wire as WireColumn[]).forEach((c, j) => expect(c.nullCount).toBe(expected[j].filter((v) => v === null).length));
      }),
      { numRuns: 200 },
    );
  });

  test('returns undefined for a table with a column that is not utf8', () => {
    expect(wireColumnsFromTable(new Table({ s: vectorFromArray(['a'], new Utf8()), n: vectorFromArray([1], new Int32()) }))).toBeUndefined();
    expect(wireColumnsFromTable(new Table({ s: vectorFromArray(['a'], new LargeUtf8()) }))).toBeUndefined();
    expect(wireColumnsFromTable(new Table({ v: vectorFromArray([[1]], f32List()) }))).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------

const specOf = (args: Record<string, string>) => validateSpec({ name: 'fn', args }, { hasHandler: true });

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('call codec ↔ server body reader', () => {
  test('a text chunk (multi-batch, sliced) sent by the client reaches the server as the same strings, as wire columns (not an apache-arrow Table)', () => {
    const spec = specOf({ text: 'string[]' });
    fc.assert(
      fc.property(slicedTextTable, ({ cells, cuts, bounds: [from, to] }) => {
        const t = batchedTable(['text'], [cells[0]], cuts).slice(from, to);
        const bytes = encodeCallArgs(t);
        const input = readCallBody(bytes);
        if (to > from) expect('columns' in input).toBe(true);
        const expected = [cells[0].slice(from, to)];
        expect(extractColumns(spec, input)).toEqual(expected);
        expect(extractColumns(spec, readIpc(bytes))).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  test('a chunk of other column types goes through apache-arrow and arrives unchanged', () => {
    const spec = specOf({ a: 'number[]', b: 'number[]' });
    const t = new Table({ a: vectorFromArray([1, 2, 3], new Float64()), b: vectorFromArray([4, null, 6], new Int32()) });
    const bytes = encodeCallArgs(t);
    const input = readCallBody(bytes);
    expect('columns' in input).toBe(false);
    expect(extractColumns(spec, input)).toEqual([[1, 2, 3], [4, null, 6]]);
  });

  test('vector results with statuses come back as the same Float32Array/Float64Array values, with `{ code, message }` errors where the status is not ok', () => {
    const status = fc.constantFrom<string | null>('ok', 'ok', 'ok', null, 'handler failed: boom');
    const cell = fc.oneof(
      { weight: 5, arbitrary: fc.float32Array({ maxLength: 12 }) as fc.Arbitrary<unknown> },
      { weight: 1, arbitrary: fc.constant<unknown>(null) },
      { weight: 1, arbitrary: fc.constant<unknown>('not a vector') },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, status), { maxLength: 50 }), fc.boolean(), (rowsIn, f64) => {
        const values = rowsIn.map(([v]) => (f64 && v instanceof Float32Array ? Float64Array.from(v) : v));
        const statuses = rowsIn.map(([, s]) => s);
        const results = new CallResults(values.length);
        statuses.forEach((s, i) => (s === 'ok' ? results.setOk(i, values[i]) : s !== null && results.setFailed(i, { code: 'HANDLER', message: s })));
        const bytes = resultIpc(results, f64 ? 'float64[]' : 'float32[]');
        const answer = decodeCallAnswer(bytes);
        expect(isWireBatch(answer)).toBe(true);
        const out = decodeCallResult<Float32Array | Float64Array>(answer, values.length, 'test');
        const viaArrow = decodeCallResult<Float32Array | Float64Array>(tableFromIPC(bytes), values.length, 'test');

        const finalStatus = statuses.map((s, i) => {
          if (s === null) return { code: 'PENDING', message: 'pending' };
          if (s === 'ok' && typeof values[i] === 'string') return { code: 'OUTPUT_TYPE', message: 'result "not a vector" is not an array of numbers (List)' };
          return s === 'ok' ? s : { code: 'HANDLER', message: s };
        });
        const expectedErrors = finalStatus.map((s) => (s === 'ok' ? null : s));
        const anyError = expectedErrors.some((e) => e !== null);
        expect(out.errors).toEqual(anyError ? expectedErrors : undefined);
        for (let i = 0; i < values.length; i++) {
          const got = out.values[i];
          if (finalStatus[i] !== 'ok' || values[i] === null) {
            expect(got).toBeNull();
            continue;
          }
          expect(got).toBeInstanceOf(f64 ? Float64Array : Float32Array);
          expect(Array.from(got as Float32Array)).toEqual(Array.from(values[i] as Float32Array));
        }
        // The apache-arrow reading of the same bytes agrees row for row.
        expect(viaArrow.errors).toEqual(out.errors);
        expect(viaArrow.values.map((v) => (v === null ? null : Array.from(v)))).toEqual(out.values.map((v) => (v === null ? null : Array.from(v))));
      }),
      { numRuns: 200 },
    );
  });

  test('all-ok vector answers of different sizes and widths, in turn, each read back exactly (the columns they share are kept per shape)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 9 })), { minLength: 1, maxLength: 8 }), (shapes) => {
        for (const [rows, dim] of [...shapes, ...shapes]) {
          const results = new CallResults(rows);
          for (let i = 0; i < rows; i++) results.setOk(i, Float32Array.from({ length: dim }, (_, d) => i * 10 + d));
          const bytes = resultIpc(results, 'float32[]');
          const out = decodeCallResult<Float32Array>(decodeCallAnswer(bytes), rows, 'test');
          expect(out.errors).toBeUndefined();
          expect(out.values.map((v) => Array.from(v as Float32Array))).toEqual(Array.from({ length: rows }, (_, i) => Array.from({ length: dim }, (_, d) => i * 10 + d)));
          const t = tableFromIPC(bytes);
          expect([t.getChild('status')?.toArray(), t.getChild('error_code')?.nullCount]).toEqual([Array.from({ length: rows }, () => 'ok'), rows]);
        }
      }),
      { numRuns: 50 },
    );
  });

  const wrong = (cols: WireColumn[], rows: number) => writeIpcStream(cols, rows);
  test.each<[string, Record<string, string>, () => Uint8Array]>([
    ['a missing column', { text: 'string[]', meta: 'json[]' }, () => wrong([utf8Column('text', ['a'])], 1)],
    ['an extra column', { text: 'string[]' }, () => wrong([utf8Column('text', ['a']), utf8Column('other', ['b'])], 1)],
    ['a vector column where text is declared', { text: 'string[]' }, () => wrong([floatListColumn('text', [[1]], false)], 1)],
    ['a text column where vectors are declared', { vec: 'number[][]' }, () => wrong([utf8Column('vec', ['a'])], 1)],
    ['a text column where numbers are declared', { n: 'number[]', b: 'boolean[]' }, () => wrong([utf8Column('n', ['1']), utf8Column('b', ['true'])], 1)],
    ['missing, extra and wrongly typed at once', { text: 'string[]', vec: 'number[][]', meta: 'json[]' }, () => wrong([floatListColumn('text', [[1]], true), utf8Column('vec', ['x']), utf8Column('zzz', ['y'])], 1)],
  ])('%s is a SchemaMismatchError worded exactly as on the apache-arrow path', (_, args, bytesOf) => {
    const spec = specOf(args);
    const bytes = bytesOf();
    const input = readCallBody(bytes);
    expect('columns' in input).toBe(true);
    const decoded = thrown(() => extractColumns(spec, input));
    const arrow = thrown(() => extractColumns(spec, readIpc(bytes)));
    expect(decoded).toBeInstanceOf(SchemaMismatchError);
    expect(arrow).toBeInstanceOf(SchemaMismatchError);
    expect((decoded as Error).message).toBe((arrow as Error).message);
    expect((decoded as SchemaMismatchError).missing).toEqual((arrow as SchemaMismatchError).missing);
    expect((decoded as SchemaMismatchError).extra).toEqual((arrow as SchemaMismatchError).extra);
  });

  test('json[] and number[][] arguments are parsed the same on both paths; a row that is not JSON is named', () => {
    const spec = specOf({ meta: 'json[]', vec: 'number[][]' });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.option(fc.jsonValue(), { nil: null }), fc.option(fc.float64Array({ maxLength: 6 }), { nil: null })), { maxLength: 40 }),
        (rows) => {
          const metaText = rows.map(([m]) => (m === null ? null : JSON.stringify(m)));
          const bytes = writeIpcStream([utf8Column('meta', metaText), floatListColumn('vec', rows.map(([, v]) => v), true)], rows.length);
          const input = readCallBody(bytes);
          expect('columns' in input).toBe(true);
          const expected = [metaText.map((m) => (m === null ? null : (JSON.parse(m) as unknown))), rows.map(([, v]) => (v === null ? null : Array.from(v)))];
          expect(extractColumns(spec, input)).toEqual(expected);
          expect(extractColumns(spec, readIpc(bytes))).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );

    const bad = writeIpcStream([utf8Column('meta', ['{"w":1}', null, '[1,2]', '{oops']), floatListColumn('vec', [[1], [2], [3], [4]], false)], 4);
    const decoded = thrown(() => extractColumns(spec, readCallBody(bad)));
    const arrow = thrown(() => extractColumns(spec, readIpc(bad)));
    expect(decoded).toBeInstanceOf(SchemaMismatchError);
    expect((decoded as Error).message).toContain('column "meta" row 3 is not JSON text');
    expect((decoded as Error).message).toContain('"fn"');
    expect((decoded as Error).message).toBe((arrow as Error).message);
  });

  test('an empty body, bytes that are not IPC, and a stream without columns are MalformedIpcError', () => {
    expect(() => readCallBody(new Uint8Array(0))).toThrow(MalformedIpcError);
    expect(() => readCallBody(undefined)).toThrow(MalformedIpcError);
    expect(() => readCallBody(new TextEncoder().encode('{"text":["a"]}'))).toThrow(MalformedIpcError);
    expect(() => readCallBody(writeIpcStream([], 0))).toThrow(MalformedIpcError);
  });
});
