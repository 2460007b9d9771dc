// `embedbook embed input.csv --column text -o embeddings.parquet [--remote URL]`: read → chunked
// call (local model or a server function, same engine) with a live progress bar → Parquet with
// every input column + `embedding` (+ `status` and `error_code` when rows failed), rows in input order.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Field, Float32, List, RecordBatch, Table, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import { CancelledError } from '../core/errors';
import type { EmbedFunction } from '../core/embed-function';
import type { ChunkedCallOptions, ChunkedCallResult } from '../core/types';
import { writeParquetBuffer } from '../io/parquet-write';
import { Remote } from '../client/remote-node';
import { parseEmbedFlags, type EmbedPlan, type RawEmbedFlags } from './embed-options';
import type { CliIO } from './main';
import { formatDuration, formatRate, ProgressBar } from './progress-bar';
import { checkOutputPath, OutputFile } from './output-file';
import { openInput, type InputStream } from './read-input';
import { loadUnwritten, removeUnwritten, saveUnwritten, unwrittenPath } from './unwritten-chunks';
import { renderTextTemplate, type TextTemplate } from '../io/text-template';

/** The function the run calls (a RemoteFunction or a LocalFunction: one EmbedFunction) and how to name it. */
export interface EmbedBackend {
  fn: EmbedFunction;
  /** For the summary line, e.g. "remote embed @ http://…" or "local default (cpu)". */
  label: string;
  /** Longer description printed before the run (model, dimension, why this device). */
  detail?: string;
  dispose?(): Promise<void>;
}

async function openBackend(plan: EmbedPlan): Promise<EmbedBackend> {
  if (plan.remote) {
    const { url, apiKey, functionName } = plan.remote;
    return { fn: new Remote({ url, apiKey }).function(functionName), label: `remote "${functionName}" at ${url}` };
  }
  const { openLocalBackend } = await import('./local-backend');
  return openLocalBackend(plan.local ?? { model: 'default', device: 'auto' });
}

/**
 * What the embeddings depend on besides the input, for the resume journal: the remote function's
 * name (not the server's address, which may change between runs) or the local model, its dtype and
 * prompt (not the device: the same model gives the same vectors on any).
 */
function embeddingSource(plan: EmbedPlan): string {
  if (plan.remote) return `remote function ${JSON.stringify(plan.remote.functionName)}`;
  const { model, dtype, prompt } = plan.local ?? { model: 'default' };
  return `local model ${JSON.stringify(model)}${dtype ? ` (${dtype})` : ''}${prompt ? ` with prompt ${JSON.stringify(prompt)}` : ''}`;
}

export interface EmbedDeps {
  /** Replaces the backend (tests). */
  backend?: EmbedBackend;
  now?: () => number;
}

/**
 * Input batches → the engine's `text` argument, keeping each full input batch for the output
 * (except rows before `skipRows`, which an earlier run already wrote).
 */
function textArgs(input: InputStream, column: string, held: Table[], skipRows: number, template?: TextTemplate): AsyncIterable<RecordBatch> {
  return (async function* () {
    let at = 0;
    for await (const batch of input.batches()) {
      const rows = new Table(batch);
      if (at + rows.numRows > skipRows) held.push(at >= skipRows ? rows : rows.slice(skipRows - at));
      at += rows.numRows;
      yield* new Table({ text: template ? renderTextTemplate(template, rows) : rows.getChild(column)! }).batches;
    }
  })();
}

/** Takes the first `n` rows off the held input batches (rows reach the sink in input order). */
function takeRows(held: Table[], n: number): Table {
  const parts: Table[] = [];
  let need = n;
  while (need > 0) {
    const head = held[0];
    if (head.numRows <= need) {
      parts.push(head);
      held.shift();
      need -= head.numRows;
    } else {
      parts.push(head.slice(0, need));
      held[0] = head.slice(need);
      need = 0;
    }
  }
  return new Table(parts.flatMap((t) => t.batches));
}

export async function runEmbed(input: string, flags: RawEmbedFlags, io: CliIO, deps: EmbedDeps = {}): Promise<number> {
  const plan = parseEmbedFlags(input, flags);
  checkOutputPath(plan.output, plan.input, plan.force);
  const now = deps.now ?? (() => performance.now());
  const started = now();
  const data = await openInput(plan.input, plan.column, io.signal, { delimiter: plan.delimiter, template: plan.textTemplate });
  const rows = data.totalRows;
  if (!plan.quiet) io.stderr(`Read ${rows.toLocaleString('en-US')} rows × ${data.columns.length} columns from ${plan.input} (${formatDuration(now() - started)}).\n`);

  const backend = deps.backend ?? (await openBackend(plan));
  let out: OutputFile | undefined;
  try {
    if (!plan.quiet) io.stderr(`Backend: ${backend.detail ?? backend.label}\n`);
    const metadata = { 'embedbook.column': plan.column, 'embedbook.backend': backend.label };
    const identity = { input: resolve(plan.input), inputSize: data.identity.size, inputMtimeMs: data.identity.mtimeMs, column: plan.column, chunking: plan.chunking, totalRows: rows, function: embeddingSource(plan) };
    const opened = await OutputFile.open(plan.output, identity, { force: plan.force, metadata, rowGroupRows: plan.rowGroupRows, compression: plan.compression });
    out = opened.file;
    const totalChunks = plan.chunking.chunkSize !== undefined ? Math.ceil(rows / plan.chunking.chunkSize) : Math.min(plan.chunking.numChunks, rows);
    // Chunks a cancelled run finished past its written rows (see unwritten-chunks.ts): handed to the
    // engine as `completed`, so they are not computed again. Tied to the journal's state and backend.
    const saved = { ...identity, backend: backend.label };
    if (plan.force) await removeUnwritten(plan.output);
    const unwritten = await loadUnwritten(plan.output, saved, out.rowsWritten, opened.skipChunks);
    await removeUnwritten(plan.output);
    if (unwritten.ignored && !plan.quiet) io.stderr(`Ignoring ${unwrittenPath(plan.output)} (${unwritten.ignored}): those chunks run again.\n`);
    if (opened.resumed && !plan.quiet) {
      io.stderr(`Resuming ${out.partialPath}: ${out.rowsWritten.toLocaleString('en-US')} rows (${opened.skipChunks} of ${totalChunks} chunks) were written by an earlier run.\n`);
    }
    if (unwritten.chunks.size > 0 && !plan.quiet) {
      io.stderr(`Taking ${unwritten.chunks.size} chunks that an earlier run finished but had not written yet from ${unwrittenPath(plan.output)}.\n`);
    }
    const bar = plan.quiet ? undefined : new ProgressBar({ totalRows: rows, totalChunks, write: io.stderr, isTTY: io.isTTY });
    const held: Table[] = [];
    const file = out;
    const t0 = now();
    let dim: number | undefined;
    let result: ChunkedCallResult;
    try {
      result = await backend.fn.chunkedCall(textArgs(data, plan.column, held, file.rowsWritten, plan.textTemplate), {
        ...plan.chunking,
        totalRows: rows,
        skipChunks: opened.skipChunks,
        completed: unwritten.chunks,
        concurrentChunks: plan.concurrentChunks,
        timeout: plan.timeout,
        retries: plan.retries,
        signal: io.signal,
        onProgress: bar?.onEvent,
        sink: {
          write: async ({ offset, table }) => {
            if (offset !== file.rowsReceived) throw new Error(`embedbook: results for row ${offset} arrived while row ${file.rowsReceived} was expected`);
            dim ??= firstDimension(table);
            await file.write(takeRows(held, table.numRows), table);
          },
        },
      } as ChunkedCallOptions);
    } catch (err) {
      bar?.finish();
      const kept = await out.keep();
      out = undefined;
      const how = `run the same command again (or add --resume) to continue from there`;
      if (err instanceof CancelledError) {
        const ahead = await saveUnwritten(plan.output, saved, kept, err.completedChunks).catch(() => 0);
        const also = ahead > 0 ? ` ${ahead} finished chunks past them are kept in ${unwrittenPath(plan.output)}.` : '';
        io.stderr(`Cancelled: ${kept.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} rows are saved in ${plan.output}.partial; ${how}.${also}\n`);
        return 130;
      }
      io.stderr(`Stopped: ${kept.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} rows are saved in ${plan.output}.partial; after fixing the error below, ${how}.\n`);
      throw err;
    }
    bar?.finish();
    const embedSeconds = (now() - t0) / 1000;
    const bytes = await out.finish(() => emptyOutput(data, metadata));
    out = undefined;
    const size = statSync(plan.output).size || bytes;
    io.stdout(
      `Wrote ${plan.output}: ${rows.toLocaleString('en-US')} rows × ${dim ?? '?'}-d embeddings + ${data.columns.length} input columns` +
        `${result.failedRows ? ` (${result.failedRows} rows failed: see the status and error_code columns)` : ''}, ${(size / 1024 / 1024).toFixed(1)} MiB. ` +
        `Embedding: ${formatRate(rows / Math.max(embedSeconds, 1e-9))} over ${result.chunks} chunks in ${embedSeconds.toFixed(1)} s via ${backend.label}.\n`,
    );
    return result.failedRows > 0 ? 3 : 0;
  } finally {
    if (out) await out.keep().catch(() => undefined);
    await backend.dispose?.();
  }
}

/** A 0-row input: the output is an empty file with the input's columns + embedding + status + error_code. */
async function emptyOutput(data: InputStream, metadata: Record<string, string>): Promise<Uint8Array> {
  let schemaTable: Table | undefined;
  for await (const b of data.batches()) {
    schemaTable = new Table(b);
    break;
  }
  const cols: Record<string, Vector> = {};
  schemaTable?.schema.fields.forEach((f, i) => (cols[f.name] = schemaTable!.getChildAt(i)!.slice(0, 0)));
  cols.embedding = vectorFromArray([], new List(new Field('item', new Float32(), true)));
  cols.status = vectorFromArray([], new Utf8());
  cols.error_code = vectorFromArray([], new Utf8());
  return writeParquetBuffer(new Table(cols), { metadata });
}

/** The embedding size: the length of the first non-null result row. */
function firstDimension(result: Table): number | undefined {
  const col = result.getChild('result');
  if (!col) return undefined;
  for (let i = 0; i < Math.min(col.length, 1000); i++) {
    const v = col.get(i) as { length: number } | null;
    if (v) return v.length;
  }
  return undefined;
}
