// Parquet → Arrow Table via parquet-wasm, one row group at a time: each row group is decoded in
// wasm, handed over as Arrow IPC, and freed, so wasm memory holds one row group, not the file.
// The magic bytes are checked in JS first so a truncated or non-Parquet file gets a clear error
// instead of whatever the Rust reader (or a wasm trap) would say.
import { Table, tableFromIPC } from 'apache-arrow';
import type { RecordBatch } from 'apache-arrow';
import { byteSourceName } from './byte-source';
import { summarizeTable, type DatasetReadResult, type ReadProgress } from './dataset-summary';
import { NotParquetError, ParquetReadError, ParquetTruncatedError, ReadAbortedError, UnknownColumnError } from './errors';
import { loadParquetWasm } from './parquet-wasm';
import { guardWasmTraps } from './wasm-trap-guard';
import { parquetMetadata, parquetSchema, type FileMetaData } from 'hyparquet';

export interface ParquetReadOptions {
  fileName?: string;
  /** Only these columns (default: all). */
  columns?: string[];
  signal?: AbortSignal;
  onProgress?: (progress: ReadProgress) => void;
  /** Files up to this size use the panic-safe synchronous decoder (default SYNC_DECODE_LIMIT_BYTES). */
  syncLimitBytes?: number;
  /** Uncompressed bytes decoded per synchronous call (default 128 MiB); a stream wants less. */
  syncCallBytes?: number;
}

/** Parquet needs random access (its footer is at the end): pass a File/Blob or the bytes. */
export type ParquetSource = Blob | Uint8Array | ArrayBuffer;

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

const hasMagic = (b: Uint8Array, at: number): boolean => MAGIC.every((m, k) => b[at + k] === m);

/** Checks the file's frame (magic at both ends, footer length) without touching wasm. */
async function checkParquetFrame(blob: Blob, file: string): Promise<void> {
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
    if (err.name === 'RuntimeError') return `the Parquet decoder crashed on it (${err.message})`;
    return err.message;
  }
  return String(err);
};

/**
 * Files up to this size are decoded with parquet-wasm's synchronous reader: a Rust panic on a
 * corrupt page then surfaces as a catchable exception. The async reader (ParquetFile) runs its
 * work in wasm-bindgen's microtask queue, where a panic is an *uncaught* exception that kills a
 * Node process (fuzzed here: ~1% of randomly corrupted files). Bigger files use the async reader,
 * which reads lazily from the Blob instead of holding the whole file.
 */
export const SYNC_DECODE_LIMIT_BYTES = 512 * 1024 * 1024;
/** Uncompressed bytes decoded per synchronous call (each call copies the file into wasm). */
const SYNC_CALL_BYTES = 128 * 1024 * 1024;

interface FooterInfo {
  groups: { rows: number; bytes: number }[];
  /** Top-level column names. */
  columns: string[];
}

/** Parses and range-checks the footer in JS (hyparquet) so wasm never sees corrupt metadata. */
async function checkFooter(blob: Blob, file: string): Promise<FooterInfo> {
  const size = blob.size;
  const tail = new Uint8Array(await blob.slice(size - 8, size).arrayBuffer());
  const footerLength = new DataView(tail.buffer, tail.byteOffset, 4).getUint32(0, true);
  const footer = await blob.slice(size - 8 - footerLength, size).arrayBuffer();
  let meta: FileMetaData;
  try {
    // geoparquet off: its column marking walks the schema by `i += num_children`, and a negative
    // count (one damaged byte) loops forever (hyparquet 1.31; found by `npm run fuzz -- parquet`).
    // The app reads text and embeddings, never GeoParquet logical types.
    meta = parquetMetadata(footer, { geoparquet: false });
  } catch (err) {
    throw new ParquetReadError(file, `its footer (the file's metadata) is corrupt: ${describe(err)}`, err);
  }
  const dataEnd = size - 8 - footerLength;
  const groups = meta.row_groups.map((g, gi) => {
    for (const c of g.columns) {
      const m = c.meta_data;
      if (!m) continue;
      const start = Number(m.dictionary_page_offset ?? m.data_page_offset);
      const end = start + Number(m.total_compressed_size);
      if (!(start >= 4 && end <= dataEnd && end >= start)) {
        throw new ParquetReadError(file, `row group ${gi}, column ${m.path_in_schema.join('.')} points outside the file (bytes ${start}–${end} of ${dataEnd})`);
      }
    }
    return { rows: Number(g.num_rows), bytes: Number(g.total_byte_size) };
  });
  let columns: string[];
  try {
    columns = parquetSchema(meta).children.map((c) => c.element.name);
  } catch (err) {
    throw new ParquetReadError(file, `its schema is corrupt: ${describe(err)}`, err);
  }
  return { groups, columns };
}

export interface ParquetBatchesInfo {
  /** Rows in the file (from its footer). */
  rows: number;
  /** Top-level column names. */
  columns: string[];
}

/**
 * Opens a Parquet file for streaming: checks its frame and footer, then `batches()` decodes one
 * row group (or one synchronous call's worth) at a time and yields it as a Table, so only that
 * much is in memory. readParquet collects the same tables into one.
 */
export async function openParquetBatches(source: ParquetSource, options: ParquetReadOptions = {}): Promise<ParquetBatchesInfo & { batches(): AsyncGenerator<Table> }> {
  const fileName = options.fileName ?? byteSourceName(source as Blob);
  const blob = toBlob(source);
  await checkParquetFrame(blob, fileName);
  const { groups, columns } = await checkFooter(blob, fileName);
  for (const wanted of options.columns ?? []) {
    if (!columns.includes(wanted)) throw new UnknownColumnError(fileName, wanted, columns);
  }
  return { rows: groups.reduce((a, g) => a + g.rows, 0), columns, batches: () => parquetTables(source, blob, groups, fileName, options) };
}

async function* parquetTables(source: ParquetSource, blob: Blob, groups: FooterInfo['groups'], fileName: string, options: ParquetReadOptions): AsyncGenerator<Table> {
  const pq = await loadParquetWasm();
  const { signal } = options;
  const decode = (wasmTable: import('parquet-wasm/esm').Table): Table => {
    let ipc: Uint8Array;
    try {
      ipc = wasmTable.intoIPCStream();
    } catch (err) {
      wasmTable.free();
      throw err;
    }
    // The synchronous reader ignores `columns` (parquet-wasm 0.8): project here as well.
    const decoded = tableFromIPC(ipc);
    return options.columns ? decoded.select(options.columns) : decoded;
  };
  const batchSize = Math.max(1, ...groups.map((g) => g.rows));

  let file: import('parquet-wasm/esm').ParquetFile | undefined;
  try {
    if (groups.length === 0) {
      // No row groups: still return the (empty) schema.
      const bytes = new Uint8Array(await blob.arrayBuffer());
      yield decode(pq.readParquet(bytes, { columns: options.columns }));
    } else if (blob.size <= (options.syncLimitBytes ?? SYNC_DECODE_LIMIT_BYTES)) {
      const bytes = source instanceof Uint8Array ? source : new Uint8Array(await blob.arrayBuffer());
      for (let g = 0; g < groups.length; ) {
        if (signal?.aborted) throw new ReadAbortedError(fileName);
        const call: number[] = [];
        let callBytes = 0;
        while (g < groups.length && (call.length === 0 || callBytes + groups[g].bytes <= (options.syncCallBytes ?? SYNC_CALL_BYTES))) {
          callBytes += groups[g].bytes;
          call.push(g++);
        }
        yield decode(pq.readParquet(bytes, { rowGroups: call, columns: options.columns, batchSize }));
        await Promise.resolve(); // let an abort or progress handler run between calls
      }
    } else {
      // Async reader: a panic would escape from wasm-bindgen's microtask queue; the guard turns
      // it into a rejection here instead of a hang (or a dead Node process).
      file = await guardWasmTraps(() => pq.ParquetFile.fromFile(blob));
      for (let g = 0; g < groups.length; g++) {
        if (signal?.aborted) throw new ReadAbortedError(fileName);
        const f = file;
        yield decode(await guardWasmTraps(() => f.read({ rowGroups: [g], columns: options.columns, batchSize })));
      }
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
}

export async function readParquet(source: ParquetSource, options: ParquetReadOptions = {}): Promise<DatasetReadResult> {
  const fileName = options.fileName ?? byteSourceName(source as Blob);
  const opened = await openParquetBatches(source, { ...options, fileName });
  const batches: RecordBatch[] = [];
  let schemaTable: Table | undefined;
  let rows = 0;
  const totalBytes = sizeOf(source);
  for await (const part of opened.batches()) {
    schemaTable ??= part;
    batches.push(...part.batches);
    rows += part.numRows;
    const bytesRead = Math.round((totalBytes * rows) / Math.max(1, opened.rows));
    options.onProgress?.({ status: 'reading', bytesRead, totalBytes, rows, batches: batches.length });
  }
  const table = new Table(schemaTable!.schema, batches);
  return { table, summary: summarizeTable(table, { fileName, format: 'parquet', bytes: totalBytes }) };
}

function sizeOf(source: ParquetSource): number {
  return source instanceof Blob ? source.size : source.byteLength;
}
