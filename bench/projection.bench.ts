// The explorer's projection in Node, on synthetic clustered 512-d unit vectors: our UMAP set-up
// (PCA-32 + exact 15-NN) against umap-js's own NN-descent over the raw vectors (same-run ratio),
// the 200 UMAP epochs, and the placement rate of the rows outside the sample.
// `npm run bench -- projection [sampleRows=3000] [placeRows=10000]`
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UMAP } from 'umap-js';
import { syntheticResults } from '../src/worker/synthetic-results';
import { SampleLayout, placeRows } from '../src/worker/projection/layout';
import { fitPca, projectRows, unitRows } from '../src/worker/projection/pca';

export async function main(args: string[]): Promise<void> {
  const sample = Number(args[0] ?? 3000);
  const place = Number(args[1] ?? 10_000);
  const dim = 512;
  const s = syntheticResults(sample, dim, 1);
  const p = syntheticResults(place, dim, 2);

  let t = performance.now();
  const unit = unitRows(s.matrix, sample, dim);
  const pca = fitPca(unit.subarray(0, Math.min(sample, 1000) * dim), Math.min(sample, 1000), dim, 32);
  const reduced = projectRows(pca, unit, sample);
  const pcaMs = performance.now() - t;
  t = performance.now();
  const layout = new SampleLayout(reduced, sample, pca.k);
  const oursInitMs = performance.now() - t;
  t = performance.now();
  while (!layout.done) layout.step(10);
  const epochsMs = performance.now() - t;
  t = performance.now();
  placeRows(projectRows(pca, unitRows(p.matrix, place, dim), place), place, reduced, sample, pca.k, layout.coords());
  const placeMs = performance.now() - t;

  // umap-js's own set-up over the raw vectors (its NN-descent), for the same-run ratio.
  const raw: number[][] = [];
  for (let r = 0; r < sample; r++) raw.push(Array.from(unit.subarray(r * dim, (r + 1) * dim)));
  let seed = 1;
  const ref = new UMAP({ nNeighbors: 15, nEpochs: 200, random: () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296) });
  t = performance.now();
  ref.initializeFit(raw);
  const umapJsInitMs = performance.now() - t;

  const rows = [
    { step: `PCA-32 fit (1,000 rows) + projection (${sample} rows)`, ms: pcaMs },
    { step: `set-up: exact 15-NN in PCA-32 + umap-js graph (${sample} rows)`, ms: oursInitMs },
    { step: `set-up: umap-js NN-descent over ${dim}-d (reference)`, ms: umapJsInitMs },
    { step: `200 UMAP epochs (${sample} rows)`, ms: epochsMs },
    { step: `placement of ${place} rows (5-NN in PCA-32)`, ms: placeMs },
  ];
  console.table(rows.map((r) => ({ step: r.step, ms: r.ms.toFixed(0) })));
  console.log(`set-up speed-up over umap-js's own: ${(umapJsInitMs / (pcaMs + oursInitMs)).toFixed(1)}× (same run); placement ${Math.round(place / (placeMs / 1000))} rows/s`);
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'projection.json'), `${JSON.stringify({ bench: 'projection', date: new Date().toISOString(), node: process.version, sample, place, dim, rows }, null, 2)}\n`);
  writeFileSync(path.join(out, 'projection.md'), ['| step | ms |', '|---|---:|', ...rows.map((r) => `| ${r.step} | ${r.ms.toFixed(0)} |`)].join('\n') + '\n');
}
