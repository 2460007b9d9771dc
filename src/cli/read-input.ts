// Opens the `embed` input for streaming with src/io: CSV in two passes (csv-stream: the final
// column types and the row count first, then one batch at a time), Parquet one row group at a time
// (its row count is in the footer). Checks the text column up front, naming the columns that do
// exist when it is missing. Nothing here holds more than one batch of the input, except JSON Lines,
// which src/io reads whole. The format and the CSV delimiter follow the app's rules (detectFormat,
// detectDelimiter), so the CLI and the notebook read a file the same way.
import { closeSync, createReadStream, openAsBlob, openSync, readSync, statSync } from 'node:fs';
import { DataType, RecordBatch, Table, type Schema } from 'apache-arrow';
import { arrowTypeOf } from '../io/csv-columns';
import { detectDelimiter } from '../io/csv-delimiter';
import { csvBatches, scanCsv } from '../io/csv-stream';
import { readJsonl } from '../io/jsonl-read';
import { detectFormat } from '../io/read-dataset';
import { validateTextColumn, textVector } from '../io/text-column';
import { checkTemplateColumns, type TextTemplate } from '../io/text-template';
import { StrictUtf8Decoder } from '../io/utf8-decoder';
import { AllNullColumnError, NonTextColumnError, UnknownColumnError } from '../io/errors';
import { openParquetBatches, SYNC_DECODE_LIMIT_BYTES } from '../io/parquet-read';
import { InputFileError } from './errors';

export interface InputStream {
  /** Rows the input holds (known before reading: CSV's first pass, Parquet's footer). */
  totalRows: number;
  /** Input column names, in order. */
  columns: string[];
  /** Size and modification time: what a resumed run checks to be sure the input is the same. */
  identity: { size: number; mtimeMs: number };
  /** The rows as record batches, read as they are consumed. */
  batches(): AsyncGenerator<RecordBatch>;
}

const isText = (t: DataType): boolean => DataType.isUtf8(t) || DataType.isLargeUtf8(t);

/** Parquet files past this size are read lazily from disk (the whole file is never in memory). */
const PARQUET_SYNC_LIMIT = Math.min(SYNC_DECODE_LIMIT_BYTES, 64 * 1024 * 1024);

function statInput(file: string): { size: number; mtimeMs: number } {
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new InputFileError(`Input ${JSON.stringify(file)} is not a file.`, file);
    return { size: st.size, mtimeMs: st.mtimeMs };
  } catch (err) {
    if (err instanceof InputFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new InputFileError(`Cannot read input ${JSON.stringify(file)}: ${why}.`, file, { cause: err });
  }
}

function checkTextField(schema: Schema, column: string, file: string): void {
  const names = schema.fields.map((f) => f.name);
  const field = schema.fields.find((f) => f.name === column);
  if (!field) throw new UnknownColumnError(file, column, names);
  if (!isText(field.type)) {
    throw new NonTextColumnError(file, column, String(field.type), schema.fields.filter((f) => isText(f.type)).map((f) => f.name));
  }
}

/** The delimiter of a CSV file from its first 64 KiB (as readCsv sniffs it in the app). */
function sniffDelimiter(file: string): string {
  if (/\.(tsv|tab)$/i.test(file)) return '\t';
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(65536);
    const n = readSync(fd, head, 0, head.length, 0);
    // Lenient here: a cut multi-byte character at the end, or bad UTF-8, is the reader's to report.
    let text: string;
    try {
      text = new StrictUtf8Decoder(file).decode(head.subarray(0, n));
    } catch {
      text = head.subarray(0, n).toString('latin1');
    }
    return detectDelimiter(text);
  } finally {
    closeSync(fd);
  }
}

/** `o.template`: the text is built from several columns (`column` is then the template's text). */
export async function openInput(file: string, column: string, signal?: AbortSignal, o: { delimiter?: string; template?: TextTemplate } = {}): Promise<InputStream> {
  const checkColumns = (names: readonly string[]) => o.template && checkTemplateColumns(o.template, names, file);
  const identity = statInput(file);
  const blob = await openAsBlob(file);
  const format = await detectFormat(blob, file);
  if (format === 'jsonl') {
    const { table } = await readJsonl(createReadStream(file), { fileName: file, totalBytes: identity.size, signal });
    if (o.template) textVector(table, column, file);
    else validateTextColumn(table, column, file);
    return { totalRows: table.numRows, columns: table.schema.fields.map((f) => f.name), identity, batches: async function* () { yield* table.batches; } };
  }
  if (format === 'csv') {
    const opts = { fileName: file, signal, delimiter: o.delimiter ?? sniffDelimiter(file) };
    const scan = await scanCsv(createReadStream(file), opts);
    const c = o.template ? -1 : scan.names.indexOf(column);
    checkColumns(scan.names);
    if (c >= 0 && (scan.kinds[c] === 'null' || scan.kinds[c] === 'empty')) throw new AllNullColumnError(file, column, scan.rows);
    if (c >= 0 && scan.kinds[c] !== 'utf8') {
      const texts = scan.names.filter((_, k) => scan.kinds[k] === 'utf8');
      throw new NonTextColumnError(file, column, String(arrowTypeOf(scan.kinds[c])), texts);
    }
    if (!o.template) checkTextField(scan.schema, column, file);
    return { totalRows: scan.rows, columns: scan.names, identity, batches: () => csvBatches(createReadStream(file), scan, opts) };
  }
  // One row group per decode call (not 128 MiB's worth): only that much input is held at a time.
  const opened = await openParquetBatches(blob, { fileName: file, signal, syncLimitBytes: PARQUET_SYNC_LIMIT, syncCallBytes: 1 });
  const tables = opened.batches();
  const first = await tables.next();
  const head: Table | undefined = first.done ? undefined : first.value;
  if (o.template) checkColumns(head ? head.schema.fields.map((f) => f.name) : opened.columns);
  else if (head) checkTextField(head.schema, column, file);
  else if (!opened.columns.includes(column)) throw new UnknownColumnError(file, column, opened.columns);
  let used = false;
  return {
    totalRows: opened.rows,
    columns: head ? head.schema.fields.map((f) => f.name) : opened.columns,
    identity,
    async *batches() {
      // The first row group was decoded for the column check: hand it over instead of reading it twice.
      if (used) throw new Error('embedbook: the Parquet input stream was already consumed');
      used = true;
      if (head) yield* head.batches;
      for await (const t of tables) yield* t.batches;
    },
  };
}
