// The Web Worker entry: builds the worker API (worker-api.ts) over IndexedDB (finished chunks,
// the resume session) and OPFS (the dataset file of an interrupted run, the export) and exposes it to the page
// through comlink. Nothing here touches the DOM.
import * as Comlink from 'comlink';
import { idbChunkStore } from './idb-chunk-store';
import { opfsWorkerFiles } from './dataset-files';
import { createLocalBackend, localBackendKey } from './local-backend';
import { createRemoteBackend } from './remote-backend';
import { createWorkerApi, guarded } from './worker-api';
import { webLockLeases } from './job-leases';
import { setParquetWasmSource } from '../io/parquet-wasm';
import parquetWasmUrl from 'parquet-wasm/esm/parquet_wasm_bg.wasm?url';

// Vite gives the .wasm a hashed same-origin URL; parquet-wasm's own default breaks in bundles.
setParquetWasmSource(parquetWasmUrl);

const api = createWorkerApi({
  store: idbChunkStore(),
  files: opfsWorkerFiles(),
  makeBackend: (spec, onModel) => (spec.kind === 'remote' ? createRemoteBackend(spec) : createLocalBackend(spec, onModel)),
  backendKey: (spec) => (spec.kind === 'remote' ? `remote|${spec.url}|${spec.apiKey}|${spec.functionName}` : localBackendKey(spec)),
  transfer: Comlink.transfer,
  // Another tab's job (running, or its results on screen) is not garbage (job-leases.ts).
  leases: 'locks' in navigator ? webLockLeases(navigator.locks) : undefined,
});

Comlink.expose(guarded(api));
