// A synthetic finished result (clustered unit vectors + a few typed columns) for the explorer's
// e2e test and for trying the explorer at scale without a 100k-row model run. Deterministic.
import { Float64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { ExplorerRequestError } from './explorer-queries';

const SYNTHETIC_LIMITS = { maxRows: 1_000_000, maxDim: 1024, maxCells: 200_000_000 } as const;

const TOPICS = ['astronomy', 'baking', 'chess', 'databases', 'economics', 'football', 'gardening', 'haskell', 'jazz', 'kernels', 'linguistics', 'medicine', 'networking', 'opera', 'poetry', 'quantum', 'rust', 'sailing', 'typography', 'volcanoes', 'weather', 'zoology'];

/** A synthetic input table and its embeddings (row-major), every row ok. */
export interface SyntheticResults {
  table: Table;
  matrix: Float32Array;
  dim: number;
  textColumn: string;
}

export function syntheticResults(rows: number, dim: number, seed = 1): SyntheticResults {
  if (!Number.isInteger(rows) || rows < 3 || rows > SYNTHETIC_LIMITS.maxRows) throw new ExplorerRequestError('syntheticResults', `rows must be an integer 3–${SYNTHETIC_LIMITS.maxRows}, got ${rows}`);
  if (!Number.isInteger(dim) || dim < 2 || dim > SYNTHETIC_LIMITS.maxDim || rows * dim > SYNTHETIC_LIMITS.maxCells) {
    throw new ExplorerRequestError('syntheticResults', `dim must be an integer 2–${SYNTHETIC_LIMITS.maxDim} with rows × dim ≤ ${SYNTHETIC_LIMITS.maxCells}, got ${dim}`);
  }
  let s = seed >>> 0 || 1;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
  // Each topic has a few sub-topics, and a row mixes its topic with a second one by a random
  // share, so the map has clusters with structure and bridges between them, not 22 dots.
  const centres = TOPICS.map(() => Array.from({ length: dim }, () => rand() * 2 - 1));
  const subs = TOPICS.map(() => Array.from({ length: 4 }, () => Array.from({ length: dim }, () => (rand() * 2 - 1) * 0.45)));
  const matrix = new Float32Array(rows * dim);
  const topic: string[] = [];
  const text: string[] = [];
  const score: number[] = [];
  const ids = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const t = Math.floor(rand() * TOPICS.length);
    const t2 = Math.floor(rand() * TOPICS.length);
    const share = rand() < 0.7 ? 0 : rand() * 0.5;
    const sub = subs[t][Math.floor(rand() * 4)];
    ids[i] = i;
    topic.push(TOPICS[t]);
    score.push(Math.round(rand() * 1000) / 10);
    text.push(`Item ${i} about ${TOPICS[t]}: a synthetic description number ${Math.floor(rand() * 1e6)}`);
    let n = 0;
    const base = i * dim;
    for (let j = 0; j < dim; j++) {
      const v = (1 - share) * centres[t][j] + share * centres[t2][j] + sub[j] + (rand() - 0.5) * 1.4;
      matrix[base + j] = v;
      n += v * v;
    }
    const inv = 1 / Math.sqrt(n);
    for (let j = 0; j < dim; j++) matrix[base + j] *= inv;
  }
  const table = new Table({
    id: vectorFromArray(ids),
    text: vectorFromArray(text, new Utf8()),
    topic: vectorFromArray(topic, new Utf8()),
    score: vectorFromArray(score, new Float64()),
  });
  return { table, matrix, dim, textColumn: 'text' };
}
