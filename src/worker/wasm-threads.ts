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
 * Every core the browser offers (capped), as data parallelism first: one session per worker, up to
 * MAX_INFERENCE_WORKERS workers, each with the same number of threads, so that workers × threads
 * comes as close to the cores as it can (6 cores: 3 × 2, not 4 × 1) while keeping at least half
 * the workers it could have. Inference runs off the page's thread, so all of them can go to it.
 * onnxruntime-web's own thread pool (threads inside one session) needs cross-origin isolation
 * (SharedArrayBuffer); separate workers do not, so a page that is not isolated still gets its
 * workers, at 1 thread each.
 */
export function wasmPlan(cores: number, isolated: boolean): WasmPlan {
  const total = Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(cores) || 1));
  const most = Math.min(MAX_INFERENCE_WORKERS, total);
  if (!isolated) return { workers: most, threadsPerWorker: 1 };
  let best: WasmPlan = { workers: most, threadsPerWorker: Math.floor(total / most) };
  for (let w = most - 1; w >= Math.ceil(most / 2); w--) {
    const t = Math.floor(total / w);
    if (w * t > best.workers * best.threadsPerWorker) best = { workers: w, threadsPerWorker: t };
  }
  return best;
}

/** "2 threads (2 workers × 1 thread)": every WASM thread the plan runs, then how they are split. */
export function wasmPlanLabel(plan: WasmPlan): string {
  const total = plan.workers * plan.threadsPerWorker;
  return `${threadsLabel(total)} (${plan.workers} worker${plan.workers === 1 ? '' : 's'} × ${threadsLabel(plan.threadsPerWorker)})`;
}

function threadsLabel(n: number): string {
  return `${n} thread${n === 1 ? '' : 's'}`;
}
