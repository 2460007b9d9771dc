// How many WASM threads the local backend gives onnxruntime-web. One function, used by the worker
// (the session it creates) and the page (what the Function cell says before a run), so the two
// can never disagree.

/** More threads than this gain little for a small encoder and cost memory per thread. */
const MAX_WASM_THREADS = 8;

/**
 * Every core the browser offers (capped): inference runs in a Web Worker, so the page keeps its
 * own thread, and ORT's default (half the cores) gives 1 thread on a 2-core machine (see the
 * README's bench for 2 vs 1 thread). Threads need cross-origin isolation
 * (SharedArrayBuffer); without it ORT can only use 1.
 */
export function wasmThreads(cores: number, isolated: boolean): number {
  if (!isolated) return 1;
  return Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(cores) || 1));
}

export function threadsLabel(n: number): string {
  return `${n} thread${n === 1 ? '' : 's'}`;
}
