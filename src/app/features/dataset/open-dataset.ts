// Dataset actions: read a file in the worker with byte progress, then reset downstream cells.
import { proxy, toPlainError, workerApi } from '../../lib/worker-client';
import { useDataset } from '../../stores/dataset-store';
import { useRun } from '../../stores/run-store';

/** Reads `file` in the worker; `delimiter` ('auto' = detect) applies to CSV/TSV. */
export async function openDataset(file: File, delimiter = 'auto'): Promise<void> {
  const ds = useDataset.getState();
  ds.startReading(file.name, file.size, file, delimiter);
  useRun.getState().reset();
  try {
    const info = await workerApi().openDataset(file, proxy((p) => useDataset.getState().setProgress(p)), delimiter === 'auto' ? {} : { delimiter });
    useDataset.getState().loaded(info);
  } catch (err) {
    useDataset.getState().failed(toPlainError(err));
  }
}

/** Re-opens the file saved with an interrupted run (after a reload). */
export async function reopenSavedDataset(fileName: string, size: number): Promise<boolean> {
  useDataset.getState().startReading(fileName, size);
  try {
    const info = await workerApi().reopenSaved(proxy((p) => useDataset.getState().setProgress(p)));
    useDataset.getState().loaded(info);
    return true;
  } catch (err) {
    useDataset.getState().failed(toPlainError(err));
    return false;
  }
}
