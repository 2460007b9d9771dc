// Reads the Arrow IPC streams the queue's hot path exchanges — one record batch of utf8 and
// list<float32|float64> columns — into WireColumns that are views of the buffers apache-arrow
// decoded (views of the received bytes, or of apache-arrow's aligned copy of them). Anything else
// (more batches, other types, dictionaries, damaged bytes) returns undefined and the caller reads
// it as an apache-arrow Table, where the general checks word the error.
//
// Order matters: the stream's metadata is checked (ipc-guard) before apache-arrow sizes anything
// from it, and every column's buffers are checked against the values they claim (arrow-data-check)
// before a value is read.
import { Precision, tableFromIPC, Type, type Data, type Float, type List, type Table } from 'apache-arrow';
import { columnDataProblem } from './arrow-data-check';
import type { FloatListColumn, Utf8Column, WireBatch, WireColumn } from './columns';
import { ipcStreamProblem } from './ipc-guard';

/** The validity bitmap a column needs: null when it has no nulls, undefined when the bitmap is missing. */
function validityOf(d: Data): Uint8Array | null | undefined {
  if (d.nullCount === 0) return null;
  const bitmap = d.nullBitmap as Uint8Array | undefined;
  return bitmap && bitmap.length * 8 >= d.length ? bitmap : undefined;
}

function utf8(name: string, d: Data): Utf8Column | undefined {
  const validity = validityOf(d);
  if (validity === undefined) return undefined;
  return { type: 'utf8', name, length: d.length, nullCount: d.nullCount, validity, offsets: d.valueOffsets as Int32Array, data: d.values as Uint8Array };
}

function floatList(name: string, d: Data): FloatListColumn | undefined {
  const child = d.children[0] as Data | undefined;
  // Null floats inside a vector have no JS value here: the general reader handles those.
  if (!child || child.typeId !== Type.Float || child.nullCount !== 0 || child.children.length > 0) return undefined;
  const precision = (child.type as Float).precision;
  if (precision !== Precision.SINGLE && precision !== Precision.DOUBLE) return undefined;
  const validity = validityOf(d);
  if (validity === undefined) return undefined;
  return {
    type: precision === Precision.DOUBLE ? 'list<float64>' : 'list<float32>',
    name,
    length: d.length,
    nullCount: d.nullCount,
    validity,
    offsets: d.valueOffsets as Int32Array,
    values: child.values as Float32Array | Float64Array,
  };
}

function wireColumn(name: string, d: Data): WireColumn | undefined {
  if (d.offset !== 0) return undefined;
  if (d.typeId === Type.Utf8) return utf8(name, d);
  if (d.typeId === Type.List && d.children.length === 1 && (d.type as List).children.length === 1) return floatList(name, d);
  return undefined;
}

/**
 * Decodes a single-batch stream of utf8 / list<float> columns; undefined when the stream is
 * anything else, or cannot be right (the caller then reads it with apache-arrow's Table and its
 * checks, which name the cause).
 */
export function readIpcStream(bytes: Uint8Array): WireBatch | undefined {
  if (bytes.byteLength === 0 || ipcStreamProblem(bytes) !== undefined) return undefined;
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch {
    return undefined;
  }
  if (table.batches.length !== 1 || table.schema.dictionaries.size > 0) return undefined;
  const batch = table.batches[0];
  const fields = table.schema.fields;
  if (fields.length === 0 || batch.data.children.length !== fields.length) return undefined;
  const rows = batch.numRows;
  const columns: WireColumn[] = [];
  for (let j = 0; j < fields.length; j++) {
    const d = batch.data.children[j] as Data;
    if (d.length !== rows) return undefined;
    const column = wireColumn(fields[j].name, d);
    if (!column || columnDataProblem([d]) !== undefined) return undefined;
    columns.push(column);
  }
  return { rows, columns };
}
