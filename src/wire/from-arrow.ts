// apache-arrow Tables → WireColumns, for the client's submit: a chunk of text columns (the usual
// embedding call), possibly sliced and split over several record batches, is re-laid into one
// contiguous utf8 column per field, so it goes out as one record batch (the server's wire reader
// takes single-batch streams). Other column types return undefined (the caller writes those as
// an apache-arrow Table).
import { Type, type Data, type Table } from 'apache-arrow';
import type { Utf8Column, WireColumn } from './columns';

/**
 * One utf8 column from the (possibly sliced, possibly multi-chunk) Data of a Utf8 vector. A sliced
 * Data's valueOffsets are already cut to its rows (index 0..length); its validity bitmap is not
 * (getValid applies the Data's offset).
 */
function utf8FromChunks(name: string, chunks: ReadonlyArray<Data>, rows: number): Utf8Column {
  const only = chunks.length === 1 ? chunks[0] : undefined;
  if (only && only.nullCount === 0 && only.length === rows) {
    // One chunk without nulls (the usual slice chunkedCall hands over): its own offsets and bytes,
    // which writeIpcStream rebases to 0 as it copies them into the stream — no copy here.
    return { type: 'utf8', name, length: rows, nullCount: 0, validity: null, offsets: (only.valueOffsets as Int32Array).subarray(0, rows + 1), data: only.values as Uint8Array };
  }
  let bytes = 0;
  let nullCount = 0;
  for (const d of chunks) {
    const o = d.valueOffsets as Int32Array;
    bytes += o[d.length] - o[0];
    nullCount += d.nullCount;
  }
  const offsets = new Int32Array(rows + 1);
  const data = new Uint8Array(bytes);
  const validity = nullCount > 0 ? new Uint8Array(Math.ceil(rows / 8)) : null;
  let row = 0;
  let at = 0;
  for (const d of chunks) {
    const o = d.valueOffsets as Int32Array;
    const values = d.values as Uint8Array;
    const first = o[0];
    data.set(values.subarray(first, o[d.length]), at);
    for (let i = 0; i < d.length; i++) {
      offsets[row + 1] = at + o[i + 1] - first;
      if (validity && d.getValid(i)) validity[row >> 3] |= 1 << (row & 7);
      row++;
    }
    at += o[d.length] - first;
  }
  return { type: 'utf8', name, length: rows, nullCount, validity, offsets, data };
}

/** The table's columns as WireColumns when every one is utf8; undefined otherwise. */
export function wireColumnsFromTable(table: Table): WireColumn[] | undefined {
  const out: WireColumn[] = [];
  for (let j = 0; j < table.schema.fields.length; j++) {
    const field = table.schema.fields[j];
    if (field.type.typeId !== Type.Utf8) return undefined;
    const vector = table.getChildAt(j);
    if (!vector) return undefined;
    out.push(utf8FromChunks(field.name, vector.data, table.numRows));
  }
  return out;
}
