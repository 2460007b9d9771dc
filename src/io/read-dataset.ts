// One entry point for "open this file": Parquet by magic bytes or extension, JSON Lines by
// extension (.jsonl/.ndjson), else CSV/TSV (delimiter detected unless given).
import { byteSourceName, type ByteSource } from './byte-source';
import { readCsv, type CsvReadOptions } from './csv-read';
import type { DatasetReadResult } from './dataset-summary';
import { readJsonl } from './jsonl-read';
import { readParquet } from './parquet-read';

export type DatasetFormat = 'csv' | 'parquet' | 'jsonl';

export interface ReadDatasetOptions extends CsvReadOptions {
  /** Force a format; default: by extension, then by the "PAR1" magic of Blob/bytes sources. */
  format?: DatasetFormat;
}

async function startsWithPar1(source: ByteSource): Promise<boolean> {
  let head: Uint8Array | undefined;
  if (source instanceof Uint8Array) head = source.subarray(0, 4);
  else if (source instanceof ArrayBuffer) head = new Uint8Array(source, 0, Math.min(4, source.byteLength));
  else if (typeof Blob !== 'undefined' && source instanceof Blob) head = new Uint8Array(await source.slice(0, 4).arrayBuffer());
  return head !== undefined && head.length === 4 && head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31;
}

export async function detectFormat(source: ByteSource, fileName: string): Promise<DatasetFormat> {
  if (/\.parquet$|\.parq$|\.pq$/i.test(fileName)) return 'parquet';
  if (/\.(jsonl|ndjson)$/i.test(fileName)) return 'jsonl';
  if (/\.(csv|tsv|tab|txt)$/i.test(fileName)) return 'csv';
  return (await startsWithPar1(source)) ? 'parquet' : 'csv';
}

/**
 * Reads a CSV/TSV or Parquet dataset into an Arrow Table plus its summary. Parquet needs a
 * Blob/File or bytes (random access); CSV also takes streams.
 */
export async function readDataset(source: ByteSource, options: ReadDatasetOptions = {}): Promise<DatasetReadResult> {
  const fileName = options.fileName ?? byteSourceName(source);
  const format = options.format ?? (await detectFormat(source, fileName));
  if (format === 'parquet') {
    if (!(source instanceof Uint8Array || source instanceof ArrayBuffer || (typeof Blob !== 'undefined' && source instanceof Blob))) {
      throw new TypeError(`Parquet needs random access: pass "${fileName}" as a File/Blob or bytes (in Node: fs.openAsBlob(path)), not a stream.`);
    }
    return readParquet(source, { fileName, signal: options.signal, onProgress: options.onProgress });
  }
  if (format === 'jsonl') return readJsonl(source, { fileName, totalBytes: options.totalBytes, signal: options.signal, onProgress: options.onProgress });
  return readCsv(source, { ...options, fileName });
}
