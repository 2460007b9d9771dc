// Writes `embed`'s output: every input column, then `embedding` (the result column), then `status`
// only when some rows failed. Streams row groups through src/io's Parquet writer into a temporary
// file that is renamed into place at the end, so a failed or interrupted run never leaves a
// half-written file under the requested name.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { Table, type Vector } from 'apache-arrow';
import { writeParquetChunks } from '../io/parquet-write';

export function outputTable(input: Table, result: Table, failedRows: number): Table {
  const columns: Record<string, Vector> = {};
  for (const f of input.schema.fields) columns[f.name] = input.getChild(f.name) as Vector;
  columns.embedding = result.getChild('result') as Vector;
  if (failedRows > 0) columns.status = result.getChild('status') as Vector;
  // Input batches (CSV chunks / row groups) and result batches have different boundaries; Arrow
  // re-slices the columns into common record batches without copying values.
  return new Table(columns);
}

export async function writeOutput(path: string, table: Table, metadata: Record<string, string>, onRows?: (rows: number) => void): Promise<number> {
  const tmp = `${path}.partial-${process.pid}`;
  const out = createWriteStream(tmp);
  let bytes = 0;
  try {
    for await (const chunk of writeParquetChunks(table, { fileName: path, metadata, onProgress: (p) => onRows?.(p.rowsWritten) })) {
      bytes += chunk.byteLength;
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    await rename(tmp, path);
    return bytes;
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
}
