// `embed`'s output, written as results arrive and resumable: rows are buffered up to a row group,
// written as a small Parquet piece (src/io's streaming writer), and the piece's row-group bytes are
// appended to `<output>.partial`; after each append (and an fdatasync) one line goes to
// `<output>.journal` with the rows done, the file's committed length and the pieces' row-group
// metadata (thrift-encoded, base64: under 1 KB per row group). The journal's first line names the
// input and the function or model, so a run with another one does not continue it. An interrupted run (Ctrl-C, crash, lost server) leaves both; the same command again
// truncates the partial file to the last committed length and goes on from the next chunk. At the
// end the footer over every row group is written and the file is renamed into place.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { appendFile, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Schema, Table, type Vector } from 'apache-arrow';
import type { FileMetaData, RowGroup } from 'hyparquet';
import { ERROR_CODE_COLUMN } from '../core/assemble';
import { EmbedbookError } from '../core/errors';
import { planChunks } from '../core/plan-chunks';
import type { ChunkingOptions } from '../core/types';
import {
  arrowSchemaOf, parquetFooter, parquetHead, parquetPiece, parseWithBigInts, rowGroupsFromBytes, rowGroupsToBytes, stringifyWithBigInts, withoutLastColumns,
} from '../io/parquet-append';
import { writeParquetBuffer, type ParquetCompression } from '../io/parquet-write';
import { ColumnConflictError } from '../io/errors';

/** The output path is unusable: its folder is missing, it is the input, or it exists without --force. */
class OutputFileError extends EmbedbookError {
  override readonly name = 'OutputFileError';
  constructor(message: string, readonly file: string) {
    super(message);
  }
  override details(): Record<string, unknown> {
    return { file: this.file };
  }
}

/** What a journal must match for a run to continue it. */
export interface RunIdentity {
  input: string;
  inputSize: number;
  inputMtimeMs: number;
  column: string;
  chunking: ChunkingOptions;
  totalRows: number;
  /** What made the embeddings: the remote function's name or the local model (with dtype and prompt). */
  function: string;
}

/**
 * 3: the head names the function, entries keep row groups as thrift bytes. Older journals are not
 * resumed (version 1 pieces had no error_code; version 2 did not record the function).
 */
const JOURNAL_VERSION = 3;

/** The output's last columns, dropped from the footer when no row failed. */
const STATUS_COLUMNS = ['status', ERROR_CODE_COLUMN];

interface JournalHead extends RunIdentity {
  version: typeof JOURNAL_VERSION;
}

interface JournalEntry {
  rows: number;
  /** Rows written so far whose status is not 'ok'. */
  failedRows: number;
  bytes: number;
  /** This piece's row groups: rowGroupsToBytes, base64. */
  groups: string;
  /** First entry only: the footer template, and the ARROW:schema of the output without `status` and `error_code`. */
  meta?: FileMetaData;
  arrowSchemaNoStatus?: string;
}

export interface OutputOptions {
  /** Replace an existing output (and any unfinished run's files). */
  force: boolean;
  /** Rows per row group (default 10,000). */
  rowGroupRows?: number;
  metadata: Record<string, string>;
  /** Parquet codec (default zstd); row groups of a resumed file may differ, which Parquet allows per column chunk. */
  compression?: ParquetCompression;
}

const sameIdentity = (a: RunIdentity, b: RunIdentity): boolean =>
  a.function === b.function && a.input === b.input && a.inputSize === b.inputSize && a.inputMtimeMs === b.inputMtimeMs && a.column === b.column &&
  a.totalRows === b.totalRows && a.chunking.chunkSize === b.chunking.chunkSize && a.chunking.numChunks === b.chunking.numChunks;

/**
 * Checks the output path before any work: its folder exists, it is not the input, and an existing
 * file is only replaced with --force. Throws OutputFileError naming the fix.
 */
export function checkOutputPath(output: string, input: string, force: boolean): void {
  const dir = dirname(resolve(output));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new OutputFileError(`The output folder ${JSON.stringify(dirname(output))} does not exist: create it (mkdir -p) or choose another -o path.`, output);
  }
  const real = (p: string) => (existsSync(p) ? realpathSync(p) : resolve(p));
  if (real(output) === real(input)) {
    throw new OutputFileError(`-o ${JSON.stringify(output)} is the input file; embedbook will not overwrite its own input. Choose another -o path.`, output);
  }
  if (existsSync(output) && !force) {
    throw new OutputFileError(`${JSON.stringify(output)} already exists; pass --force to replace it, or choose another -o path.`, output);
  }
}

export class OutputFile {
  private pending: Table[] = [];
  private bufferedRows = 0;
  private template: FileMetaData | undefined;
  private arrowSchemaNoStatus: string | undefined;
  private failedRows = 0;
  private pendingFailed = 0;
  private rowGroups: RowGroup[] = [];
  /** The row group being encoded and committed while the next one fills (at most one: memory stays two groups). */
  private committing: Promise<void> = Promise.resolve();
  private committingRows = 0;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    private readonly opts: OutputOptions,
    /** Rows already in the file (from an earlier run, then as written). */
    public rowsWritten: number,
    private bytes: number,
  ) {}

  /** Rows handed to write(): on disk, being committed or buffered. */
  get rowsReceived(): number {
    return this.rowsWritten + this.committingRows + this.bufferedRows;
  }

  get partialPath(): string {
    return `${this.path}.partial`;
  }

  static journalPath(output: string): string {
    return `${output}.journal`;
  }

  /**
   * Opens the partial file: continues an unfinished run of the same command (same input file, size
   * and time, column and chunking), or starts afresh. Returns the rows already written and the
   * chunks they cover. A journal of a different run is an error unless --force.
   */
  static async open(path: string, id: RunIdentity, opts: OutputOptions): Promise<{ file: OutputFile; resumed: boolean; skipChunks: number }> {
    const partial = `${path}.partial`;
    const journal = OutputFile.journalPath(path);
    const prior = existsSync(journal) && existsSync(partial) ? await readJournal(journal) : undefined;
    if (prior && !sameIdentity(prior.head, id) && !opts.force) {
      if (prior.head.function !== id.function) {
        throw new OutputFileError(
          `${JSON.stringify(path)} is unfinished from a run with ${prior.head.function}, and this run uses ${id.function}: ` +
            'its embeddings cannot be mixed in one file. Run with the same function or model to finish it, or pass --force to start afresh (its partial output is deleted).',
          path,
        );
      }
      throw new OutputFileError(
        `${JSON.stringify(journal)} belongs to an unfinished run with another input, column or chunking; ` +
          'run that command again to finish it, or pass --force to start this one afresh (its partial output is deleted).',
        path,
      );
    }
    if (prior && sameIdentity(prior.head, id)) {
      const last = prior.entries.at(-1);
      const rows = last?.rows ?? 0;
      const plan = planChunks(id.totalRows, id.chunking);
      const skipChunks = rows === id.totalRows ? plan.length : plan.findIndex((c) => c.offset === rows);
      if (skipChunks >= 0) {
        const fh = await open(partial, 'r+');
        const bytes = last?.bytes ?? 4;
        await fh.truncate(bytes); // drop whatever an interrupted append left past the last commit
        const file = new OutputFile(path, fh, opts, rows, bytes);
        const first = prior.entries.find((e) => e.meta);
        file.template = first?.meta;
        file.arrowSchemaNoStatus = first?.arrowSchemaNoStatus;
        file.failedRows = last?.failedRows ?? 0;
        for (const e of prior.entries) file.rowGroups.push(...rowGroupsFromBytes(Buffer.from(e.groups, 'base64')));
        return { file, resumed: rows > 0, skipChunks };
      }
    }
    await rm(journal, { force: true });
    const fh = await open(partial, 'w');
    await fh.write(parquetHead(), 0, 4, 0);
    await appendFile(journal, stringifyWithBigInts({ version: JOURNAL_VERSION, ...id } satisfies JournalHead) + '\n');
    return { file: new OutputFile(path, fh, opts, 0, 4), resumed: false, skipChunks: 0 };
  }

  /** Adds rows [offset, offset + n): the input's rows and the engine's `result` + `status` + `error_code`. */
  async write(input: Table, result: Table): Promise<void> {
    const names = input.schema.fields.map((f) => f.name);
    for (const taken of ['embedding', ...STATUS_COLUMNS]) {
      if (names.includes(taken)) {
        throw new ColumnConflictError(this.path, `the input already has a column named "${taken}"; rename it first (the output adds "embedding", "status" and "error_code").`);
      }
    }
    const cols: Record<string, Vector> = {};
    input.schema.fields.forEach((f, i) => (cols[f.name] = input.getChildAt(i)!));
    cols.embedding = result.getChild('result')!;
    cols.status = result.getChild('status')!;
    cols[ERROR_CODE_COLUMN] = result.getChild(ERROR_CODE_COLUMN)!;
    this.pendingFailed += countNotOk(cols.status);
    const table = new Table(cols);
    this.pending.push(table);
    this.bufferedRows += table.numRows;
    if (this.bufferedRows >= (this.opts.rowGroupRows ?? 10_000)) {
      // The sink returns while the group is encoded and synced, so results keep arriving meanwhile;
      // it waits only if the previous group is still being committed.
      await this.committing;
      this.startCommit();
    }
  }

  /** Writes every buffered row and waits until all are committed in the journal. */
  async flush(): Promise<void> {
    await this.committing;
    if (this.bufferedRows === 0) return;
    this.startCommit();
    await this.committing;
  }

  /** Hands the buffered rows to commit(); a failure surfaces at the next write, flush or keep. */
  private startCommit(): void {
    const tables = this.pending;
    const failed = this.pendingFailed;
    this.committingRows = this.bufferedRows;
    this.pending = [];
    this.bufferedRows = 0;
    this.pendingFailed = 0;
    this.committing = this.commit(tables, failed);
    this.committing.catch(() => undefined); // handled where it is awaited; not an unhandled rejection meanwhile
  }

  /** Writes the rows as one piece, syncs it and commits it in the journal. */
  private async commit(tables: Table[], failed: number): Promise<void> {
    const table = new Table(tables.flatMap((t) => t.batches));
    const bytes = await writeParquetBuffer(table, { fileName: this.path, rowGroupRows: Math.max(1, table.numRows), metadata: this.opts.metadata, compression: this.opts.compression });
    const piece = parquetPiece(bytes, this.bytes, this.path);
    await this.fh.write(piece.data, 0, piece.data.byteLength, this.bytes);
    await this.fh.datasync();
    this.bytes += piece.data.byteLength;
    this.rowsWritten += table.numRows;
    this.rowGroups.push(...piece.rowGroups);
    this.failedRows += failed;
    this.committingRows = 0;
    const first = !this.template;
    this.template ??= piece.meta;
    const groups = Buffer.from(rowGroupsToBytes(this.template, piece.rowGroups)).toString('base64');
    const entry: JournalEntry = { rows: this.rowsWritten, failedRows: this.failedRows, bytes: this.bytes, groups };
    if (first) {
      const fields = table.schema.fields.filter((f) => !STATUS_COLUMNS.includes(f.name));
      entry.meta = { ...piece.meta, row_groups: [] };
      this.arrowSchemaNoStatus = entry.arrowSchemaNoStatus = await arrowSchemaOf(new Schema(fields));
    }
    await appendFile(OutputFile.journalPath(this.path), stringifyWithBigInts(entry) + '\n');
  }

  /**
   * Writes the footer and renames the finished file into place; removes the journal. Without failed
   * rows the `status` (all 'ok') and `error_code` (all null) columns are left out of the footer, as if
   * they had never been written.
   */
  async finish(emptyTable: () => Promise<Uint8Array>): Promise<number> {
    await this.flush();
    if (!this.template) {
      // No rows at all: a plain empty file with the right schema.
      await this.fh.close();
      const bytes = await emptyTable();
      const fh = await open(this.partialPath, 'w');
      await fh.write(bytes);
      await fh.close();
    } else {
      const { template, rowGroups } =
        this.failedRows === 0 ? withoutLastColumns(this.template, this.rowGroups, this.arrowSchemaNoStatus, STATUS_COLUMNS.length) : { template: this.template, rowGroups: this.rowGroups };
      const footer = parquetFooter(template, rowGroups);
      await this.fh.write(footer, 0, footer.byteLength, this.bytes);
      this.bytes += footer.byteLength;
      await this.fh.close();
    }
    await rename(this.partialPath, this.path);
    await rm(OutputFile.journalPath(this.path), { force: true });
    return this.bytes;
  }

  /** Keeps what is finished for a later run: flushes the buffer, closes the file, leaves the journal. */
  async keep(): Promise<number> {
    try {
      await this.flush();
    } finally {
      await this.fh.close();
    }
    return this.rowsWritten;
  }
}

/** Rows whose status is not exactly 'ok', read from the Utf8 buffers (no string per row). */
function countNotOk(status: Vector): number {
  let n = 0;
  for (const d of status.data) {
    const off = d.valueOffsets as Int32Array;
    const bytes = d.values as Uint8Array;
    for (let i = 0; i < d.length; i++) {
      const a = off[i];
      if (off[i + 1] - a !== 2 || bytes[a] !== 0x6f || bytes[a + 1] !== 0x6b) n++;
    }
  }
  return n;
}

async function readJournal(path: string): Promise<{ head: JournalHead; entries: JournalEntry[] } | undefined> {
  const lines = (await readFile(path, 'utf8')).split('\n');
  const parsed: unknown[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    try {
      parsed.push(parseWithBigInts(line));
    } catch {
      break; // a line cut off by a crash: everything before it is committed
    }
  }
  const head = parsed[0] as JournalHead | undefined;
  if (!head || head.version !== JOURNAL_VERSION) return undefined;
  return { head, entries: parsed.slice(1) as JournalEntry[] };
}
