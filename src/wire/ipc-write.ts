// Writes WireColumns as an Arrow IPC stream (schema, one record batch, end-of-stream) with
// apache-arrow's writer: the columns' typed arrays become apache-arrow Data as they are (no copy,
// no per-row builder), so the only copy is the writer's into the stream.
import { Field, Float32, Float64, List, RecordBatch, Schema, Struct, Table, Utf8, makeData, tableToIPC, type Data } from 'apache-arrow';
import type { WireColumn } from './columns';

const floatType = (c: WireColumn) => (c.type === 'list<float64>' ? new Float64() : new Float32());

function columnField(c: WireColumn): Field {
  // The list child is named "item", as apache-arrow and pyarrow name it.
  return new Field(c.name, c.type === 'utf8' ? new Utf8() : new List(new Field('item', floatType(c), true)), true);
}

function columnData(c: WireColumn, field: Field): Data {
  const nullBitmap = c.nullCount > 0 && c.validity ? c.validity : undefined;
  if (c.type === 'utf8') {
    return makeData({ type: field.type as Utf8, length: c.length, nullCount: c.nullCount, nullBitmap, valueOffsets: c.offsets, data: c.data });
  }
  const type = field.type as List<Float32 | Float64>;
  const n = c.offsets[c.length];
  const child = makeData({ type: type.children[0].type, length: n, nullCount: 0, data: c.values.subarray(0, n) });
  return makeData({ type, length: c.length, nullCount: c.nullCount, nullBitmap, valueOffsets: c.offsets, child });
}

/** The columns (all `rows` long) as a complete IPC stream. */
export function writeIpcStream(columns: WireColumn[], rows: number): Uint8Array {
  for (const c of columns) {
    if (c.length !== rows) throw new RangeError(`column "${c.name}" has ${c.length} rows, the batch ${rows}`);
  }
  const fields = columns.map(columnField);
  const schema = new Schema(fields);
  const data = makeData({ type: new Struct(fields), length: rows, nullCount: 0, children: columns.map((c, j) => columnData(c, fields[j])) });
  return tableToIPC(new Table([new RecordBatch(schema, data)]), 'stream');
}
