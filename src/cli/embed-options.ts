// Validates `embedbook embed` flags into the engine's options. Pure: no I/O, so every error case is
// a cheap unit test. Commander hands us strings; we check them here, naming the flag and the fix.
import { DTYPES, type Dtype } from '../model/dtype';
import type { ChunkingOptions } from '../core/types';
import { NODE_DEVICES } from '../model/node-device';
import { parseDelimiter } from '../io/csv-delimiter';
import { PARQUET_COMPRESSIONS, type ParquetCompression } from '../io/parquet-write';
import { parseTextTemplate, type TextTemplate } from '../io/text-template';
import { CliUsageError } from './errors';

/** What commander parses for `embed` (all strings, camel-cased). */
export interface RawEmbedFlags {
  column?: string;
  /** `{package}: {description}`: the text to embed built from several columns (replaces --column). */
  textTemplate?: string;
  delimiter?: string;
  chunkSize?: string;
  numChunks?: string;
  concurrentChunks?: string;
  timeout?: string;
  retries?: string;
  output?: string;
  remote?: string;
  apiKey?: string;
  function?: string;
  model?: string;
  device?: string;
  /** A prompt name from the model's config_sentence_transformers.json (e.g. query). */
  prompt?: string;
  /** fp32 | fp16 | q8 | q4: which ONNX file of the model's repo. */
  dtype?: string;
  quiet?: boolean;
  force?: boolean;
  resume?: boolean;
  rowGroupRows?: string;
  compression?: string;
}

export interface EmbedPlan {
  /** CSV delimiter; undefined = detect. */
  delimiter?: string;
  input: string;
  /** The text column, or the --text-template's source text when one is given. */
  column: string;
  textTemplate?: TextTemplate;
  chunking: ChunkingOptions;
  concurrentChunks: number;
  /** Seconds per chunk; undefined waits forever. */
  timeout?: number;
  retries: number;
  output: string;
  remote?: { url: string; apiKey?: string; functionName: string };
  local?: { model: string; device: string; prompt?: string; dtype?: Dtype };
  quiet: boolean;
  /** Replace an existing output / a different unfinished run. */
  force: boolean;
  /** Rows per output row group: also how often finished work is committed for a resume. */
  rowGroupRows: number;
  /** Parquet codec of the output (default zstd). */
  compression: ParquetCompression;
}

/** The defaults main.ts's help text states. */
const DEFAULTS = { chunkSize: 50, concurrentChunks: 4, rowGroupRows: 10_000 } as const;
const DEVICES: readonly string[] = NODE_DEVICES;

function positiveInt(flag: string, raw: string): number {
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n < 1) {
    throw new CliUsageError(`--${flag} must be a whole number ≥ 1, got ${JSON.stringify(raw)}.`, flag);
  }
  return n;
}

function nonNegativeInt(flag: string, raw: string): number {
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n)) {
    throw new CliUsageError(`--${flag} must be a whole number ≥ 0, got ${JSON.stringify(raw)}.`, flag);
  }
  return n;
}

export function parseEmbedFlags(input: string | undefined, flags: RawEmbedFlags): EmbedPlan {
  if (!input) throw new CliUsageError('Missing input file: embedbook embed <input.csv|input.parquet> -o embeddings.parquet', 'input');
  if (!/\.(csv|parquet|pq)$/i.test(input)) {
    throw new CliUsageError(`Input ${JSON.stringify(input)} is neither .csv nor .parquet; embedbook embed reads CSV or Parquet files.`, 'input');
  }
  if (flags.chunkSize !== undefined && flags.numChunks !== undefined) {
    throw new CliUsageError(
      `--chunk-size ${flags.chunkSize} and --num-chunks ${flags.numChunks} were both given; pass one or the other (rows per chunk, or how many chunks).`,
      'chunk-size',
    );
  }
  const chunking: ChunkingOptions =
    flags.numChunks !== undefined
      ? { numChunks: positiveInt('num-chunks', flags.numChunks) }
      : { chunkSize: flags.chunkSize !== undefined ? positiveInt('chunk-size', flags.chunkSize) : DEFAULTS.chunkSize };

  const concurrentChunks = flags.concurrentChunks !== undefined ? positiveInt('concurrent-chunks', flags.concurrentChunks) : DEFAULTS.concurrentChunks;

  let timeout: number | undefined;
  if (flags.timeout !== undefined && flags.timeout !== 'none') {
    timeout = Number(flags.timeout);
    if (flags.timeout.trim() === '' || !Number.isFinite(timeout) || timeout <= 0) {
      throw new CliUsageError(`--timeout is seconds per chunk and must be > 0 (or "none" to wait forever), got ${JSON.stringify(flags.timeout)}.`, 'timeout');
    }
  }
  const retries = flags.retries !== undefined ? nonNegativeInt('retries', flags.retries) : 0;

  let column = flags.column ?? 'text';
  if (column.trim() === '') throw new CliUsageError('--column must name the text column, got an empty string.', 'column');
  let textTemplate: TextTemplate | undefined;
  if (flags.textTemplate !== undefined) {
    try {
      textTemplate = parseTextTemplate(flags.textTemplate);
    } catch (err) {
      throw new CliUsageError(`--text-template: ${(err as Error).message}`, 'text-template');
    }
    column = flags.textTemplate;
  }

  const output = flags.output ?? 'embeddings.parquet';
  if (!/\.(parquet|pq)$/i.test(output)) {
    throw new CliUsageError(`-o/--output ${JSON.stringify(output)} must end in .parquet (embeddings are written as Parquet).`, 'output');
  }

  if (flags.apiKey !== undefined && flags.remote === undefined) {
    throw new CliUsageError('--api-key only applies with --remote URL; without --remote embedding runs locally.', 'api-key');
  }
  let remote: EmbedPlan['remote'];
  let local: EmbedPlan['local'];
  if (flags.remote !== undefined) {
    if (!/^https?:\/\/[^/]/i.test(flags.remote)) {
      throw new CliUsageError(`--remote must be an http(s) URL like http://127.0.0.1:7711, got ${JSON.stringify(flags.remote)}.`, 'remote');
    }
    if (flags.model !== undefined || flags.device !== undefined || flags.prompt !== undefined || flags.dtype !== undefined) {
      throw new CliUsageError('--model/--device choose the local model (and --prompt its prompt); with --remote the server\'s function decides (use --function).', flags.model !== undefined ? 'model' : 'device');
    }
    remote = { url: flags.remote, apiKey: flags.apiKey, functionName: flags.function ?? 'embed' };
  } else {
    if (flags.function !== undefined) {
      throw new CliUsageError('--function names a function on a server; pass --remote URL with it (locally the model is --model).', 'function');
    }
    const device = flags.device ?? 'auto';
    if (!DEVICES.includes(device)) {
      throw new CliUsageError(`--device must be one of ${DEVICES.join(', ')} in Node, got ${JSON.stringify(device)}.`, 'device');
    }
    if (flags.dtype !== undefined && !(DTYPES as readonly string[]).includes(flags.dtype)) {
      throw new CliUsageError(`--dtype must be one of ${DTYPES.join(', ')}, got ${JSON.stringify(flags.dtype)}.`, 'dtype');
    }
    local = {
      model: flags.model ?? 'default',
      device,
      ...(flags.prompt !== undefined ? { prompt: flags.prompt } : {}),
      ...(flags.dtype !== undefined ? { dtype: flags.dtype as Dtype } : {}),
    };
  }

  if (flags.force && flags.resume) {
    throw new CliUsageError('--force starts afresh and --resume continues an unfinished run; pass one or the other.', 'force');
  }
  const rowGroupRows = flags.rowGroupRows !== undefined ? positiveInt('row-group-rows', flags.rowGroupRows) : DEFAULTS.rowGroupRows;
  const compression = parseCompression(flags.compression);
  const delimiter = flags.delimiter === undefined ? undefined : parseDelimiter(flags.delimiter);
  if (flags.delimiter !== undefined && delimiter === undefined) {
    throw new CliUsageError(`--delimiter must be one of , ; tab | (or comma, semicolon, pipe), got ${JSON.stringify(flags.delimiter)}.`, 'delimiter');
  }
  return {
    input, column, ...(textTemplate ? { textTemplate } : {}), delimiter, chunking, concurrentChunks, timeout, retries, output, remote, local,
    quiet: Boolean(flags.quiet), force: Boolean(flags.force), rowGroupRows, compression,
  };
}

/** `--compression`: zstd (default) | snappy | none (also `uncompressed`). */
function parseCompression(raw: string | undefined): ParquetCompression {
  if (raw === undefined) return 'zstd';
  const name = raw.trim().toLowerCase() === 'none' ? 'uncompressed' : raw.trim().toLowerCase();
  if (!(PARQUET_COMPRESSIONS as readonly string[]).includes(name)) {
    throw new CliUsageError(`--compression must be one of zstd, snappy, none, got ${JSON.stringify(raw)}.`, 'compression');
  }
  return name as ParquetCompression;
}
