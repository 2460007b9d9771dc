// What GET /functions and GET /metrics show: each function's definition and counters, and the
// Prometheus text. Queue depths come from the store (through the guard); counters are this node's.
import type { FunctionSpec } from '../protocol/define-function';
import type { Metrics } from './metrics';
import type { Entry } from './registry/registry';
import type { StoreHealth } from './store-health';
import { deviceMetric, type PoolDevice } from './worker-device';
import type { WorkerPool } from './worker-pool';

export interface FunctionInfo {
  name: string;
  version: number;
  args: FunctionSpec['args'];
  input: FunctionSpec['input'];
  maxBatchingSize: number;
  maxBufferDuration: number;
  retries: number;
  resources: FunctionSpec['resources'];
  model?: string;
  output?: string;
  deployedAt: string;
  stats: { calls: number; rows: number; doneRows: number; failedRows: number; retries: number; batches: number; meanBatchSize: number; meanHandlerMs: number; queuedRows: number };
}

/** GET /functions: the active functions, by name. `depth`: rows accepted and unfinished in a stream. */
export async function functionInfos(entries: Entry[], metrics: Metrics, depth: (stream: string) => Promise<number>): Promise<FunctionInfo[]> {
  const out: FunctionInfo[] = [];
  for (const e of entries) {
    const m = metrics.fn(e.spec.name);
    const { spec } = e;
    out.push({
      name: spec.name, version: e.version, args: spec.args, input: spec.input, maxBatchingSize: spec.maxBatchingSize,
      maxBufferDuration: spec.maxBufferDuration, retries: spec.retries, resources: spec.resources,
      ...(spec.model !== undefined ? { model: spec.model } : {}), ...(spec.output !== undefined ? { output: spec.output } : {}),
      deployedAt: new Date(e.deployedAt).toISOString(),
      stats: {
        calls: m.calls, rows: m.rows, doneRows: m.doneRows, failedRows: m.failedRows, retries: m.retries, batches: m.batches,
        meanBatchSize: m.batchSize.count ? m.batchSize.sum / m.batchSize.count : 0,
        meanHandlerMs: m.handlerSeconds.count ? (1000 * m.handlerSeconds.sum) / m.handlerSeconds.count : 0,
        queuedRows: await depth(e.stream),
      },
    });
  }
  return out;
}

/** GET /metrics. Without the store (down), queue depths are left out and embedbook_store_up is 0. */
export async function renderMetrics(entries: Entry[], metrics: Metrics, pool: WorkerPool, device: PoolDevice, health: StoreHealth, depthOf: (stream: string) => Promise<number>): Promise<string> {
  const depth = new Map<string, number>();
  try {
    for (const e of entries) depth.set(e.spec.name, (depth.get(e.spec.name) ?? 0) + (await depthOf(e.stream)));
  } catch {
    depth.clear();
  }
  return metrics.render(depth, { size: pool.size, busy: pool.busy, queuedBatches: pool.queued }, { up: health.ok, errors: health.errors, outages: health.outages }) + deviceMetric(device, pool.size);
}
