// Chunks that finished but could not be written yet when `embed` was cancelled: the output is
// written in input order, so a chunk that finished while an earlier one was still running waits
// (at most concurrentChunks − 1 of them). On Ctrl-C the engine hands them back in
// CancelledError.completedChunks; they are kept in `<output>.unwritten` next to the journal and
// given back to the engine as `completed` by the run that continues, so they are not computed twice.
// The file is only a saving: one that is missing, damaged or from another state of the run is
// ignored (those chunks run again), never trusted.
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { isRowError } from '../core/row-error';
import type { BatchOutput } from '../core/types';
import type { RunIdentity } from './output-file';

interface SavedChunk {
  index: number;
  rows: number;
  /** Per row: the vector's length, or -1 for a row without a result. */
  lengths: number[];
  /** The chunk's per-row errors as the engine gave them (plain JSON data). */
  errors?: RowErrors;
}

type RowErrors = NonNullable<BatchOutput<unknown>['errors']>;

/** The run's identity plus the backend's label: chunks from another model must not be mixed in. */
type UnwrittenIdentity = RunIdentity & { backend: string };

interface Header {
  version: 1;
  identity: UnwrittenIdentity;
  /** The journal's committed rows when these were saved: they follow exactly that state. */
  rowsWritten: number;
  chunks: SavedChunk[];
}

export const unwrittenPath = (output: string) => `${output}.unwritten`;

export async function removeUnwritten(output: string): Promise<void> {
  await rm(unwrittenPath(output), { force: true });
}

/**
 * Saves the chunks of `chunks` whose values are all float32 vectors or null (what an embedding
 * function returns); others are left to run again. Returns how many chunks were saved.
 */
export async function saveUnwritten(output: string, identity: UnwrittenIdentity, rowsWritten: number, chunks: ReadonlyMap<number, BatchOutput<unknown>>): Promise<number> {
  const saved: SavedChunk[] = [];
  const parts: Float32Array[] = [];
  for (const [index, out] of [...chunks].sort((a, b) => a[0] - b[0])) {
    if (!out.values.every((v) => v === null || v === undefined || v instanceof Float32Array)) continue;
    const values = out.values as ReadonlyArray<Float32Array | null | undefined>;
    saved.push({ index, rows: values.length, lengths: values.map((v) => (v ? v.length : -1)), ...(out.errors ? { errors: [...out.errors] as RowErrors } : {}) });
    for (const v of values) if (v) parts.push(v);
  }
  if (saved.length === 0) {
    await removeUnwritten(output);
    return 0;
  }
  const header = new TextEncoder().encode(JSON.stringify({ version: 1, identity, rowsWritten, chunks: saved } satisfies Header));
  const floats = parts.reduce((n, p) => n + p.length, 0);
  const bytes = new Uint8Array(4 + header.byteLength + floats * 4);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, header.byteLength, true);
  bytes.set(header, 4);
  let at = 4 + header.byteLength;
  for (const p of parts) {
    for (let j = 0; j < p.length; j++, at += 4) view.setFloat32(at, p[j], true);
  }
  await writeFile(unwrittenPath(output), bytes);
  return saved.length;
}

const isCount = (n: unknown, min = 0): n is number => Number.isSafeInteger(n) && (n as number) >= min;
/** A saved row error: null (ok), a text (files before row codes) or `{ code, message }`. */
const isSavedRowError = (e: unknown): boolean => e === null || typeof e === 'string' || isRowError(e);

/**
 * The chunks a cancelled run saved, when they belong to this run (same identity, same committed
 * rows) and lie past the written ones; otherwise an empty map and why (for a note to the user).
 */
export async function loadUnwritten(
  output: string,
  identity: UnwrittenIdentity,
  rowsWritten: number,
  skipChunks: number,
): Promise<{ chunks: Map<number, BatchOutput<Float32Array>>; ignored?: string }> {
  const none = (ignored?: string) => ({ chunks: new Map<number, BatchOutput<Float32Array>>(), ignored });
  const path = unwrittenPath(output);
  if (!existsSync(path)) return none();
  const bytes = new Uint8Array(await readFile(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4) return none('it is truncated');
  const headerLength = view.getUint32(0, true);
  if (headerLength > bytes.byteLength - 4) return none(`its header claims ${headerLength} bytes, the file has ${bytes.byteLength}`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as Header;
  } catch {
    return none('its header is not JSON');
  }
  if (header?.version !== 1 || !Array.isArray(header.chunks)) return none('it is not a version-1 file');
  if (JSON.stringify(header.identity) !== JSON.stringify(identity) || header.rowsWritten !== rowsWritten) return none();
  let floats = 0;
  for (const c of header.chunks) {
    const ok =
      isCount(c?.index, skipChunks) && isCount(c.rows, 1) && Array.isArray(c.lengths) && c.lengths.length === c.rows &&
      c.lengths.every((n) => isCount(n, -1)) &&
      (c.errors === undefined || (Array.isArray(c.errors) && c.errors.length === c.rows && c.errors.every(isSavedRowError)));
    if (!ok) return none(`chunk ${JSON.stringify(c?.index)} is malformed`);
    for (const n of c.lengths) floats += Math.max(0, n);
  }
  if (4 + headerLength + floats * 4 !== bytes.byteLength) return none(`its vectors take ${bytes.byteLength - 4 - headerLength} bytes, the header says ${floats * 4}`);
  const chunks = new Map<number, BatchOutput<Float32Array>>();
  let at = 4 + headerLength;
  for (const c of header.chunks) {
    const values = c.lengths.map((n) => {
      if (n < 0) return null;
      const v = new Float32Array(n);
      for (let j = 0; j < n; j++, at += 4) v[j] = view.getFloat32(at, true);
      return v;
    });
    chunks.set(c.index, c.errors ? { values, errors: c.errors } : { values });
  }
  return { chunks };
}
