// Parquet → Arrow Table via parquet-wasm, one row group at a time: each row group is decoded in
// wasm, handed over as Arrow IPC, and freed, so wasm memory holds one row group, not the file.
// The magic bytes are checked in JS first so a truncated or non-Parquet file gets a clear error
// instead of whatever the Rust reader (or a wasm trap) would say.
import { Table, tableFromIPC } from 'apache-arrow';
import type { RecordBatch } from 'apache-arrow';
import { byteSourceName } from './byte-source';
import { summarizeTable, type DatasetReadResult, type ReadProgress } from './dataset-summary';
import { NotParquetError, ParquetReadError, ParquetTruncatedError, ReadAbortedError } from './errors';
import { loadParquetWasm } from './parquet-wasm';

export interface ParquetReadOptions {
  fileName?: string;
  /** Only these columns (default: all). */
  columns?: string[];
  signal?: AbortSignal;
  onProgress?: (progress: ReadProgress) => void;
}

/** Parquet needs random access (its footer is at the end): pass a File/Blob or the bytes. */
export type ParquetSource = Blob | Uint8Array | ArrayBuffer;

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

const hasMagic = (b: Uint8Array, at: number): boolean => MAGIC.every((m, k) => b[at + k] === m);

/** Checks the file's frame (magic at both ends, footer length) without touching wasm. */
export async function checkParquetFrame(blob: Blob, file: string): Promise<void> {
  const size = blob.size;
  if (size === 0) throw new NotParquetError(file, ' (it is empty)');
  const head = new Uint8Array(await blob.slice(0, Math.min(size, 4)).arrayBuffer());
  if (size < 4 || !hasMagic(head, 0)) throw new NotParquetError(file, describeContent(head, size));
  if (size < 12) throw new ParquetTruncatedError(file, `it has only ${size} bytes, less than the smallest possible Parquet file (the file is cut off)`);
  const tail = new Uint8Array(await blob.slice(size - 8, size).arrayBuffer());
  if (!hasMagic(tail, 4)) {
    throw new ParquetTruncatedError(file, `the closing magic bytes "PAR1" are missing at the end of its ${size} bytes (the file is cut off)`);
  }
  const footerLength = new DataView(tail.buffer, tail.byteOffset, 4).getUint32(0, true);
  if (footerLength === 0 || footerLength > size - 12) {
    throw new ParquetTruncatedError(file, `its footer claims ${footerLength} bytes but the file has only ${size}`);
  }
}

function describeContent(head: Uint8Array, size: number): string {
  if (size < 4) return ` (it has only ${size} byte${size === 1 ? '' : 's'})`;
  const printable = Array.from(head).every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 0xc2);
  return printable ? ' (it looks like text — a CSV file?)' : '';
}

function toBlob(source: ParquetSource): Blob {
  if (source instanceof Blob) return source;
  return new Blob([source instanceof Uint8Array ? (source as Uint8Array<ArrayBuffer>) : new Uint8Array(source)]);
}

const describe = (err: unknown): string => {
  if (err instanceof Error) {
    // A Rust panic surfaces as a wasm trap ("unreachable"): say so instead of the bare trap text.
    if (err.name === 'RuntimeError') return `the Parquet decoder crashed (${err.message})`;
    return err.message;
  }
  return String(err);
};

export async function readParquet(source: ParquetSource, options: ParquetReadOptions = {}): Promise<DatasetReadResult> {
  const fileName = options.fileName ?? byteSourceName(source as Blob);
  const blob = toBlob(source);
  await checkParquetFrame(blob, fileName);
  const pq = await loadParquetWasm();
  const { signal, onProgress } = options;

  let file: import('parquet-wasm/esm').ParquetFile | undefined;
  const batches: RecordBatch[] = [];
  let schemaTable: Table | undefined;
  try {
    file = await pq.ParquetFile.fromFile(blob);
    const meta = file.metadata();
    const groups = meta.numRowGroups();
    meta.free();
    let rows = 0;
    for (let g = 0; g < groups; g++) {
      if (signal?.aborted) throw new ReadAbortedError(fileName);
      const wasmTable = await file.read({ rowGroups: [g], columns: options.columns });
      let ipc: Uint8Array;
      try {
        ipc = wasmTable.intoIPCStream();
      } catch (err) {
        wasmTable.free();
        throw err;
      }
      const part = tableFromIPC(ipc);
      schemaTable ??= part;
      batches.push(...part.batches);
      rows += part.numRows;
      onProgress?.({ status: 'reading', bytesRead: Math.round((blob.size * (g + 1)) / groups), totalBytes: blob.size, rows, batches: batches.length });
    }
    if (groups === 0) {
      // No row groups: still return the (empty) schema.
      const wasmTable = await file.read({ columns: options.columns });
      schemaTable = tableFromIPC(wasmTable.intoIPCStream());
    }
  } catch (err) {
    if (err instanceof ReadAbortedError) throw err;
    throw new ParquetReadError(fileName, describe(err), err);
  } finally {
    try {
      file?.free();
    } catch {
      // Freeing after a trap can fail too; nothing more to release.
    }
  }
  const table = new Table(schemaTable!.schema, batches);
  return { table, summary: summarizeTable(table, { fileName, format: 'parquet', bytes: blob.size }) };
}
