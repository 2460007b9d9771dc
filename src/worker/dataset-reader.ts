// Reads a dropped file with src/io (CSV streamed, Parquet row group by row group) and turns the
// io summary into what the Dataset cell shows. Format: Parquet magic bytes win over the name.
import type { Table } from 'apache-arrow';
import { readCsv } from '../io/csv-read';
import { readParquet } from '../io/parquet-read';
import type { DatasetReadResult, ReadProgress as IoProgress } from '../io/dataset-summary';
import type { ColumnInfo, DatasetFormat, DatasetInfo, ReadProgress } from './api';
import { fingerprint } from './fingerprint';
import { defaultTextColumn } from './text-column';

function fail(name: string, message: string): never {
  throw Object.assign(new Error(message), { name });
}

async function detectFormat(file: Blob, name: string): Promise<DatasetFormat> {
  const head = new Uint8Array(await file.slice(0, 4).arrayBuffer());
  if (head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31) return 'parquet';
  if (/\.(parquet|pq)$/i.test(name)) return 'parquet'; // io then says exactly what is wrong with it
  return 'csv';
}

/** Throttles progress to ~20 updates a second: each one crosses the worker boundary. */
function throttled(onProgress: (p: ReadProgress) => void, total: number) {
  let last = 0;
  return (p: IoProgress) => {
    const now = Date.now();
    if (now - last < 50 && p.bytesRead < total) return;
    last = now;
    onProgress({ bytesRead: p.bytesRead, totalBytes: p.totalBytes ?? total, rows: p.rows });
  };
}

export async function readDataset(file: Blob, name: string, onProgress: (p: ReadProgress) => void): Promise<{ table: Table; info: DatasetInfo }> {
  const started = Date.now();
  if (file.size === 0) fail('EmptyFileError', `"${name}" is empty (0 bytes). Choose a CSV with a header row and at least one data row, or a Parquet file.`);
  const format = await detectFormat(file, name);
  const progress = throttled(onProgress, file.size);
  const read: DatasetReadResult = format === 'parquet' ? await readParquet(file, { fileName: name, onProgress: progress }) : await readCsv(file, { fileName: name, onProgress: progress });
  onProgress({ bytesRead: file.size, totalBytes: file.size, rows: read.table.numRows });
  const { table, summary } = read;
  if (table.numRows === 0) {
    fail('EmptyDatasetError', `"${name}" has columns (${summary.columns.map((c) => c.name).join(', ') || 'none'}) but no data rows. Add at least one row to embed.`);
  }
  const columns: ColumnInfo[] = summary.columns.map((c) => ({ name: c.name, type: c.type, nullCount: c.nullCount, isText: c.kind === 'text' }));
  const text = defaultTextColumn(table, columns);
  if (text === null) {
    const list = columns.map((c) => `${c.name} (${c.type})`).join(', ');
    fail('NoTextColumnError', `"${name}" has no text column to embed — its columns are ${list}. Add a column of text (in CSV, any column that is not all numbers or booleans).`);
  }
  return {
    table,
    info: { fileName: name, fileSize: file.size, format, rows: table.numRows, columns, defaultTextColumn: text, fingerprint: await fingerprint(file), parseMs: Date.now() - started },
  };
}
