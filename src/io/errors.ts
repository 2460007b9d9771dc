// Dataset I/O errors: one class per meaning, each with a stable `name` (it survives structured
// cloning across the worker boundary as a plain {name, message}) and a message that names the
// file, the row/line/column and what to do about it.
import { EmbedbookError, registerErrorClasses } from '../core/errors';

/** Base class: `file` is the user's file name (or '<input>' when unknown). */
export class DatasetError extends EmbedbookError {
  override name: string = 'DatasetError';
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.file = file;
  }
}

const quote = (s: string): string => JSON.stringify(s);
const listNames = (names: readonly string[]): string =>
  names.length === 0 ? '(none)' : names.map(quote).join(', ');

/** The input had no bytes at all, or a header but no data rows. */
export class EmptyFileError extends DatasetError {
  override name = 'EmptyFileError';
  constructor(file: string, detail = 'it contains no data') {
    super(file, `${quote(file)} is empty: ${detail}. Choose a file with a header row and at least one data row.`);
  }
}

/** Bytes that are not valid UTF-8 (the CSV reader decodes with TextDecoder fatal: true). */
export class InvalidUtf8Error extends DatasetError {
  override name = 'InvalidUtf8Error';
  readonly byteOffset: number;
  constructor(file: string, byteOffset: number, hint = '') {
    super(
      file,
      `${quote(file)} is not valid UTF-8: invalid byte sequence at byte offset ${byteOffset}${hint}. ` +
        'Re-save the file as UTF-8 (e.g. "CSV UTF-8" in Excel, or `iconv -f <encoding> -t UTF-8`).',
    );
    this.byteOffset = byteOffset;
  }
}

/** A quoted CSV field that never closes. `line` is the 1-based line where the quote opened. */
export class CsvUnterminatedQuoteError extends DatasetError {
  override name = 'CsvUnterminatedQuoteError';
  readonly line: number;
  constructor(file: string, line: number) {
    super(
      file,
      `${quote(file)}: unterminated quoted field starting at line ${line}; the file ends before the closing '"'. ` +
        'Close the quote, or escape quotes inside a field by doubling them ("").',
    );
    this.line = line;
  }
}

/** Text right after a closing quote, e.g. `"abc"def`. */
export class CsvMalformedError extends DatasetError {
  override name = 'CsvMalformedError';
  readonly line: number;
  constructor(file: string, line: number, detail: string) {
    super(file, `${quote(file)}: malformed CSV at line ${line}: ${detail}.`);
    this.line = line;
  }
}

/** A data row whose field count differs from the header's. */
export class CsvRaggedRowError extends DatasetError {
  override name = 'CsvRaggedRowError';
  readonly row: number;
  readonly line: number;
  readonly expected: number;
  readonly actual: number;
  constructor(file: string, row: number, line: number, expected: number, actual: number) {
    super(
      file,
      `${quote(file)}: data row ${row} (line ${line}) has ${actual} field${actual === 1 ? '' : 's'}, ` +
        `but the header has ${expected}. Quote fields that contain the delimiter, or fix the row so every row has ${expected} fields.`,
    );
    this.row = row;
    this.line = line;
    this.expected = expected;
    this.actual = actual;
  }
}

/** The chosen column does not exist. */
export class UnknownColumnError extends DatasetError {
  override name = 'UnknownColumnError';
  readonly column: string;
  readonly available: readonly string[];
  /** `namedBy`: what asked for the column when it was not the column choice itself (a text template). */
  constructor(file: string, column: string, available: readonly string[], namedBy?: string) {
    super(file, `${quote(file)} has no column ${quote(column)}${namedBy ? `, named by ${namedBy}` : ''}. Available columns: ${listNames(available)}.`);
    this.column = column;
    this.available = available;
  }
}

/** The chosen column is not a text (utf8) column. */
export class NonTextColumnError extends DatasetError {
  override name = 'NonTextColumnError';
  readonly column: string;
  readonly type: string;
  constructor(file: string, column: string, type: string, textColumns: readonly string[]) {
    super(
      file,
      `${quote(file)}: column ${quote(column)} has type ${type}, not text, so it cannot be embedded. ` +
        `Text columns: ${listNames(textColumns)}.`,
    );
    this.column = column;
    this.type = type;
  }
}

/** The chosen column has no non-null value. */
export class AllNullColumnError extends DatasetError {
  override name = 'AllNullColumnError';
  readonly column: string;
  constructor(file: string, column: string, rows: number) {
    super(
      file,
      `${quote(file)}: column ${quote(column)} is empty (all ${rows} rows are null or blank). Choose a column that contains text.`,
    );
    this.column = column;
  }
}

/** A problem the caller words in full; the message is prefixed with the file's name. */
abstract class FileProblemError extends DatasetError {
  constructor(file: string, message: string) {
    super(file, `${quote(file)}: ${message}`);
  }
}

/** Two output columns would share a name. */
export class ColumnConflictError extends FileProblemError {
  override name = 'ColumnConflictError';
}

/** The bytes do not start with the Parquet magic "PAR1". */
export class NotParquetError extends DatasetError {
  override name = 'NotParquetError';
  constructor(file: string, hint = '') {
    super(
      file,
      `${quote(file)} is not a Parquet file (it does not start with the magic bytes "PAR1")${hint}. ` +
        'Choose a .parquet file, or load it as CSV.',
    );
  }
}

/** Starts like Parquet but the footer is missing or inconsistent: usually a cut-off download. */
export class ParquetTruncatedError extends DatasetError {
  override name = 'ParquetTruncatedError';
  constructor(file: string, detail: string) {
    super(file, `${quote(file)} is a truncated or corrupt Parquet file: ${detail}. Re-download or re-export the file.`);
  }
}

/** parquet-wasm rejected the file (or panicked): the cause is kept. */
export class ParquetReadError extends DatasetError {
  override name = 'ParquetReadError';
  constructor(file: string, detail: string, cause?: unknown) {
    super(file, `${quote(file)} could not be read as Parquet: ${detail}. The file may be corrupt or use an unsupported feature; try re-exporting it.`, { cause });
  }
}

/** Writing the output Parquet failed. */
export class ParquetWriteError extends DatasetError {
  override name = 'ParquetWriteError';
  constructor(file: string, detail: string, cause?: unknown) {
    super(file, `writing ${quote(file)} failed: ${detail}.`, { cause });
  }
}

/** The embeddings do not line up with the input rows. */
export class EmbeddingShapeError extends FileProblemError {
  override name = 'EmbeddingShapeError';
}

/** The read was cancelled through its AbortSignal. */
export class ReadAbortedError extends DatasetError {
  override name = 'AbortError';
  constructor(file: string) {
    super(file, `reading ${quote(file)} was cancelled.`);
  }
}

/** A JSON Lines line that is not one JSON object. `line` is 1-based. */
export class JsonlLineError extends DatasetError {
  override name = 'JsonlLineError';
  readonly line: number;
  constructor(file: string, line: number, detail: string) {
    super(file, `${quote(file)}: line ${line} is not a JSON object (${detail}). JSON Lines needs one {"column": value, …} object per line.`);
    this.line = line;
  }
}

/** A text template (`{title}: {body}`) that does not parse: an unclosed or empty placeholder, a lone brace. */
export class TextTemplateError extends DatasetError {
  override name = 'TextTemplateError';
  readonly template: string;
  constructor(template: string, detail: string) {
    super('<template>', `Text template ${quote(template)}: ${detail}.`);
    this.template = template;
  }
}

registerErrorClasses({ DatasetError, EmptyFileError, InvalidUtf8Error, CsvUnterminatedQuoteError, CsvMalformedError, CsvRaggedRowError, UnknownColumnError, NonTextColumnError, AllNullColumnError, ColumnConflictError, NotParquetError, ParquetTruncatedError, ParquetReadError, ParquetWriteError, EmbeddingShapeError, JsonlLineError, TextTemplateError });
