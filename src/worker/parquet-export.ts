// The export: input columns + `embedding` (list<float32>) + `status` and `error_code` when any row
// has no embedding, in input order. Streamed from storage: each row group's embeddings are read from the
// ChunkStore (through the ResultReader) as the writer asks for it, so the whole result never sits
// in memory; src/io writes the Parquet row group by row group and each byte part goes to the page.
import { Field, Float32, List, Table, Utf8, makeData, makeVector, vectorFromArray, type Vector } from 'apache-arrow';
import { ERROR_CODE_COLUMN } from '../core/assemble';
import { checkOutputNames } from '../io/embedding-output';
import { writeParquetChunks } from '../io/parquet-write';
import type { ExportInfo } from './api';
import type { ResultReader } from './result-reader';

export interface ExportInput {
  table: Table;
  reader: ResultReader;
  /** Rows without an embedding: `status` and `error_code` columns are written when there are any. */
  missingRows: number;
  fileName: string;
  /** Rows per row group (default 10,000). */
  rowGroupRows?: number;
}

/** Rows [0, rows) of a row-major matrix as one list<float32> vector without copying; `ok[i]` = 0 → null. */
function embeddingVector(matrix: Float32Array, dim: number, ok: Uint8Array): Vector {
  const rows = ok.length;
  const valueOffsets = Int32Array.from({ length: rows + 1 }, (_, i) => i * dim);
  const nullBitmap = new Uint8Array(Math.ceil(rows / 8));
  let nulls = 0;
  for (let i = 0; i < rows; i++) {
    if (!ok[i]) nulls++;
    else nullBitmap[i >> 3] |= 1 << (i & 7);
  }
  const child = makeData({ type: new Float32(), length: rows * dim, data: matrix.subarray(0, rows * dim) });
  return makeVector(makeData({ type: new List(new Field('item', new Float32(), true)), length: rows, nullCount: nulls, nullBitmap, valueOffsets, child }));
}

export async function exportParquet(input: ExportInput, onPart: (part: Uint8Array) => Promise<void>): Promise<ExportInfo> {
  const { table, reader } = input;
  const rows = table.numRows;
  const withStatus = input.missingRows > 0;
  const fileName = `${input.fileName.replace(/\.[^.]+$/, '')}.embeddings.parquet`;
  checkOutputNames(table, 'embedding', withStatus ? 'status' : undefined, fileName, withStatus ? ERROR_CODE_COLUMN : undefined);
  const groupRows = Math.max(1, Math.floor(input.rowGroupRows ?? 10_000));
  async function* groups(): AsyncGenerator<Table> {
    for (let start = 0; start < rows; start += groupRows) {
      const end = Math.min(rows, start + groupRows);
      const ok = new Uint8Array(end - start);
      const status: string[] = [];
      const codes: (string | null)[] = [];
      for (let r = start; r < end; r++) {
        const s = reader.status(r);
        ok[r - start] = s === null ? 1 : 0;
        status.push(s ?? 'ok');
        codes.push(s === null ? null : reader.errorCode(r));
      }
      const slice = table.slice(start, end);
      const columns: Record<string, Vector> = {};
      table.schema.fields.forEach((f, i) => (columns[f.name] = slice.getChildAt(i)!));
      columns.embedding = embeddingVector(await reader.range(start, end), reader.dim, ok);
      if (withStatus) {
        columns.status = vectorFromArray(status, new Utf8());
        columns[ERROR_CODE_COLUMN] = vectorFromArray(codes, new Utf8());
      }
      yield new Table(columns);
    }
  }
  let bytes = 0;
  for await (const part of writeParquetChunks(groups(), { fileName, rowGroupRows: groupRows })) {
    bytes += part.byteLength;
    await onPart(part);
  }
  return { fileName, bytes, rows, withStatus };
}
