// Runs a projection of the finished results: a sample's vectors go to the projection worker,
// which lays them out with UMAP and posts a frame every few epochs (drawn as they come); then
// every other row is fetched from the main worker in blocks and placed by its nearest sample
// points, so the plot ends with one point per row that has an embedding.
import { useEffect, useState } from 'react';
import type { FitStats } from '../../../worker/projection/api';
import { proxy, workerApi } from '../../lib/worker-client';
import { startProjectionWorker } from './projection-client';

/** Rows fetched and placed per round trip (20,000 is the worker's limit per call). */
const BLOCK = 10_000;

export interface PlotPoints {
  /** Positions scaled to [-1, 1] (what the WebGL scatter draws). */
  x: Float32Array;
  y: Float32Array;
  /** Result row of each point. */
  rows: Int32Array;
}

export interface ProjectionState {
  phase: 'loading' | 'umap' | 'placing' | 'done' | 'error';
  epoch: number;
  epochs: number;
  /** Rows with an embedding (the points the plot ends with). */
  total: number;
  /** Rows placed so far, the sample included. */
  placed: number;
  sampleRows: number;
  points: PlotPoints | null;
  stats: (FitStats & { placeMs: number }) | null;
  error: string | null;
}


/** Scales interleaved [x, y, …] into [-1, 1] (aspect kept) using the bounds of `ref`. */
function scaler(ref: Float32Array) {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < ref.length; i += 2) {
    x0 = Math.min(x0, ref[i]);
    x1 = Math.max(x1, ref[i]);
    y0 = Math.min(y0, ref[i + 1]);
    y1 = Math.max(y1, ref[i + 1]);
  }
  const half = Math.max(x1 - x0, y1 - y0, 1e-9) / 2 / 0.95;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  return (xy: Float32Array, x: Float32Array, y: Float32Array, at: number) => {
    for (let i = 0; i < xy.length / 2; i++) {
      x[at + i] = (xy[2 * i] - cx) / half;
      y[at + i] = (xy[2 * i + 1] - cy) / half;
    }
  };
}

export function useProjection(version: number, sampleSize: number): ProjectionState {
  const [state, setState] = useState<ProjectionState>({ phase: 'loading', epoch: 0, epochs: 0, total: 0, placed: 0, sampleRows: 0, points: null, stats: null, error: null });

  useEffect(() => {
    let stopped = false;
    const proj = startProjectionWorker();
    const update = (patch: Partial<ProjectionState>) => {
      if (!stopped) setState((s) => ({ ...s, ...patch }));
    };
    update({ phase: 'loading', epoch: 0, epochs: 0, placed: 0, points: null, stats: null, error: null });
    (async () => {
      const api = workerApi();
      const info = await api.explorerInfo();
      const total = info.rows - info.failedRows;
      // Evenly spaced rows with an embedding, kept with the stored chunks (no chunk is read).
      const { rows: sampleIdx, data } = await api.sampleVectors(sampleSize);
      update({ phase: 'umap', total, sampleRows: sampleIdx.length });
      const fit = await proj.api.fit(
        { rows: sampleIdx.length, dim: info.dim, data },
        proxy((f) => {
          const x = new Float32Array(sampleIdx.length);
          const y = new Float32Array(sampleIdx.length);
          scaler(f.xy)(f.xy, x, y, 0);
          update({ epoch: f.epoch, epochs: f.epochs, points: { x, y, rows: sampleIdx } });
        }),
      );
      if (stopped) return;
      // All points: the sample first, then the rest in row order as blocks are placed.
      const x = new Float32Array(total);
      const y = new Float32Array(total);
      const rows = new Int32Array(total);
      const scale = scaler(fit.xy);
      scale(fit.xy, x, y, 0);
      rows.set(sampleIdx);
      let placed = sampleIdx.length;
      update({ phase: 'placing', placed, points: { x: x.subarray(0, placed), y: y.subarray(0, placed), rows: rows.subarray(0, placed) } });
      const inSample = new Uint8Array(info.rows);
      for (const r of sampleIdx) inSample[r] = 1;
      const t0 = performance.now();
      for (let start = 0; start < info.rows && !stopped; start += BLOCK) {
        const idx: number[] = [];
        for (let r = start; r < Math.min(info.rows, start + BLOCK); r++) if (!inSample[r]) idx.push(r);
        if (idx.length === 0) continue;
        const block = await api.vectorsOf(Int32Array.from(idx));
        const okIdx = idx.filter((_, i) => block.ok[i] === 1);
        if (okIdx.length === 0) continue;
        const okData = okIdx.length === idx.length ? block.data : new Float32Array(okIdx.length * info.dim);
        if (okData !== block.data) {
          let k = 0;
          idx.forEach((_, i) => {
            if (block.ok[i]) okData.set(block.data.subarray(i * info.dim, (i + 1) * info.dim), info.dim * k++);
          });
        }
        const xy = await proj.api.place({ rows: okIdx.length, dim: info.dim, data: okData });
        scale(xy, x, y, placed);
        rows.set(okIdx, placed);
        placed += okIdx.length;
        update({ placed, points: { x: x.subarray(0, placed), y: y.subarray(0, placed), rows: rows.subarray(0, placed) } });
      }
      update({ phase: 'done', stats: { ...fit.stats, placeMs: performance.now() - t0 } });
    })().catch((err: unknown) => update({ phase: 'error', error: err instanceof Error ? err.message : String((err as { message?: unknown })?.message ?? err) }));
    return () => {
      stopped = true;
      proj.terminate();
    };
  }, [version, sampleSize]);

  return state;
}
