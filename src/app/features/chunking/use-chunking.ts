import { useMemo } from 'react';
import { useChunking } from '../../stores/chunking-store';
import { useDataset } from '../../stores/dataset-store';
import { validateChunking } from './validate-chunking';

/** The validated chunking settings for the loaded dataset (recomputed on every keystroke). */
export function useChunkingValidation() {
  const f = useChunking();
  const rows = useDataset((s) => s.info?.rows ?? null);
  const { mode, chunkSize, numChunks, concurrentChunks, timeout, retries } = f;
  return useMemo(
    () => ({ rows, v: validateChunking({ mode, chunkSize, numChunks, concurrentChunks, timeout, retries }, rows ?? 1) }),
    [rows, mode, chunkSize, numChunks, concurrentChunks, timeout, retries],
  );
}
