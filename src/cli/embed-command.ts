// `embedbook embed input.csv --column text -o embeddings.parquet [--remote URL]`: read → chunked
// call (local model or a server function, same engine) with a live progress bar → Parquet with
// every input column + `embedding` (+ `status` when rows failed), rows in input order.
import { statSync } from 'node:fs';
import { Table } from 'apache-arrow';
import { CancelledError } from '../core/errors';
import type { ChunkedCallOptions, ChunkedCallResult } from '../core/types';
import { Remote } from '../client/remote-node';
import { parseEmbedFlags, type EmbedPlan, type RawEmbedFlags } from './embed-options';
import type { CliIO } from './main';
import { formatDuration, formatRate, ProgressBar } from './progress-bar';
import { readInput } from './read-input';
import { writeOutput } from './write-output';

/** Anything that runs a chunked call over a `text` column: a RemoteFunction or a local function. */
export interface EmbedBackend {
  /** For the summary line, e.g. "remote embed @ http://…" or "local default (cpu)". */
  label: string;
  /** Longer description printed before the run (model, dimension, why this device). */
  detail?: string;
  chunkedCall(args: Table, opts: ChunkedCallOptions): Promise<ChunkedCallResult>;
  dispose?(): Promise<void>;
}

export async function openBackend(plan: EmbedPlan): Promise<EmbedBackend> {
  if (plan.remote) {
    const { url, apiKey, functionName } = plan.remote;
    const fn = new Remote({ url, apiKey }).function(functionName);
    return { label: `remote "${functionName}" at ${url}`, chunkedCall: (args, opts) => fn.chunkedCall(args, opts) };
  }
  const { openLocalBackend } = await import('./local-backend');
  return openLocalBackend(plan.local ?? { model: 'default', device: 'auto' });
}

export interface EmbedDeps {
  /** Replaces the backend (tests). */
  backend?: EmbedBackend;
  now?: () => number;
}

export async function runEmbed(input: string, flags: RawEmbedFlags, io: CliIO, deps: EmbedDeps = {}): Promise<number> {
  const plan = parseEmbedFlags(input, flags);
  const now = deps.now ?? (() => performance.now());
  const started = now();
  const data = await readInput(plan.input, plan.column, io.signal, { delimiter: plan.delimiter });
  const rows = data.table.numRows;
  if (!plan.quiet) io.stderr(`Read ${rows.toLocaleString('en-US')} rows × ${data.table.numCols} columns from ${plan.input} (${formatDuration(now() - started)}).\n`);

  const backend = deps.backend ?? (await openBackend(plan));
  try {
    if (!plan.quiet) io.stderr(`Backend: ${backend.detail ?? backend.label}\n`);
    const totalChunks = plan.chunking.chunkSize !== undefined ? Math.ceil(rows / plan.chunking.chunkSize) : Math.min(plan.chunking.numChunks, rows);
    const bar = plan.quiet ? undefined : new ProgressBar({ totalRows: rows, totalChunks, write: io.stderr, isTTY: io.isTTY });
    const args = new Table({ text: data.text });
    const t0 = now();
    let result: ChunkedCallResult;
    try {
      result = await backend.chunkedCall(args, {
        ...plan.chunking,
        concurrentChunks: plan.concurrentChunks,
        timeout: plan.timeout,
        retries: plan.retries,
        signal: io.signal,
        onProgress: bar?.onEvent,
      } as ChunkedCallOptions);
    } catch (err) {
      bar?.finish();
      if (err instanceof CancelledError) {
        io.stderr(`Cancelled: ${err.completedChunks.size} of ${err.totalChunks || totalChunks} chunks had finished; nothing was written to ${plan.output}.\n`);
        return 130;
      }
      throw err;
    }
    bar?.finish();
    const embedSeconds = (now() - t0) / 1000;

    const dim = firstDimension(result.table);
    const bytes = await writeOutput(plan.output, data.table, result, {
      'embedbook.column': plan.column,
      'embedbook.backend': backend.label,
      ...(dim ? { 'embedbook.dimension': String(dim) } : {}),
    });
    const size = statSync(plan.output).size || bytes;
    io.stdout(
      `Wrote ${plan.output}: ${rows.toLocaleString('en-US')} rows × ${dim ?? '?'}-d embeddings + ${data.table.numCols} input columns` +
        `${result.failedRows ? ` (${result.failedRows} rows failed: see the status column)` : ''}, ${(size / 1024 / 1024).toFixed(1)} MiB. ` +
        `Embedding: ${formatRate(rows / Math.max(embedSeconds, 1e-9))} over ${result.chunks} chunks in ${embedSeconds.toFixed(1)} s via ${backend.label}.\n`,
    );
    return result.failedRows > 0 ? 3 : 0;
  } finally {
    await backend.dispose?.();
  }
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
