// `embedbook serve` tuning flags → createServer options: worker pool size (or one worker per GPU),
// onnxruntime threads per worker, CPU fallback for GPU functions, the queue bound and the body
// limit. Each flag is validated on its own with a message that names it and says what it takes;
// absent flags stay undefined so createServer's defaults (docs/server.md) apply.
import { availableParallelism } from 'node:os';
import type { ServerOptions } from '../server/create-server';
import { GPU_WORKER_DEVICES, type GpuWorkerDevice } from '../server/worker-device';
import { CliUsageError } from './errors';

/** The raw strings commander hands over (all optional). */
export interface RawServeTuning {
  workers?: string;
  gpus?: string;
  device?: string;
  threadsPerWorker?: string;
  allowCpuFallback?: boolean;
  maxQueuedRows?: string;
  bodyLimit?: string;
  maxHeldResults?: string;
}

export type ServeTuning = Pick<ServerOptions, 'workers' | 'gpus' | 'device' | 'threadsPerWorker' | 'allowCpuFallback' | 'maxQueuedRows' | 'bodyLimit' | 'maxHeldResultBytes'>;

/** The GPU kind `--gpus N` gives each worker; functions match it with `resources.gpu: 'any'` or 'gpu'. */
export const GENERIC_GPU_KIND = 'gpu';

/** More workers than this is a typo, not a machine (each worker is a thread with its own model). */
const MAX_WORKERS = 256;

function positiveInt(flag: string, raw: string, max: number, what: string, min = 1): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new CliUsageError(`--${flag} must be a whole number from ${min} to ${max.toLocaleString('en-US')} (${what}), got ${JSON.stringify(raw)}.`, flag);
  }
  return n;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** Bytes: `33554432`, `512KiB`, `64MiB`, `1GiB` (k/m/g are binary units). */
export function parseBytes(raw: string, flag = 'body-limit', maxGiB = 2): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(raw);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : NaN;
  // Below 1 KiB not even a one-row Arrow stream fits; above 2 GiB Node cannot buffer the body.
  if (!Number.isFinite(bytes) || bytes < 1024 || bytes > maxGiB * 1024 ** 3) {
    throw new CliUsageError(`--${flag} must be a size from 1KiB to ${maxGiB}GiB, as bytes (33554432) or with a unit (512KiB, 64MiB, 1GiB), got ${JSON.stringify(raw)}.`, flag);
  }
  return bytes;
}

/** `--gpus 2` → two workers of the generic kind; `--gpus nvidia-l4,nvidia-l4` → one worker per listed GPU. */
export function parseGpus(raw: string): string[] {
  const text = raw.trim();
  if (/^\d+$/.test(text)) return Array.from({ length: positiveInt('gpus', text, MAX_WORKERS, 'how many GPUs, one worker each') }, () => GENERIC_GPU_KIND);
  const kinds = text.split(',').map((k) => k.trim());
  const bad = kinds.find((k) => !/^[a-z0-9][a-z0-9._-]*$/i.test(k));
  if (bad !== undefined || kinds.length > MAX_WORKERS) {
    throw new CliUsageError(
      `--gpus takes a count (--gpus 2) or a comma-separated list of GPU kinds, one per device (--gpus nvidia-l4,nvidia-l4); ${bad !== undefined ? `${JSON.stringify(bad)} is not a kind name (letters, digits, . _ -)` : `at most ${MAX_WORKERS} GPUs`}, got ${JSON.stringify(raw)}.`,
      'gpus',
    );
  }
  return kinds;
}

/**
 * `minWorkers`: 0 for `serve` (`--workers 0` = an API node, which runs no batches), 1 for
 * `embedbook worker`.
 */
export function parseServeTuning(flags: RawServeTuning, minWorkers = 0): ServeTuning {
  const out: ServeTuning = {};
  if (flags.workers !== undefined && flags.gpus !== undefined) {
    throw new CliUsageError(`--workers ${flags.workers} and --gpus ${flags.gpus} were both given: with --gpus the pool is one worker per GPU, so pass one or the other.`, 'workers');
  }
  if (flags.workers !== undefined) out.workers = positiveInt('workers', flags.workers, MAX_WORKERS, minWorkers === 0 ? 'worker threads; 0 = an API node that runs none' : 'worker threads', minWorkers);
  if (flags.gpus !== undefined) out.gpus = parseGpus(flags.gpus);
  if (flags.device !== undefined) {
    if (flags.gpus === undefined) throw new CliUsageError(`--device ${flags.device} chooses what GPU workers run on: give it with --gpus (without --gpus the workers run on the CPU).`, 'device');
    if (!(GPU_WORKER_DEVICES as readonly string[]).includes(flags.device)) {
      throw new CliUsageError(`--device must be one of ${GPU_WORKER_DEVICES.join(', ')} (the GPU workers' device), got ${JSON.stringify(flags.device)}.`, 'device');
    }
    out.device = flags.device as GpuWorkerDevice;
  }
  if (flags.threadsPerWorker !== undefined) out.threadsPerWorker = positiveInt('threads-per-worker', flags.threadsPerWorker, 256, 'onnxruntime intra-op threads per worker');
  if (flags.allowCpuFallback) out.allowCpuFallback = true;
  if (flags.maxQueuedRows !== undefined) out.maxQueuedRows = positiveInt('max-queued-rows', flags.maxQueuedRows, 100_000_000, 'accepted-but-unfinished rows before 429');
  if (flags.bodyLimit !== undefined) out.bodyLimit = parseBytes(flags.bodyLimit);
  if (flags.maxHeldResults !== undefined) out.maxHeldResultBytes = parseBytes(flags.maxHeldResults, 'max-held-results', 1024);
  return out;
}

/**
 * One banner line describing the pool, e.g. "2 workers × 1 ORT thread" or "2 GPU workers (nvidia-l4,
 * nvidia-l4)". Threads per worker: `--threads-per-worker`, else the cores shared among the workers.
 */
export function describePool(t: ServeTuning, workers: number, cores = availableParallelism()): string {
  const threads = t.threadsPerWorker ?? Math.max(1, Math.floor(cores / Math.max(1, workers)));
  if (workers === 0) return 'no workers (an API node: worker nodes on the same store run the calls)';
  if (t.gpus?.length) return `${t.gpus.length} GPU worker${t.gpus.length === 1 ? '' : 's'} (${t.gpus.join(', ')})${t.allowCpuFallback ? ', CPU fallback on' : ''}`;
  return `${workers} worker${workers === 1 ? '' : 's'} × ${threads} ORT thread${threads === 1 ? '' : 's'}${t.allowCpuFallback ? ', CPU fallback on' : ''}`;
}
