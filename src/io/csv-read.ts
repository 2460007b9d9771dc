// CSV → Arrow Table, streaming: bytes are decoded and tokenized chunk by chunk (never the whole
// file as one string) and every ~batchBytes of input becomes one RecordBatch.
//
// Type inference and the "later rows are text" problem: the first `inferRows` rows (the sample
// window, default 20,000 — many chunks) are kept as text and typed together, so a column is only
// numeric if the whole window agrees. After the window, each batch is checked against the
// column's type; if a batch needs a wider type (e.g. "n/a" in an int column), that column is
// widened in every earlier batch too (csv-columns.ts widenColumn), so all batches share one
// schema and no earlier value is lost. The summary lists such columns under `widened`.
import { Field, RecordBatch, Schema, Struct, Table, makeData } from 'apache-arrow';
import type { Data } from 'apache-arrow';
import { byteSourceName, byteSourceSize, type ByteSource } from './byte-source';
import { arrowTypeOf, buildColumn, inferKind, widenColumn, type CsvKind } from './csv-columns';
import { columnNamesFromHeader, decodeCsvText, delimiterFromName } from './csv-text';
import { detectDelimiter } from './csv-delimiter';
import { CsvTokenizer, type CsvField } from './csv-tokenizer';
import { summarizeTable, type DatasetReadResult, type ReadProgress, type WidenedColumn } from './dataset-summary';
import { CsvRaggedRowError, EmptyFileError } from './errors';

export interface CsvReadOptions {
  /** Used in error messages and the summary (a File's own name is used when available). */
  fileName?: string;
  /**
   * One character. Default: tab for *.tsv / *.tab names, else detected from the first lines among
   * `,` `;` tab `|` (src/io/csv-delimiter.ts); the summary says which was used.
   */
  delimiter?: string;
  /** First row holds column names (default true); false names columns column_1, column_2, … */
  header?: boolean;
  /** Input bytes per RecordBatch (default 1 MiB): chunks are coalesced up to this size. */
  batchBytes?: number;
  /** Rows typed together before the first batch is built (default 20,000). */
  inferRows?: number;
  /** Columns to keep as text whatever they look like (e.g. ids with meaningful formatting). */
  textColumns?: readonly string[];
  /** Size for progress when the source cannot tell (a Node stream). */
  totalBytes?: number;
  signal?: AbortSignal;
  onProgress?: (progress: ReadProgress) => void;
}

interface BuiltBatch {
  length: number;
  children: Data[];
}

export async function readCsv(source: ByteSource, options: CsvReadOptions = {}): Promise<DatasetReadResult> {
  const fileName = options.fileName ?? byteSourceName(source);
  let delimiter = options.delimiter ?? delimiterFromName(fileName);
  const builder = new CsvTableBuilder(fileName, options);
  const onRow = (fields: CsvField[], line: number) => builder.addRow(fields, line);
  // Without a given delimiter the tokenizer is made once the first decoded text can be sniffed.
  // Until then decoded text is held back (at most 64 KiB or 20 lines, whichever comes first).
  let tokenizer = delimiter === undefined ? undefined : new CsvTokenizer(fileName, delimiter, onRow);
  let sniff = '';
  const feed = (text: string, last: boolean): void => {
    if (!tokenizer) {
      sniff += text;
      if (!last && sniff.length < 65536 && (sniff.match(/\n/g)?.length ?? 0) < 20) return;
      delimiter = detectDelimiter(sniff);
      tokenizer = new CsvTokenizer(fileName, delimiter, onRow);
      text = sniff;
      sniff = '';
    }
    tokenizer.push(text);
  };
  const totalBytes = options.totalBytes ?? byteSourceSize(source);
  const { onProgress } = options;

  let bytesRead = 0;
  const report = (): void =>
    onProgress?.({ status: 'reading', bytesRead, totalBytes, rows: builder.rows, batches: builder.batches });

  for await (const piece of decodeCsvText(source, fileName, Math.max(1, options.batchBytes ?? 1 << 20), options.signal)) {
    bytesRead = piece.bytesRead;
    feed(piece.text, piece.last);
    if (piece.last) tokenizer?.end();
    if (piece.batchEnd || piece.last) {
      builder.cutBatch();
      if (!piece.last) report();
    }
  }
  const table = builder.finish();
  report();
  return { table, summary: { ...summarizeTable(table, { fileName, format: 'csv', bytes: bytesRead, widened: builder.widened }), delimiter: delimiter ?? ',' } };
}

class CsvTableBuilder {
  private names: string[] | undefined;
  private kinds: CsvKind[] = [];
  private forcedText: boolean[] = [];
  /** Cells of the batch being filled, column-major. */
  private cells: CsvField[][] = [];
  private cellRows = 0;
  /** Batches inside the inference window, still as text. */
  private windowed: CsvField[][][] = [];
  private windowOpen = true;
  private built: BuiltBatch[] = [];
  rows = 0;
  readonly widened: WidenedColumn[] = [];

  constructor(
    private readonly file: string,
    private readonly options: CsvReadOptions,
  ) {}

  get batches(): number {
    return this.built.length + this.windowed.length;
  }

  addRow(fields: CsvField[], line: number): void {
    if (this.names === undefined) {
      if (this.options.header === false) {
        this.setColumns(fields.map((_, i) => `column_${i + 1}`));
      } else {
        this.setColumns(fields);
        return;
      }
    }
    const cells = this.cells;
    if (fields.length !== cells.length) {
      throw new CsvRaggedRowError(this.file, this.rows + 1, line, cells.length, fields.length);
    }
    for (let c = 0; c < fields.length; c++) cells[c].push(fields[c]);
    this.cellRows++;
    this.rows++;
  }

  private setColumns(raw: CsvField[]): void {
    this.names = columnNamesFromHeader(raw);
    const forced = new Set(this.options.textColumns ?? []);
    this.forcedText = this.names.map((n) => forced.has(n));
    this.kinds = this.names.map((_, i) => (this.forcedText[i] ? 'utf8' : 'null'));
    this.cells = this.names.map(() => []);
  }

  /** Ends the current batch (called per ~batchBytes of input and at the end). */
  cutBatch(): void {
    if (this.cellRows === 0) return;
    const cells = this.cells;
    this.cells = cells.map(() => []);
    const batchRows = this.cellRows;
    this.cellRows = 0;
    const firstRow = this.rows - batchRows + 1;
    if (this.windowOpen) {
      for (let c = 0; c < cells.length; c++) this.kinds[c] = inferKind(cells[c], this.kinds[c]);
      this.windowed.push(cells);
      if (this.rows >= (this.options.inferRows ?? 20_000)) this.closeWindow();
      return;
    }
    for (let c = 0; c < cells.length; c++) {
      const before = this.kinds[c];
      const after = inferKind(cells[c], before);
      if (after !== before) {
        for (const b of this.built) b.children[c] = widenColumn(b.children[c], before, after);
        // null/'empty' → a type is a first real value, not a widening ("" in a typed column is null).
        if (before !== 'null' && before !== 'empty') {
          this.widened.push({ column: this.names![c], from: String(arrowTypeOf(before)), to: String(arrowTypeOf(after)), atRow: firstRow + firstMismatch(cells[c], before) });
        }
        this.kinds[c] = after;
      }
    }
    this.built.push(this.build(cells, batchRows));
  }

  private closeWindow(): void {
    this.windowOpen = false;
    for (const cells of this.windowed) this.built.push(this.build(cells, cells[0]?.length ?? 0));
    this.windowed = [];
  }

  private build(cells: CsvField[][], length: number): BuiltBatch {
    return { length, children: cells.map((col, c) => buildColumn(col, this.kinds[c])) };
  }

  finish(): Table {
    if (this.names === undefined) throw new EmptyFileError(this.file, 'it contains only blank lines');
    if (this.windowOpen) this.closeWindow();
    if (this.rows === 0) throw new EmptyFileError(this.file, 'it has a header row but no data rows');
    const fields = this.names.map((name, c) => new Field(name, arrowTypeOf(this.kinds[c]), true));
    const schema = new Schema(fields);
    const struct = new Struct(fields);
    const batches = this.built.map(
      (b) => new RecordBatch(schema, makeData({ type: struct, length: b.length, nullCount: 0, children: b.children })),
    );
    return new Table(schema, batches);
  }
}

/** Index (in this batch) of the first cell that does not fit `kind`. */
function firstMismatch(cells: readonly CsvField[], kind: CsvKind): number {
  for (let i = 0; i < cells.length; i++) {
    const s = cells[i];
    if (s !== null && s.length !== 0 && inferKind([s], kind) !== kind) return i;
  }
  return 0;
}
