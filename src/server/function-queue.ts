// The queue service: registry (deploy, redeploy with drain, remove), call intake with validation
// and backpressure, one Batcher per function version feeding the worker pool, result waiting
// (long-poll), cancel, stats and graceful shutdown. HTTP lives in routes.ts; this class knows none.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { processBundleDir } from './bundle-dir';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TimerApi } from '../core/types';
import { defaultTimers } from '../core/timers';
import { backoffDelayMs, withDeadline, type BackoffPolicy } from '../core/retry';
import { AdmissionLine } from './admission-line';
import { Batcher } from './batcher';
import { memoryMb, validateSpec, type FunctionSpec } from '../protocol/define-function';
import {
  BadRequestError, InvalidBundleError, InvalidDefinitionError, QueueFullError, ServerShuttingDownError,
  SHUTTING_DOWN_STATUS, CANCELLED_STATUS, StoreUnavailableError, UnknownCallError, UnknownFunctionError, UnsatisfiableResourcesError,
} from './errors';
import { extractColumns, inputRows, resultIpc, type CallInput } from './arrow-io';
import { MemoryQueueStore } from './memory-store';
import { Metrics } from './metrics';
import { StoreHealth, type StoreHealthSnapshot } from './store-health';
import { streamKey, type CallRecord, type QueueStore, type QueuedRow } from './store';
import { WorkerPool } from './worker-pool';
import { deviceMetric, planPoolDevice, type GpuWorkerDevice, type PoolDevice } from './worker-device';
import type { FnRef, ModelSource } from './worker/protocol';

/** The module that serves built-in models from model files (worker/default-model.ts). */
export const MODEL_MODULE_URL = new URL('./worker/default-model.ts', import.meta.url).href;

/**
 * A built-in model: its files ('default' = public/models/default, or a Hugging Face-layout
 * folder), or the URL of a module exporting `createModelHandler` (see worker/protocol.ts).
 */
export type ModelEntry = ModelSource | { module: string };

/** Re-subscribing to the store's events while it is down: 100 ms to 5 s apart, jittered. */
const WATCH_RETRY: BackoffPolicy = { baseMs: 400, capMs: 4_900, minMs: 100 };
/** Shortest wait a 429 asks for: retries any sooner would only spin. */
const MIN_RETRY_MS = 50;
/** Longest: the estimate is rough, and a ticket that comes back early just keeps its place. */
const MAX_RETRY_MS = 10_000;
/** How often parked submits re-check the room (rows finished here also trigger a check at once). */
const PUMP_MS = 25;

export const BUILTIN_MODELS: Record<string, ModelEntry> = { default: 'default' };

export interface QueueOptions {
  store?: QueueStore;
  timers?: TimerApi;
  /** Worker threads (default: os.availableParallelism()). Ignored when `gpus` is given. */
  workers?: number;
  /** One worker per GPU, each with its kind, e.g. ['nvidia-l4']. */
  gpus?: string[];
  /** What GPU workers run models on: 'auto' (default: CUDA, else a hardware WebGPU adapter, else CPU), 'cuda' or 'webgpu'. */
  device?: GpuWorkerDevice;
  /** Run functions that ask for a GPU no worker has on CPU workers instead of refusing them. */
  allowCpuFallback?: boolean;
  /** Rows accepted and not finished, across functions, before submits get 429 (default 100,000). */
  maxQueuedRows?: number;
  /**
   * Under a full queue, admit retries in the order their 429 tickets were issued (default true;
   * admission-line.ts). false: whichever retry finds room first gets it (kept for the load bench).
   */
  fairAdmission?: boolean;
  /**
   * How long a submit that finds the queue full waits in line on the server (its request held
   * open) before it gets 429 with a ticket (default 5,000 ms). Parked rows are bounded by
   * maxQueuedRows; beyond that, 429 at once.
   */
  admissionHoldMs?: number;
  /** Per-batch deadline when the function sets none (default 300,000 ms). */
  batchTimeoutMs?: number;
  /** Re-runs of a batch whose worker died before it counts as a failed attempt (default 2). */
  maxCrashReruns?: number;
  retryBackoffMs?: number;
  /** How long a finished call's result is kept for polling (default 10 min). */
  resultTtlMs?: number;
  /**
   * Where uploaded bundles are written (default node_modules/.cache/embedbook/functions), in a
   * subfolder per server process; folders of processes that are gone are removed at start.
   */
  bundleDir?: string;
  /** Workers one function may hold at once (default: all but one when there are ≥ 2 workers). */
  maxWorkersPerFunction?: number;
  /** See PoolOptions.recycleUnloaded (default true; false only for the redeploy benchmark's baseline). */
  recycleUnloadedWorkers?: boolean;
  /** Extra or replacement built-in models, e.g. `{ minilm: { folder: '/models/all-MiniLM-L6-v2' } }`. */
  models?: Record<string, ModelEntry>;
  /** Intra-op threads per worker for model handlers (default: cores / workers). */
  threadsPerWorker?: number;
  /**
   * Batches handed to each worker behind the one it runs (default 1), so it starts the next without
   * waiting on the server thread. Rows of such a batch are committed: a cancel no longer drops them.
   */
  workerPrefetch?: number;
  /**
   * A request's store call that takes longer than this answers 503 (default 10 s on a shared store
   * such as Redis; none for the in-memory store, which cannot hang).
   */
  storeTimeoutMs?: number;
  /** Where store outages are reported, once per outage (default console.error). */
  log?: (line: string) => void;
}

interface Entry {
  spec: FunctionSpec;
  version: number;
  stream: string;
  ref: FnRef;
  batcher: Batcher;
  deployedAt: number;
}

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

export type CallView =
  | { done: true; call: CallRecord; ipc: Uint8Array; handlerMs: number }
  | { done: false; call: CallRecord };

export class FunctionQueue {
  readonly store: QueueStore;
  readonly timers: TimerApi;
  readonly pool: WorkerPool;
  /** The device model workers run on and why (banner, /health, /metrics). */
  readonly device: PoolDevice;
  readonly metrics = new Metrics();
  private readonly active = new Map<string, Entry>();
  private readonly draining = new Set<Entry>();
  private readonly versions = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly models: Record<string, ModelEntry>;
  /** This server's own subfolder of the bundle folder (created at the first deploy). */
  private readonly bundleDir: string;
  private closing = false;
  private sweepTimer: unknown;
  /** Rows of submits that passed the queue-full check and are being added. */
  private reserved = 0;
  /**
   * Handler time (ms, measured in the worker) of the batches each call's rows ran in: sent as
   * `Server-Timing: handler;dur=…` so clients (and the queue benchmark) can tell queue overhead from
   * model time. Diagnostic only, kept in this process.
   */
  private readonly handlerMsByCall = new Map<string, number>();
  /** Who goes first when the queue frees room (429 tickets). */
  private readonly line: AdmissionLine;
  /** Re-checks the room for parked submits while there are any (covers rows finished elsewhere). */
  private pumpTimer: unknown;
  private pumping = false;
  /** Rows finished per second, smoothed: sizes Retry-After. */
  private rate = 0;
  private rateAt = 0;
  /** Whether the store answers; fed by every store call. */
  readonly storeHealth: StoreHealth;
  /** Settles once subscribed to the store's cross-server events (at once when it has none). */
  private watching: Promise<void> = Promise.resolve();
  private unwatch: (() => void) | undefined;
  private watchRetry: unknown;

  constructor(private readonly opts: QueueOptions = {}) {
    this.timers = opts.timers ?? defaultTimers;
    this.store = opts.store ?? new MemoryQueueStore(() => this.timers.now());
    this.models = { ...BUILTIN_MODELS, ...opts.models };
    this.line = new AdmissionLine({ now: () => this.timers.now(), fair: opts.fairAdmission, maxParkedRows: opts.maxQueuedRows ?? 100_000 });
    const cores = availableParallelism();
    const size = opts.gpus?.length || opts.workers || cores;
    const threads = opts.threadsPerWorker ?? Math.max(1, Math.floor(cores / size));
    this.device = planPoolDevice(opts.gpus, opts.device, threads);
    this.pool = new WorkerPool({
      size,
      gpus: opts.gpus,
      gpuDevice: this.device.device,
      threadsPerWorker: threads,
      timers: this.timers,
      batchTimeoutMs: opts.batchTimeoutMs ?? 300_000,
      maxCrashReruns: opts.maxCrashReruns ?? 2,
      prefetch: opts.workerPrefetch,
      maxWorkersPerFunction: opts.maxWorkersPerFunction,
      recycleUnloaded: opts.recycleUnloadedWorkers,
      events: { workerLost: () => this.metrics.workerRestarts++ },
    });
    this.bundleDir = processBundleDir(
      opts.bundleDir ?? (existsSync('node_modules') ? join(process.cwd(), 'node_modules', '.cache', 'embedbook', 'functions') : join(tmpdir(), 'embedbook-functions')),
    );
    this.storeHealth = new StoreHealth(opts.log ?? ((line) => console.error(line)), () => this.timers.now());
    if (this.store.watch) this.watching = this.watchStore(1);
  }

  /**
   * Subscribes to the shared store's events: a call finished by another server wakes this one's
   * long-polls at once, and rows appended through another server wake this one's batcher (an idle
   * server then joins in). Retries with backoff while the store is down; never rejects.
   */
  private async watchStore(attempt: number): Promise<void> {
    try {
      const stop = await this.store.watch?.({
        finished: (ids) => this.wake(ids),
        appended: (stream) => this.entryByStream(stream)?.batcher.notify(),
      });
      if (this.closing) stop?.();
      else this.unwatch = stop;
    } catch (err) {
      this.storeHealth.failed(err, 'watch');
      if (this.closing) return;
      // Retried in the background (polls do not wait for it): meanwhile pollers wake at their own
      // timeouts and batchers on their own timers.
      const delay = backoffDelayMs(attempt, WATCH_RETRY, this.timers.random);
      this.watchRetry = this.timers.setTimeout(() => {
        this.watchRetry = undefined;
        if (!this.closing) void this.watchStore(attempt + 1);
      }, delay);
    }
  }

  private entryByStream(stream: string): Entry | undefined {
    for (const e of this.active.values()) if (e.stream === stream) return e;
    for (const e of this.draining) if (e.stream === stream) return e;
    return undefined;
  }

  /**
   * Runs a store call for a request: a failure (or no answer within storeTimeoutMs) becomes a 503
   * StoreUnavailableError naming the cause, and is reported to storeHealth.
   */
  private async guard<T>(where: string, op: () => Promise<T>): Promise<T> {
    const limit = this.opts.storeTimeoutMs ?? (this.store.shared ? 10_000 : 0);
    try {
      const out = await withDeadline(op(), limit, this.timers, () => new Error(`no answer within ${limit} ms`));
      this.storeHealth.succeeded();
      return out;
    } catch (err) {
      this.storeHealth.failed(err, where);
      throw new StoreUnavailableError(err instanceof Error ? err.message : String(err));
    }
  }

  /** For /health: asks the store once (a cheap depth query) and reports what it found. */
  async checkStore(): Promise<StoreHealthSnapshot> {
    try {
      await this.guard('health', () => this.store.depth());
    } catch {
      // Recorded in storeHealth by guard.
    }
    return this.storeHealth.snapshot();
  }

  /** The most rows one call may carry (maxQueuedRows): bodies claiming more are refused unread. */
  get maxRowsPerCall(): number {
    return this.opts.maxQueuedRows ?? 100_000;
  }

  /** Submits waiting in line for room (parked here, or away with a 429 ticket). */
  get waitingInLine(): number {
    return this.line.length;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  functionNames(): string[] {
    return [...this.active.keys()].sort();
  }

  /** Deploys (or redeploys) a function. `bundle` is the ES module text of a user handler. */
  async deploy(definition: unknown, bundle?: string): Promise<{ name: string; version: number }> {
    if (this.closing) throw new ServerShuttingDownError();
    const hasHandler = typeof bundle === 'string' && bundle.length > 0;
    const spec = validateSpec(definition, { hasHandler });
    if (spec.model !== undefined && !this.models[spec.model]) {
      throw new InvalidDefinitionError('model', `"${spec.model}" is not a built-in model; available: ${Object.keys(this.models).map((m) => `"${m}"`).join(', ')}.`);
    }
    const gpu = spec.resources.gpu;
    if (gpu && !this.opts.allowCpuFallback && !this.pool.gpuKinds.some((k) => gpu === 'any' || k === gpu)) {
      throw new UnsatisfiableResourcesError(spec.name, gpu, this.pool.gpuKinds);
    }
    const version = (this.versions.get(spec.name) ?? 0) + 1;
    this.versions.set(spec.name, version);
    const key = streamKey(spec.name, version);
    const ref: FnRef = { key, name: spec.name, version, input: spec.input, args: spec.args, ...(spec.output !== undefined ? { output: spec.output } : {}) };
    if (spec.model !== undefined) {
      const m = this.models[spec.model];
      ref.model = spec.model;
      if (typeof m === 'object' && 'module' in m) ref.modelModuleUrl = m.module;
      else {
        ref.modelModuleUrl = MODEL_MODULE_URL;
        ref.modelSource = m;
      }
    } else {
      mkdirSync(this.bundleDir, { recursive: true });
      const hash = createHash('sha256').update(bundle as string).digest('hex').slice(0, 12);
      // In this server's own folder: several servers may share the parent, and each deletes its own.
      const file = join(this.bundleDir, `${spec.name}-${version}-${hash}.mjs`);
      writeFileSync(file, bundle as string);
      ref.bundleUrl = pathToFileURL(file).href;
    }
    try {
      await this.pool.inspect(ref, { memoryMb: memoryMb(spec.resources.memory) });
    } catch (err) {
      if (ref.bundleUrl) rmSync(fileURLToPath(ref.bundleUrl), { force: true });
      const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      if (spec.model !== undefined) throw new InvalidDefinitionError('model', `"${spec.model}" could not be loaded in a worker: ${why}`);
      throw new InvalidBundleError(spec.name, why);
    }
    const entry: Entry = { spec, version, stream: key, ref, deployedAt: this.timers.now(), batcher: this.makeBatcher(spec, key, ref) };
    const old = this.active.get(spec.name);
    this.active.set(spec.name, entry);
    this.countFunctions();
    if (old) void this.retire(old, false);
    // On a shared store rows may already wait in this stream (submitted through another server, or
    // left by one that shut down): look at once instead of at the next event.
    if (this.store.shared) entry.batcher.notify();
    return { name: spec.name, version };
  }

  /** Lets a replaced or removed version finish its calls, then drops it from the workers. */
  private async retire(entry: Entry, flush: boolean): Promise<void> {
    this.draining.add(entry);
    await entry.batcher.drain({ flush });
    entry.batcher.dispose();
    this.pool.unload(entry.ref.key);
    this.draining.delete(entry);
    this.countFunctions();
    // The module stays cached in workers that loaded it, but its file is no longer needed.
    if (entry.ref.bundleUrl) rmSync(fileURLToPath(entry.ref.bundleUrl), { force: true });
  }

  /** The per-function worker cap applies while two or more functions (draining ones too) are deployed. */
  private countFunctions(): void {
    this.pool.setFunctionCount(new Set([...this.active.keys(), ...[...this.draining].map((e) => e.spec.name)]).size);
  }

  /** Removes a function after draining its in-flight work. */
  async remove(name: string): Promise<void> {
    const entry = this.active.get(name);
    if (!entry) throw new UnknownFunctionError(name, this.functionNames());
    this.active.delete(name);
    await this.retire(entry, true);
  }

  private makeBatcher(spec: FunctionSpec, stream: string, ref: FnRef): Batcher {
    const m = this.metrics.fn(spec.name);
    const memory = memoryMb(spec.resources.memory);
    return new Batcher({
      stream,
      maxBatchingSize: spec.maxBatchingSize,
      maxBufferDuration: spec.maxBufferDuration,
      retries: spec.retries,
      store: this.store,
      timers: this.timers,
      retryBackoffMs: this.opts.retryBackoffMs,
      // A function holds at most maxWorkersPerFunction workers: rows beyond what they hold wait in
      // the store, where a cancel still drops them.
      maxInFlight: () => this.pool.capacityPerFunction,
      onCallsFinished: (ids) => this.wake(ids),
      onStoreError: (err, where) => this.storeHealth.failed(err, where),
      onStoreOk: () => this.storeHealth.succeeded(),
      events: {
        batchStarted: (rows) => {
          m.batches++;
          m.batchSize.observe(rows);
        },
        retried: () => m.retries++,
        rowsFailed: (n) => {
          m.failedRows += n;
          void this.pumpLine();
        },
        rowsDone: (n) => {
          m.doneRows += n;
          this.observeRate(n);
          void this.pumpLine();
        },
      },
      execute: async (rows, attempt, signal) => {
        const columns = Object.keys(spec.args).map((_, j) => rows.map((r) => r.values[j]));
        const out = await this.pool.run(ref, columns, rows.length, attempt, { gpu: spec.resources.gpu, timeoutMs: spec.batchTimeoutMs, memoryMb: memory, signal });
        m.handlerSeconds.observe(out.handlerMs / 1000);
        for (const id of new Set(rows.map((r) => r.callId))) this.handlerMsByCall.set(id, (this.handlerMsByCall.get(id) ?? 0) + out.handlerMs);
        return out;
      },
    });
  }

  private observeRate(rows: number): void {
    const now = this.timers.now();
    const dt = Math.max(1, now - this.rateAt) / 1000;
    const inst = rows / dt;
    this.rate = this.rateAt === 0 ? inst : 0.8 * this.rate + 0.2 * inst;
    this.rateAt = now;
  }

  private wake(ids: string[]): void {
    if (ids.length > 0) this.armSweep();
    for (const id of ids) {
      const set = this.waiters.get(id);
      if (!set) continue;
      this.waiters.delete(id);
      for (const w of set) w();
    }
  }

  /**
   * Validates and enqueues one batch of rows; answers at once with the call id. `ticket`: the one a
   * 429 gave this caller, which keeps its place in line (admission-line.ts).
   */
  async submit(name: string, table: CallInput, ticket?: string): Promise<{ callId: string; rows: number }> {
    if (this.closing) throw new ServerShuttingDownError();
    const entry = this.active.get(name);
    if (!entry) throw new UnknownFunctionError(name, this.functionNames());
    // The row limit first: extracting a call's values walks every row it claims.
    const rows = inputRows(table);
    const limit = this.maxRowsPerCall;
    if (rows > limit) {
      throw new BadRequestError(`The call has ${rows} rows but the server's maxQueuedRows is ${limit}: send it in chunks of at most ${limit} rows.`);
    }
    const columns = extractColumns(entry.spec, table);
    // Rows of submits between their check and their addCall count too, so concurrent submits
    // cannot all pass the check against the same depth.
    const depth = (await this.guard('depth', () => this.store.depth())) + this.reserved;
    const admission = this.line.admit(rows, limit - depth, ticket);
    if (admission.admitted) this.reserved += rows;
    else {
      this.schedulePump();
      // Wait in line here first; the pump reserves the rows of a request it admits.
      const admitted = await this.line.park(admission.ticket, this.opts.admissionHoldMs ?? 5_000, (fn, ms) => this.timers.setTimeout(fn, ms), (h) => this.timers.clearTimeout(h));
      if (this.closing) {
        if (admitted) this.reserved -= rows;
        throw new ServerShuttingDownError();
      }
      if (!admitted) {
        this.metrics.rejectedFull++;
        const { rowsAhead, position } = admission.ticket ? this.line.positionOf(admission.ticket) : admission;
        // The wait grows with the place in line: the rows ahead, then these, must first fit. In ms
        // (X-Retry-After-Ms), since whole seconds would leave a fast queue idle between retries.
        const excess = Math.max(rows, rowsAhead + rows - (limit - depth));
        const retryAfterMs = Math.round(Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, this.rate > 0 ? (1000 * excess) / this.rate : Math.min(5_000, 250 * position))));
        if (admission.ticket) this.line.hold(admission.ticket, retryAfterMs);
        throw new QueueFullError(depth, limit, rows, retryAfterMs, admission.ticket || undefined, position);
      }
    }
    const now = this.timers.now();
    const callId = randomUUID();
    try {
      const queued: QueuedRow[] = new Array(rows);
      for (let i = 0; i < rows; i++) queued[i] = { callId, index: i, enqueuedAt: now, values: columns.map((c) => c[i]) };
      await this.guard('addCall', () => this.store.addCall({ id: callId, functionName: name, version: entry.version, rows, createdAt: now }, entry.stream, queued));
    } finally {
      this.reserved -= rows;
    }
    const m = this.metrics.fn(name);
    m.calls++;
    m.rows += rows;
    entry.batcher.notify();
    return { callId, rows };
  }

  /**
   * Arms the expiry timer for unread results (a read frees its result at once, see poll). It runs
   * every 10 s (or the TTL, if shorter) while finished results are held, and stops when none is,
   * so an idle server has no timer and nothing waits for the next submit to be freed.
   */
  private armSweep(): void {
    if (this.sweepTimer !== undefined || this.closing) return;
    const ttl = this.opts.resultTtlMs ?? 600_000;
    this.sweepTimer = this.timers.setTimeout(() => {
      this.sweepTimer = undefined;
      void this.sweep();
    }, Math.max(1, Math.min(10_000, ttl)));
    (this.sweepTimer as { unref?: () => void } | undefined)?.unref?.();
  }

  private schedulePump(): void {
    if (this.pumpTimer !== undefined || this.closing) return;
    this.pumpTimer = this.timers.setTimeout(() => {
      this.pumpTimer = undefined;
      void this.pumpLine();
    }, PUMP_MS);
  }

  /** Admits parked submits that now fit, in line order, reserving their rows. */
  private async pumpLine(): Promise<void> {
    if (this.pumping || !this.line.hasParked) return;
    this.pumping = true;
    try {
      const depth = (await this.store.depth()) + this.reserved;
      this.reserved += this.line.grant((this.opts.maxQueuedRows ?? 100_000) - depth);
    } catch (err) {
      this.storeHealth.failed(err, 'depth');
    } finally {
      this.pumping = false;
    }
    if (this.line.hasParked) this.schedulePump();
  }

  /** Forgets finished results older than resultTtlMs; re-arms while some are still held. */
  private async sweep(): Promise<void> {
    const now = this.timers.now();
    try {
      for (const id of await this.store.finishedBefore(now - (this.opts.resultTtlMs ?? 600_000))) {
        await this.store.deleteCall(id);
        this.handlerMsByCall.delete(id);
      }
      if ((await this.store.finishedBefore(Number.MAX_SAFE_INTEGER)).length > 0) this.armSweep();
    } catch (err) {
      this.storeHealth.failed(err, 'sweep');
      this.armSweep(); // the store is down: try again on the next tick
    }
  }

  /**
   * Waits up to `timeoutMs` for a call to finish; its result IPC when done, else its progress.
   * `consume`: a read that returns the result frees it (the HTTP routes' reads), so held results
   * are only the unread ones; reading it again is then an UnknownCallError (404).
   */
  async poll(callId: string, timeoutMs: number, consume = false): Promise<CallView> {
    // Subscribed to other servers' "finished" news before reading, so none is missed in between.
    await this.watching;
    let call = await this.guard('getCall', () => this.store.getCall(callId));
    if (!call) throw new UnknownCallError(callId);
    if (call.finishedAt === undefined && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        let set = this.waiters.get(callId);
        if (!set) this.waiters.set(callId, (set = new Set()));
        const done = () => {
          this.timers.clearTimeout(timer);
          set.delete(done);
          resolve();
        };
        const timer = this.timers.setTimeout(() => {
          set.delete(done);
          resolve();
        }, timeoutMs);
        set.add(done);
      });
      call = await this.guard('getCall', () => this.store.getCall(callId));
      if (!call) throw new UnknownCallError(callId);
    }
    if (call.finishedAt === undefined) return { done: false, call };
    const output = this.outputOf(call);
    const view: CallView = { done: true, call, ipc: resultIpc(call.values, call.statuses, output), handlerMs: this.handlerMsByCall.get(callId) ?? 0 };
    if (consume) {
      await this.guard('deleteCall', () => this.store.deleteCall(callId));
      this.handlerMsByCall.delete(callId);
    }
    return view;
  }

  private outputOf(call: CallRecord): FunctionSpec['output'] {
    return (this.entryOf(call) ?? this.active.get(call.functionName))?.spec.output;
  }

  /** Drops the call's rows not yet handed to a worker; a finished call is deleted instead. */
  async cancel(callId: string): Promise<void> {
    const call = await this.guard('getCall', () => this.store.getCall(callId));
    if (!call) throw new UnknownCallError(callId);
    if (call.finishedAt !== undefined) {
      await this.guard('deleteCall', () => this.store.deleteCall(callId));
      this.handlerMsByCall.delete(callId);
      this.wake([callId]);
      return;
    }
    if (await this.guard('cancelCall', () => this.store.cancelCall(callId, CANCELLED_STATUS))) this.wake([callId]);
    const batcher = this.entryOf(call)?.batcher;
    // A running batch whose calls are now all cancelled stops (its worker is replaced).
    batcher?.cancelled(callId);
    // Its rows left the buffer: let the batcher re-arm its timer and notice a finished drain.
    batcher?.notify();
  }

  private entryOf(call: CallRecord): Entry | undefined {
    const entry = this.active.get(call.functionName);
    if (entry?.version === call.version) return entry;
    for (const e of this.draining) if (e.spec.name === call.functionName && e.version === call.version) return e;
    return undefined;
  }

  async list(): Promise<FunctionInfo[]> {
    const out: FunctionInfo[] = [];
    for (const e of [...this.active.values()].sort((a, b) => a.spec.name.localeCompare(b.spec.name))) {
      const m = this.metrics.fn(e.spec.name);
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
          queuedRows: await this.guard('depth', () => this.store.depth(e.stream)),
        },
      });
    }
    return out;
  }

  async renderMetrics(): Promise<string> {
    const depth = new Map<string, number>();
    try {
      for (const e of [...this.active.values(), ...this.draining]) depth.set(e.spec.name, (depth.get(e.spec.name) ?? 0) + (await this.guard('depth', () => this.store.depth(e.stream))));
    } catch {
      // Store down: metrics still answer, without queue depth and with embedbook_store_up 0.
      depth.clear();
    }
    const h = this.storeHealth;
    return this.metrics.render(depth, { size: this.pool.size, busy: this.pool.busy, queuedBatches: this.pool.queued }, { up: h.ok, errors: h.errors, outages: h.outages }) + deviceMetric(this.device, this.pool.size);
  }

  /**
   * Graceful stop: refuse new work, then
   * - private store (in-memory: nothing outlives this process): send every buffered row now and let
   *   running batches finish for up to `graceMs`; whatever is still unfinished is handed back with
   *   the status SHUTTING_DOWN_STATUS, so every waiting poller gets a complete answer;
   * - shared store (Redis: other servers go on): cut no new batches, let running ones finish for
   *   up to `graceMs`, then release the rows still running back to the head of their stream for the
   *   other servers; waiting rows (this server's submits and everyone else's) stay queued.
   * Then stops the workers.
   */
  async close(graceMs = 10_000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.sweepTimer !== undefined) this.timers.clearTimeout(this.sweepTimer);
    this.line.releaseAll();
    if (this.pumpTimer !== undefined) this.timers.clearTimeout(this.pumpTimer);
    this.unwatch?.();
    this.unwatch = undefined;
    if (this.watchRetry !== undefined) this.timers.clearTimeout(this.watchRetry);
    const entries = [...this.active.values(), ...this.draining];
    let timer: unknown;
    const grace = new Promise<void>((resolve) => (timer = this.timers.setTimeout(resolve, graceMs)));
    if (this.store.shared) {
      await Promise.all(entries.map((e) => e.batcher.settle(grace)));
      this.timers.clearTimeout(timer);
      for (const e of entries) await e.batcher.releaseInFlight();
    } else {
      await Promise.race([Promise.all(entries.map((e) => e.batcher.drain({ flush: true }))), grace]);
      this.timers.clearTimeout(timer);
      for (const e of entries) await e.batcher.handBack(SHUTTING_DOWN_STATUS);
    }
    for (const e of entries) e.batcher.dispose();
    // Anyone still waiting (e.g. on a call of a removed function) gets woken to read the final state.
    this.wake([...this.waiters.keys()]);
    await this.pool.close();
    // Uploaded bundles live as long as the server: a restart starts with no functions deployed.
    rmSync(this.bundleDir, { recursive: true, force: true });
  }
}
