// Gathers the current cells' settings into what the worker's run() takes.
import type { BackendSpec, RunSettings } from '../../worker/api';
import { parseHubId } from '../../model/sources/hub';
import { validateChunking } from '../features/chunking/validate-chunking';
import { useChunking } from '../stores/chunking-store';
import { useDataset } from '../stores/dataset-store';
import { backendSpec, useFunction } from '../stores/function-store';

export type Readiness = { ok: true; backend: BackendSpec; settings: RunSettings } | { ok: false; reason: string };

export function currentRunSettings(): Readiness {
  const ds = useDataset.getState();
  if (ds.status !== 'ready' || !ds.info) return { ok: false, reason: 'Load a dataset first (cell 1).' };
  if (!ds.textColumn) return { ok: false, reason: 'Choose a text column (cell 1).' };
  const v = validateChunking(useChunking.getState(), ds.info.rows);
  const firstError = Object.values(v.errors)[0];
  if (firstError || !v.chunking) return { ok: false, reason: `Fix the chunking settings (cell 3): ${firstError ?? 'invalid'}` };
  const fn = useFunction.getState();
  if (fn.kind === 'local' && fn.model.kind === 'url' && !/^https?:\/\//.test(fn.model.url)) return { ok: false, reason: 'Enter the model URL (cell 2).' };
  if (fn.kind === 'local' && fn.model.kind === 'files' && fn.model.files.length === 0) return { ok: false, reason: 'Drop the model files (cell 2).' };
  if (fn.kind === 'local' && fn.model.kind === 'hub' && !parseHubId(fn.model.id.trim())) return { ok: false, reason: 'Enter a model id such as Xenova/all-MiniLM-L6-v2 (cell 2).' };
  if (fn.kind === 'remote' && !fn.remoteUrl.trim()) return { ok: false, reason: 'Enter the server URL (cell 2).' };
  return {
    ok: true,
    backend: backendSpec(fn),
    settings: { textColumn: ds.textColumn, chunking: v.chunking, concurrentChunks: v.concurrentChunks, timeout: v.timeout, retries: v.retries },
  };
}
