// What both CSV readers share before the tokenizer: the default delimiter a file name implies, the
// column names a header row gives, and the one loop that turns a byte source into text — strict
// UTF-8, decoded piece by piece (never the whole file as one string), checked for cancellation
// between pieces, with a mark each time ~batchBytes of input have gone by. readCsv (one Table)
// and the two-pass stream (csv-stream.ts) both read through it.
import { iterateBytes, type ByteSource } from './byte-source';
import type { CsvField } from './csv-tokenizer';
import { EmptyFileError, ReadAbortedError } from './errors';
import { StrictUtf8Decoder } from './utf8-decoder';

/** Tab for *.tsv / *.tab names; undefined for any other name (given, or detected by the caller). */
export function delimiterFromName(fileName: string): string | undefined {
  return /\.(tsv|tab)$/i.test(fileName) ? '\t' : undefined;
}

/** Column names from a header row: blanks become column_N, repeats get _2, _3, … */
export function columnNamesFromHeader(raw: readonly CsvField[]): string[] {
  const seen = new Map<string, number>();
  return raw.map((name, i) => {
    const base = name === null || name.trim() === '' ? `column_${i + 1}` : name;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}_${n}`;
  });
}

export interface TextPiece {
  text: string;
  /** Input bytes read so far, this piece included. */
  bytesRead: number;
  /** ~batchBytes of input have gone by since the last mark: a good place to end a batch. */
  batchEnd: boolean;
  /** The decoder's final flush: no text follows. */
  last: boolean;
}

/**
 * The source as text pieces of at most `batchBytes` input bytes each. Throws ReadAbortedError
 * once `signal` aborts, EmptyFileError when the source has no bytes, and the decoder's
 * InvalidUtf8Error (with the byte offset) for bytes that are not UTF-8.
 */
export async function* decodeCsvText(source: ByteSource, fileName: string, batchBytes: number, signal?: AbortSignal): AsyncGenerator<TextPiece> {
  const decoder = new StrictUtf8Decoder(fileName);
  let bytesRead = 0;
  let inBatch = 0;
  for await (const sourceChunk of iterateBytes(source)) {
    // A big chunk (a whole file as one Buffer) is decoded piecewise: never one giant string.
    for (let at = 0; at < sourceChunk.byteLength; at += batchBytes) {
      if (signal?.aborted) throw new ReadAbortedError(fileName);
      const chunk = sourceChunk.byteLength <= batchBytes ? sourceChunk : sourceChunk.subarray(at, at + batchBytes);
      bytesRead += chunk.byteLength;
      inBatch += chunk.byteLength;
      const batchEnd = inBatch >= batchBytes;
      if (batchEnd) inBatch = 0;
      yield { text: decoder.decode(chunk), bytesRead, batchEnd, last: false };
    }
  }
  if (signal?.aborted) throw new ReadAbortedError(fileName);
  if (bytesRead === 0) throw new EmptyFileError(fileName, 'it has no bytes');
  yield { text: decoder.end(), bytesRead, batchEnd: false, last: true };
}
