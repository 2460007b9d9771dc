// A hook for the e2e suite and for trying the explorer at scale: loads a synthetic clustered
// result into the worker (no model run) and marks the run done through the app's own store,
// so the Results cell shows it exactly as it shows a real run.
import { workerApi } from '../../lib/worker-client';
import { useRun } from '../../stores/run-store';

declare global {
  interface Window {
    embedbookLoadSyntheticResults?: (rows: number, dim: number) => Promise<void>;
  }
}

window.embedbookLoadSyntheticResults = async (rows, dim) => {
  const summary = await workerApi().loadSyntheticResults(rows, dim);
  useRun.getState().finish(summary);
};
