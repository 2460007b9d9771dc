// Reads a dropped file with src/io (CSV streamed, Parquet row group by row group) and turns the
// io summary into what the Dataset cell shows.
import type { Table } from 'apache-arrow';
import type { ReadProgress as IoProgress } from '../io/dataset-summary';
import { detectFormat, readDataset as ioReadDataset } from '../io/read-dataset';
import { suggestTextColumn } from '../io/text-column';
import type { ColumnInfo, DatasetInfo, OpenOptions, ReadProgress } from './api';
import { fingerprint } from './fingerprint';

function fail(name: string, message: string): never {
  throw Object.assign(new Error(message), { name });
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

export async function readDataset(file: Blob, name: string, onProgress: (p: ReadProgress) => void, opts: OpenOptions = {}): Promise<{ table: Table; info: DatasetInfo }> {
  const started = Date.now();
  if (file.size === 0) fail('EmptyFileError', `"${name}" is empty (0 bytes). Choose a CSV with a header row and at least one data row, or a Parquet file.`);
  const format = await detectFormat(file, name);
  const read = await ioReadDataset(file, { fileName: name, format, delimiter: opts.delimiter, onProgress: throttled(onProgress, file.size) });
  onProgress({ bytesRead: file.size, totalBytes: file.size, rows: read.table.numRows });
  const { table, summary } = read;
  if (table.numRows === 0) {
    fail('EmptyDatasetError', `"${name}" has columns (${summary.columns.map((c) => c.name).join(', ') || 'none'}) but no data rows. Add at least one row to embed.`);
  }
  const columns: ColumnInfo[] = summary.columns.map((c) => ({ name: c.name, type: c.type, nullCount: c.nullCount, isText: c.kind === 'text' }));
  const text = suggestTextColumn(table) ?? null;
  if (text === null) {
    const list = columns.map((c) => `${c.name} (${c.type}${c.isText ? ', all empty' : ''})`).join(', ');
    fail('NoTextColumnError', `"${name}" has no text column to embed — its columns are ${list}. Add a column of text (in CSV, any column that is not all numbers or booleans).`);
  }
  return {
    table,
    info: {
      fileName: name,
      fileSize: file.size,
      format,
      rows: table.numRows,
      columns,
      defaultTextColumn: text,
      // Another delimiter makes another table: saved chunks must not be shared between them.
      fingerprint: `${await fingerprint(file)}${summary.delimiter ? `|d${summary.delimiter.charCodeAt(0)}` : ''}`,
      parseMs: Date.now() - started,
      delimiter: summary.delimiter,
    },
  };
}
