// The typed interface of the projection worker (comlink), shared by both sides as types only.
// Vectors and positions cross as transferred Float32Arrays.

/** Rows × dim raw embedding vectors (row-major); rows with no embedding are left out. */
export interface VectorBatch {
  rows: number;
  dim: number;
  data: Float32Array;
}

interface ProjectionFrame {
  epoch: number;
  epochs: number;
  /** Sample positions [x0, y0, …] after `epoch` epochs. */
  xy: Float32Array;
}

export interface FitStats {
  sampleRows: number;
  /** PCA components the neighbour graph and the placement use. */
  reducedDim: number;
  pcaMs: number;
  knnMs: number;
  epochsMs: number;
}

export interface ProjectionWorkerApi {
  /**
   * Fits PCA + UMAP on the sample, calling `onFrame` every few epochs with the positions so far;
   * resolves with the final positions. Keeps the fitted state for `place`.
   */
  fit(sample: VectorBatch, onFrame: (frame: ProjectionFrame) => void): Promise<{ xy: Float32Array; stats: FitStats }>;
  /** Positions [x, y, …] for more rows, placed by their nearest sample points (after `fit`). */
  place(batch: VectorBatch): Promise<Float32Array>;
}
