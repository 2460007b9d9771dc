// Honest state: results, exports and the run's tiles belong to the settings the run started
// with. Any later change to the dataset, its text column or delimiter, the function (backend,
// model, device, server, function name) or the chunking makes them stale until the next run.
import type { BackendSpec, RunSettings } from '../../worker/api';
import { useChunking } from '../stores/chunking-store';
import { useDataset } from '../stores/dataset-store';
import { useFunction } from '../stores/function-store';
import { useRun } from '../stores/run-store';
import { currentRunSettings } from './settings';

/** Identity of what a run computes (not concurrency, timeout or retries, which change no result). */
function runIdentity(fingerprint: string, backend: BackendSpec, settings: RunSettings): string {
  const b = backend.kind === 'remote' ? { ...backend, apiKey: '' } : { ...backend, model: backend.model.kind === 'files' ? backend.model.files.map((f) => `${f.name}/${f.size}`) : backend.model };
  return JSON.stringify([fingerprint, settings.textColumn, settings.chunking, b]);
}

/** The identity of the cells as they are now, or null when they are not runnable. */
export function currentIdentity(): string | null {
  const r = currentRunSettings();
  const fp = useDataset.getState().info?.fingerprint;
  return r.ok && fp ? runIdentity(fp, r.backend, r.settings) : null;
}

/** True when the last run's output no longer matches the cells. Re-renders on any change. */
export function useStale(): boolean {
  useDataset();
  useChunking();
  useFunction();
  const { ranWith, status } = useRun();
  if (!ranWith || status === 'idle' || status === 'loading-model' || status === 'running' || status === 'cancelling') return false;
  return currentIdentity() !== ranWith;
}
