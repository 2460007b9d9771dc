// A fresh projection worker per projection; terminating it is how a projection is cancelled.
import * as Comlink from 'comlink';
import type { ProjectionWorkerApi } from '../../../worker/projection/api';

export interface ProjectionWorker {
  api: Comlink.Remote<ProjectionWorkerApi>;
  terminate(): void;
}

export function startProjectionWorker(): ProjectionWorker {
  const worker = new Worker(new URL('../../../worker/projection/projection-worker.ts', import.meta.url), { type: 'module', name: 'projection' });
  return { api: Comlink.wrap<ProjectionWorkerApi>(worker), terminate: () => worker.terminate() };
}
