// Reads a finished run's results back from the ChunkStore, a chunk at a time: a page of rows
// (results preview), the vectors of given rows (explorer), the explorer sample kept with each
// chunk, cosine top-k over every row (search, more like this) and row-group slices for the export.
// Only the chunk metas (statuses, sample) are held; vectors are read when asked, with the two
// chunks read last kept (a preview scrolls, the explorer asks in row order).
import type { ChunkPlan } from '../core/types';
import type { ChunkMeta, ChunkStore } from './chunk-store';
import { EmbedbookError } from '../core/errors';
import { nearest, type Neighbour } from './vector-math';
import { chunkIndexAt, storedErrorCode } from './chunk-records';

/** The stored results lack a chunk (storage cleared by the browser or another tab): re-run. */
class ResultsMissingError extends EmbedbookError {
  override readonly name = 'ResultsMissingError';
  constructor(readonly chunks: string) {
    super(`The saved results are incomplete (${chunks} in this browser's storage; it may have been cleared): run the job again.`);
  }
  override details(): Record<string, unknown> {
    return { chunks: this.chunks };
  }
}

export interface ResultReader {
  rows: number;
  dim: number;
  /** Status of a row: null = ok, else NULL_STATUS or the error text. */
  status(row: number): string | null;
  /** The code of a row's error (NULL_TEXT for a null text), null = ok. */
  errorCode(row: number): string | null;
  /** Row-major vectors of rows [start, end) (zeros where a row has none). */
  range(start: number, end: number): Promise<Float32Array>;
  /** The explorer sample kept with the chunks: rows with an embedding, evenly spaced, ascending. */
  sample(): { rows: Int32Array; data: Float32Array };
  /** Cosine top-k over every row with an embedding, streamed chunk by chunk. */
  nearest(query: Float32Array, k: number, exclude?: number): Promise<Neighbour[]>;
}

export async function resultReader(store: ChunkStore, jobKey: string, plan: ChunkPlan[], dim: number): Promise<ResultReader> {
  const metas: ChunkMeta[] = await store.metas(jobKey);
  if (metas.length !== plan.length || metas.some((m, i) => m.index !== i || m.rows !== plan[i].rows)) {
    throw new ResultsMissingError(`${metas.length} of ${plan.length} chunks`);
  }
  const rows = plan.reduce((n, c) => n + c.rows, 0);
  const errorAt = metas.map((m) => new Map(Array.from(m.errorRows, (r, k) => [r, k])));
  const recent: Array<{ index: number; vectors: Float32Array }> = [];
  const chunkOf = (row: number) => chunkIndexAt(plan, row);
  const vectorsOf = async (index: number): Promise<Float32Array> => {
    const hit = recent.find((r) => r.index === index);
    if (hit) return hit.vectors;
    const m = metas[index];
    const v = m.dim === dim ? await store.vectors(jobKey, index) : new Float32Array(m.rows * dim);
    if (!v || v.length !== m.rows * dim) throw new ResultsMissingError(`chunk ${index}'s vectors missing`);
    recent.unshift({ index, vectors: v });
    recent.length = Math.min(recent.length, 2);
    return v;
  };
  let sampled: { rows: Int32Array; data: Float32Array } | undefined;
  return {
    rows,
    dim,
    status(row) {
      const c = chunkOf(row);
      const k = errorAt[c].get(row - plan[c].offset);
      return k === undefined ? null : metas[c].errors[k];
    },
    errorCode(row) {
      const c = chunkOf(row);
      const k = errorAt[c].get(row - plan[c].offset);
      return k === undefined ? null : storedErrorCode(metas[c], k);
    },
    async range(start, end) {
      const out = new Float32Array(Math.max(0, end - start) * dim);
      for (let c = chunkOf(start); c < plan.length && plan[c].offset < end; c++) {
        const v = await vectorsOf(c);
        const from = Math.max(start, plan[c].offset);
        const to = Math.min(end, plan[c].offset + plan[c].rows);
        out.set(v.subarray((from - plan[c].offset) * dim, (to - plan[c].offset) * dim), (from - start) * dim);
      }
      return out;
    },
    sample() {
      if (!sampled) {
        const n = metas.reduce((k, m) => k + (m.dim === dim ? m.sampleRows.length : 0), 0);
        sampled = { rows: new Int32Array(n), data: new Float32Array(n * dim) };
        let at = 0;
        for (const m of metas) {
          if (m.dim !== dim) continue;
          sampled.rows.set(m.sampleRows, at);
          sampled.data.set(m.sample, at * dim);
          at += m.sampleRows.length;
        }
      }
      return sampled;
    },
    async nearest(query, k, exclude) {
      let best: Neighbour[] = [];
      for (let c = 0; c < plan.length; c++) {
        const m = metas[c];
        if (m.dim !== dim || m.errorRows.length === m.rows) continue;
        const skip = new Uint8Array(m.rows);
        for (const r of m.errorRows) skip[r] = 1;
        if (exclude !== undefined && exclude >= m.offset && exclude < m.offset + m.rows) skip[exclude - m.offset] = 1;
        const hits = nearest({ data: await vectorsOf(c), rows: m.rows, dim }, query, k, skip).map((h) => ({ index: h.index + m.offset, score: h.score }));
        best = [...best, ...hits].sort((a, b) => b.score - a.score).slice(0, k);
      }
      return best;
    },
  };
}
