// Run actions: start (or resume — saved chunks are reused automatically), cancel, and
// restore an interrupted run after a reload.
import type { ResumeOffer } from '../../../worker/api';
import { proxy, toPlainError, workerApi } from '../../lib/worker-client';
import { currentRunSettings } from '../../lib/settings';
import { currentIdentity } from '../../lib/stale';
import { useChunking } from '../../stores/chunking-store';
import { useDataset } from '../../stores/dataset-store';
import { useFunction } from '../../stores/function-store';
import { useRun } from '../../stores/run-store';
import { reopenSavedDataset } from '../dataset/open-dataset';

export async function startRun(opts: { fresh?: boolean } = {}): Promise<void> {
  const ready = currentRunSettings();
  if (!ready.ok) {
    useRun.getState().fail({ name: 'NotReadyError', message: ready.reason });
    return;
  }
  useRun.getState().begin(currentIdentity() ?? undefined);
  try {
    const summary = await workerApi().run(ready.backend, ready.settings, proxy((events) => useRun.getState().apply(events)), opts.fresh ?? false);
    useRun.getState().finish(summary);
  } catch (err) {
    useRun.getState().fail(toPlainError(err));
  }
}

export async function cancelRun(): Promise<void> {
  useRun.getState().cancelling();
  await workerApi().cancel();
}

/**
 * Puts the saved settings back into the cells and re-reads the saved file (kept in IndexedDB with
 * the run), so after a reload the notebook shows the dataset again. True when the file loaded.
 */
export function restoreSaved(offer: ResumeOffer): Promise<boolean> {
  restoring = restore(offer).finally(() => (restoring = undefined));
  return restoring;
}

/** The restore in flight (a Resume clicked meanwhile waits for it instead of reading twice). */
let restoring: Promise<boolean> | undefined;

async function restore(offer: ResumeOffer): Promise<boolean> {
  const s = offer.settings;
  useChunking.getState().set({
    mode: s.chunking.mode,
    ...(s.chunking.mode === 'chunkSize' ? { chunkSize: String(s.chunking.chunkSize) } : { numChunks: String(s.chunking.numChunks) }),
    concurrentChunks: String(s.concurrentChunks),
    timeout: s.timeout === null ? '' : String(s.timeout),
    retries: String(s.retries),
  });
  const b = offer.backend;
  // The saved run has no API key: the one this tab remembers (sessionStorage) is already in the store.
  if (b?.kind === 'remote') useFunction.getState().set({ kind: 'remote', remoteUrl: b.url, functionName: b.functionName });
  else if (b?.kind === 'local') useFunction.getState().set({ kind: 'local', device: b.device, model: b.model });
  const ok = await reopenSavedDataset(offer.fileName, 0);
  if (ok) useDataset.getState().chooseTextColumn(s.textColumn);
  return ok;
}

/** Restores the saved run (unless already shown) and resumes it. */
export async function resumeSaved(offer: ResumeOffer): Promise<void> {
  if (restoring) await restoring;
  const ds = useDataset.getState();
  const shown = ds.status === 'ready' && ds.info?.fileName === offer.fileName && ds.textColumn === offer.settings.textColumn;
  if (!shown && !(await restoreSaved(offer))) return;
  await startRun();
}

export async function discardSaved(): Promise<void> {
  await workerApi().discardSaved();
}
