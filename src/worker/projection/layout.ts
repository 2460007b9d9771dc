// UMAP (umap-js) over a sample's reduced vectors, stepped epoch by epoch so the page can watch
// the points move, and the placement of every other row at the weighted mean of its nearest
// sample points' layout positions (UMAP's own initialisation rule for new points).
import { UMAP } from 'umap-js';
import { knnAgainst } from './knn';

export interface LayoutOptions {
  /** UMAP neighbours per point (15 = umap-learn's default). */
  neighbours: number;
  /** Optimisation epochs (umap-learn uses 200 for large inputs; umap-js's own default is 400–500 here). */
  epochs: number;
  minDist: number;
  seed: number;
}

const DEFAULT_LAYOUT: LayoutOptions = { neighbours: 15, epochs: 200, minDist: 0.1, seed: 42 };

function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** A UMAP layout of `rows` reduced vectors (row-major [rows, dim]) that advances on demand. */
export class SampleLayout {
  readonly epochs: number;
  readonly knnMs: number;
  private readonly umap: UMAP;
  private epoch = 0;

  constructor(
    readonly reduced: Float32Array,
    readonly rows: number,
    readonly dim: number,
    options: LayoutOptions = DEFAULT_LAYOUT,
  ) {
    const neighbours = Math.min(options.neighbours, rows - 1);
    if (neighbours < 2) throw new RangeError(`UMAP needs at least 3 points with an embedding, got ${rows}`);
    const t0 = performance.now();
    // The exact graph in the reduced space is both faster and better than umap-js's own
    // NN-descent over the raw vectors (measured: 5,000 × 512-d took 22 s to initialise).
    const knn = knnAgainst(reduced, rows, reduced, rows, dim, neighbours, 0);
    const indices: number[][] = [];
    const distances: number[][] = [];
    for (let r = 0; r < rows; r++) {
      indices.push(Array.from(knn.indices.subarray(r * knn.k, (r + 1) * knn.k)));
      distances.push(Array.from(knn.distances.subarray(r * knn.k, (r + 1) * knn.k)));
    }
    this.knnMs = performance.now() - t0;
    this.umap = new UMAP({ nNeighbors: knn.k, nEpochs: options.epochs, minDist: options.minDist, random: seeded(options.seed) });
    this.umap.setPrecomputedKNN(indices, distances);
    const points: number[][] = [];
    for (let r = 0; r < rows; r++) points.push(Array.from(reduced.subarray(r * dim, (r + 1) * dim)));
    this.epochs = this.umap.initializeFit(points);
  }

  get done(): boolean {
    return this.epoch >= this.epochs;
  }

  get currentEpoch(): number {
    return this.epoch;
  }

  /** Runs up to `n` more epochs; returns the epoch reached. */
  step(n: number): number {
    for (let i = 0; i < n && this.epoch < this.epochs; i++) this.epoch = this.umap.step();
    return this.epoch;
  }

  /** The current 2-D positions, [x0, y0, x1, y1, …] (a fresh copy). */
  coords(): Float32Array {
    const e = this.umap.getEmbedding();
    const out = new Float32Array(this.rows * 2);
    for (let r = 0; r < this.rows; r++) {
      out[2 * r] = e[r][0];
      out[2 * r + 1] = e[r][1];
    }
    return out;
  }
}

/**
 * 2-D positions for rows outside the sample: the inverse-distance weighted mean of the layout
 * positions of their `k` nearest sample points, all in the reduced space.
 */
export function placeRows(reduced: Float32Array, rows: number, sample: Float32Array, sampleRows: number, dim: number, sampleXY: Float32Array, k = 5): Float32Array {
  const knn = knnAgainst(reduced, rows, sample, sampleRows, dim, k);
  const out = new Float32Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    let wx = 0;
    let wy = 0;
    let wsum = 0;
    for (let i = 0; i < knn.k; i++) {
      const s = knn.indices[r * knn.k + i];
      const w = 1 / (knn.distances[r * knn.k + i] + 1e-6);
      wx += w * sampleXY[2 * s];
      wy += w * sampleXY[2 * s + 1];
      wsum += w;
    }
    out[2 * r] = wx / wsum;
    out[2 * r + 1] = wy / wsum;
  }
  return out;
}
