// A hook for the e2e suite and for trying the explorer at scale: loads a synthetic clustered
// result into the worker (no model run) and marks the run done through the app's own store,
// so the Results cell shows it exactly as it shows a real run — and its dataset through the
// dataset store, as a read file's (the Dataset cell, Copy as code and the Export cell's column list).
import { workerApi } from '../../lib/worker-client';
import { useDataset } from '../../stores/dataset-store';
import { useRun } from '../../stores/run-store';

declare global {
  interface Window {
    embedbookLoadSyntheticResults?: (rows: number, dim: number) => Promise<void>;
  }
}

window.embedbookLoadSyntheticResults = async (rows, dim) => {
  const { summary, dataset } = await workerApi().loadSyntheticResults(rows, dim);
  useRun.getState().reset();
  useDataset.getState().startReading(dataset.fileName, dataset.fileSize);
  useDataset.getState().loaded(dataset);
  useRun.getState().finish(summary);
};
