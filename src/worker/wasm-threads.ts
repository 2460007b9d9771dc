// How the local backend spreads WASM inference over the browser's cores: a pool of inference
// workers (inference-pool.ts), each with its own onnxruntime-web session at a few threads. One
// function, used by the worker (the pool it starts) and the page (what the Function cell says
// before a run), so the two can never disagree.

/** More threads than this gain little for a small encoder and cost memory per thread. */
const MAX_WASM_THREADS = 8;
/**
 * Workers hold one model each (the default fp32 model: ~30 MB of weights plus ORT's arenas per
 * worker; docs/app.md#threads has the tab's memory), so past this many each worker takes threads.
 */
const MAX_INFERENCE_WORKERS = 4;

export interface WasmPlan {
  /** Inference workers, one session each. */
  workers: number;
  /** WASM threads per worker's session (more than 1 only with cross-origin isolation). */
  threadsPerWorker: number;
}

/**
 * Every core the browser offers (capped), as data parallelism first: one 1-thread session per core
 * up to MAX_INFERENCE_WORKERS, then more threads per worker, so workers × threads = cores.
 * Inference runs off the page's thread, so all of them can go to it. onnxruntime-web's own thread
 * pool (threads inside one session) needs cross-origin isolation (SharedArrayBuffer); separate
 * workers do not, so a page that is not isolated still gets one worker per core at 1 thread each.
 */
export function wasmPlan(cores: number, isolated: boolean): WasmPlan {
  const total = Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(cores) || 1));
  const workers = Math.min(MAX_INFERENCE_WORKERS, total);
  return { workers, threadsPerWorker: isolated ? Math.max(1, Math.floor(total / workers)) : 1 };
}

/** "2 threads (2 workers × 1 thread)": every WASM thread the plan runs, then how they are split. */
export function wasmPlanLabel(plan: WasmPlan): string {
  const total = plan.workers * plan.threadsPerWorker;
  return `${threadsLabel(total)} (${plan.workers} worker${plan.workers === 1 ? '' : 's'} × ${threadsLabel(plan.threadsPerWorker)})`;
}

function threadsLabel(n: number): string {
  return `${n} thread${n === 1 ? '' : 's'}`;
}
