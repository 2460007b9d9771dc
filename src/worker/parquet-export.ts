// The export: input columns + `embedding` (list<float32>) + `status` when any row failed, in input
// order. src/io writes it row group by row group; each byte part goes to the page as it is made.
import { Field, Float32, List, Table, makeData, makeVector, type Vector } from 'apache-arrow';
import { writeEmbeddingsParquet } from '../io/embedding-output';
import type { ExportInfo } from './api';

export interface ExportInput {
  table: Table;
  /** Row-major [rows, dim]. */
  matrix: Float32Array;
  dim: number;
  /** Per row: null = ok, else the error text. */
  errors: Array<string | null>;
  fileName: string;
}

/** The whole matrix as one list<float32> vector without copying: offsets i·dim, nulls = failed. */
export function embeddingVector(matrix: Float32Array, dim: number, errors: Array<string | null>): Vector {
  const rows = errors.length;
  const valueOffsets = Int32Array.from({ length: rows + 1 }, (_, i) => i * dim);
  const nullBitmap = new Uint8Array(Math.ceil(rows / 8));
  let nulls = 0;
  for (let i = 0; i < rows; i++) {
    if (errors[i]) nulls++;
    else nullBitmap[i >> 3] |= 1 << (i & 7);
  }
  const child = makeData({ type: new Float32(), length: rows * dim, data: matrix.subarray(0, rows * dim) });
  return makeVector(makeData({ type: new List(new Field('item', new Float32(), true)), length: rows, nullCount: nulls, nullBitmap, valueOffsets, child }));
}

export async function exportParquet(input: ExportInput, onPart: (part: Uint8Array) => Promise<void>): Promise<ExportInfo> {
  const rows = input.table.numRows;
  const withStatus = input.errors.some((e) => e);
  const fileName = `${input.fileName.replace(/\.[^.]+$/, '')}.embeddings.parquet`;
  const status = input.errors.map((e) => e ?? 'ok');
  let bytes = 0;
  for await (const part of writeEmbeddingsParquet(input.table, { embeddings: embeddingVector(input.matrix, input.dim, input.errors), status }, { fileName })) {
    bytes += part.byteLength;
    await onPart(part);
  }
  return { fileName, bytes, rows, withStatus };
}
