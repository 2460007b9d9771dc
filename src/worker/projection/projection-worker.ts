// The projection worker: PCA-reduces a sample of the embeddings, lays it out with UMAP epoch by
// epoch (posting frames so the page animates it), then places every other row by its nearest
// sample points. A worker of its own, so the main worker stays free for search, row look-ups and
// export while it runs; the page terminates it to cancel.
import * as Comlink from 'comlink';
import type { ProjectionWorkerApi, VectorBatch } from './api';
import { fitPca, projectRows, unitRows, type PcaBasis } from './pca';
import { SampleLayout, placeRows } from './layout';

/** Reduced dimension for the neighbour searches: enough to keep the local structure. */
const REDUCED_DIM = 32;
/** Epoch time budget between frames: short enough for a smooth animation. */
const FRAME_MS = 60;
/** Rows the PCA basis is fitted on: the covariance converges long before the whole sample. */
const PCA_ROWS = 1000;

let fitted: { basis: PcaBasis; reduced: Float32Array; rows: number; xy: Float32Array } | undefined;

function checkBatch(b: VectorBatch, what: string): void {
  if (!Number.isInteger(b.rows) || b.rows < 0 || !Number.isInteger(b.dim) || b.dim < 1 || b.data.length !== b.rows * b.dim) {
    throw new RangeError(`${what}: expected ${b.rows} × ${b.dim} values, got ${b.data.length}`);
  }
}

/** Every (rows / max)-th row, so a subset spans the whole sample, not its first rows. */
function strided(data: Float32Array, rows: number, dim: number, max: number): Float32Array {
  if (rows <= max) return data;
  const out = new Float32Array(max * dim);
  for (let i = 0; i < max; i++) {
    const r = Math.floor((i * rows) / max);
    out.set(data.subarray(r * dim, (r + 1) * dim), i * dim);
  }
  return out;
}

const api: ProjectionWorkerApi = {
  async fit(sample, onFrame) {
    checkBatch(sample, 'UMAP sample');
    fitted = undefined;
    const t0 = performance.now();
    const unit = unitRows(sample.data, sample.rows, sample.dim);
    const basis = fitPca(strided(unit, sample.rows, sample.dim, PCA_ROWS), Math.min(sample.rows, PCA_ROWS), sample.dim, REDUCED_DIM);
    const reduced = projectRows(basis, unit, sample.rows);
    const pcaMs = performance.now() - t0;
    const layout = new SampleLayout(reduced, sample.rows, basis.k);
    const t1 = performance.now();
    while (!layout.done) {
      const start = performance.now();
      while (!layout.done && performance.now() - start < FRAME_MS) layout.step(1);
      const xy = layout.coords();
      onFrame(Comlink.transfer({ epoch: layout.currentEpoch, epochs: layout.epochs, xy }, [xy.buffer]));
      // Let queued messages (a terminate, the page's acknowledgements) through between frames.
      await new Promise((r) => setTimeout(r, 0));
    }
    const xy = layout.coords();
    fitted = { basis, reduced, rows: sample.rows, xy };
    const stats = { sampleRows: sample.rows, reducedDim: basis.k, pcaMs, knnMs: layout.knnMs, epochsMs: performance.now() - t1 };
    const copy = xy.slice();
    return Comlink.transfer({ xy: copy, stats }, [copy.buffer]);
  },

  async place(batch) {
    checkBatch(batch, 'rows to place');
    if (!fitted) throw Object.assign(new Error('place() before fit(): fit the UMAP sample first'), { name: 'ProjectionStateError' });
    if (batch.dim !== fitted.basis.dim) throw new RangeError(`rows to place have ${batch.dim} dimensions, the sample had ${fitted.basis.dim}`);
    const reduced = projectRows(fitted.basis, unitRows(batch.data, batch.rows, batch.dim), batch.rows);
    const xy = placeRows(reduced, batch.rows, fitted.reduced, fitted.rows, fitted.basis.k, fitted.xy);
    return Comlink.transfer(xy, [xy.buffer]);
  },
};

Comlink.expose(api);
