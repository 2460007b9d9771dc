// The queue service on one node: call intake (validation, backpressure), result waiting
// (long-poll), cancel, and graceful shutdown, wired to the parts that do the rest —
// registry/registry.ts (deployed functions, in step with the RegistryStore), function-batcher.ts
// (one Batcher per function version this node runs), admission-gate.ts (429s), call-waiters.ts,
// store-guard.ts (store calls of requests → 503), node-pool.ts (the workers, shutdown),
// result-sweeper.ts and queue-stats.ts. HTTP lives in routes.ts; this class knows none. With
// `workers: 0` the node runs no batches (an API node).
import { randomUUID } from 'node:crypto';
import type { TimerApi } from '../core/types';
import { defaultTimers } from '../core/timers';
import { AdmissionGate } from './admission-gate';
import { CallWaiters } from './call-waiters';
import type { FunctionSpec } from '../protocol/define-function';
import { BadRequestError, CANCELLED_STATUS, ServerError, ServerShuttingDownError, StoreUnavailableError, StreamRetiredError, UnknownFunctionError } from './errors';
import { extractColumns, inputRows, resultIpcParts, type CallInput } from './arrow-io';
import type { IpcParts } from '../wire/ipc-write';
import { makeFunctionBatcher } from './function-batcher';
import type { QueueOptions } from './queue-options';
import { QueueWatch } from './queue-watch';
import { RecoveryTimer } from './recovery-timer';
import { missingCallError } from './missing-call';
import { MemoryQueueStore } from './memory-store';
import { checkResultBudget, DEFAULT_MAX_HELD_RESULT_BYTES } from './result-budget';
import { Metrics } from './metrics';
import { functionInfos, renderMetrics, type FunctionInfo } from './queue-stats';
import { BundleFiles } from './registry/bundle-files';
import { MemoryRegistryStore } from './registry/memory-registry-store';
import { BUILTIN_MODELS, Registry, type Entry } from './registry/registry';
import { ResultSweeper } from './result-sweeper';
import { StoreGuard } from './store-guard';
import { StoreHealth, type StoreHealthSnapshot } from './store-health';
import type { CallRecord, QueueStore, RowBatch } from './store';
import type { WorkerPool } from './worker-pool';
import { createNodePool, inspectFunction, stopBatchers } from './node-pool';
import type { PoolDevice } from './worker-device';

/** Submits re-routed after StreamRetiredError (registry re-read each time) before the 503 reaches the client. */
const MAX_RETIRED_RETRIES = 3;

export { BUILTIN_MODELS, MODEL_MODULE_URL, type ModelEntry } from './registry/registry';
export type { FunctionInfo } from './queue-stats';
export type { QueueOptions } from './queue-options';

export type CallView =
  | { done: true; call: CallRecord; ipc: IpcParts; handlerMs: number }
  | { done: false; call: CallRecord };

export class FunctionQueue {
  readonly store: QueueStore;
  readonly timers: TimerApi;
  readonly pool: WorkerPool;
  /** The device model workers run on and why (banner, /health, /metrics). */
  readonly device: PoolDevice;
  readonly metrics = new Metrics();
  /** Whether the store answers; fed by every store call. */
  readonly storeHealth: StoreHealth;
  readonly registry: Registry;
  private readonly guard: StoreGuard;
  private readonly waiters: CallWaiters;
  private readonly gate: AdmissionGate;
  private readonly sweeper: ResultSweeper;
  private readonly bundles: BundleFiles;
  private closing = false;
  /**
   * Handler time (ms, measured in the worker) of the batches each call's rows ran in: sent as
   * `Server-Timing: handler;dur=…` so clients (and the queue benchmark) can tell queue overhead from
   * model time. Diagnostic only, kept in this process.
   */
  private readonly handlerMsByCall = new Map<string, number>();
  /** The store's cross-server events: calls finished and rows appended elsewhere. */
  private readonly watch: QueueWatch;
  /** Shared store: reclaims rows of lost processes and wakes the batchers with no traffic. */
  private readonly recovery: RecoveryTimer;

  constructor(private readonly opts: QueueOptions = {}) {
    this.timers = opts.timers ?? defaultTimers;
    this.store = opts.store ?? new MemoryQueueStore(() => this.timers.now());
    const { pool, device, runsBatches } = createNodePool(opts, this.store, this.timers, () => this.metrics.workerRestarts++);
    this.pool = pool;
    this.device = device;
    this.bundles = new BundleFiles(opts.bundleDir);
    this.storeHealth = new StoreHealth(opts.log ?? ((line) => console.error(line)), () => this.timers.now());
    this.guard = new StoreGuard(this.store, this.storeHealth, this.timers, opts.storeTimeoutMs ?? (this.store.shared ? 10_000 : 0));
    this.waiters = new CallWaiters(this.timers);
    this.sweeper = new ResultSweeper(this.store, this.timers, opts.resultTtlMs ?? 600_000, this.storeHealth, (id) => this.handlerMsByCall.delete(id));
    this.gate = new AdmissionGate({
      timers: this.timers, maxQueuedRows: this.maxRowsPerCall, fair: opts.fairAdmission, holdMs: opts.admissionHoldMs ?? 5_000,
      depth: () => this.store.depth(), health: this.storeHealth, metrics: this.metrics, isClosing: () => this.closing,
    });
    const batcherDeps = {
      store: this.store, timers: this.timers, pool: this.pool, metrics: this.metrics, health: this.storeHealth, retryBackoffMs: opts.retryBackoffMs,
      finished: (ids: string[]) => this.wake(ids),
      rowsSettled: (n: number, ok: boolean) => this.gate.finished(n, ok),
      handlerMs: (id: string, ms: number) => this.handlerMsByCall.set(id, (this.handlerMsByCall.get(id) ?? 0) + ms),
    };
    this.registry = new Registry({
      store: opts.registry ?? new MemoryRegistryStore(),
      queueStore: this.store,
      timers: this.timers,
      models: { ...BUILTIN_MODELS, ...opts.models },
      bundles: this.bundles,
      gpuKinds: () => this.pool.gpuKinds,
      runsBatches,
      allowCpuFallback: opts.allowCpuFallback,
      inspect: (ref, memoryMb) => inspectFunction(this.pool, this.timers, ref, memoryMb),
      makeBatcher: (spec, stream, ref) => makeFunctionBatcher(batcherDeps, spec, stream, ref),
      unload: (key) => this.pool.unload(key),
      functionCount: (n) => this.pool.setFunctionCount(n),
      failed: (err, where) => this.storeHealth.failed(err, where),
      log: opts.log ?? ((line) => console.error(line)),
      isClosing: () => this.closing,
    });
    void this.registry.start();
    this.watch = new QueueWatch(this.store, this.timers, this.storeHealth, {
      finished: (ids) => this.wake(ids),
      appended: (stream) => this.registry.byStream(stream)?.batcher?.notify(),
    });
    this.recovery = new RecoveryTimer({
      store: this.store,
      timers: this.timers,
      streams: () => this.registry.entries().map((e) => e.stream),
      wake: (stream) => this.registry.byStream(stream)?.batcher?.notify(),
      onStoreError: (err) => this.storeHealth.failed(err, 'reclaim'),
    }).start();
  }

  /** For /health: asks the store once (a cheap depth query) and reports what it found. */
  checkStore(): Promise<StoreHealthSnapshot> {
    return this.guard.check();
  }

  /** The most rows one call may carry (maxQueuedRows): bodies claiming more are refused unread. */
  get maxRowsPerCall(): number {
    return this.opts.maxQueuedRows ?? 100_000;
  }

  /** Submits waiting in line for room (parked here, or away with a 429 ticket). */
  get waitingInLine(): number {
    return this.gate.waiting;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  functionNames(): string[] {
    return this.registry.names();
  }

  /**
   * Deploys (or redeploys) a function. `bundle` is the ES module text of a user handler.
   * `keepIfSame`: keep the current version when definition and bundle are unchanged.
   */
  async deploy(definition: unknown, bundle?: string, keepIfSame = false): Promise<{ name: string; version: number }> {
    await this.registry.start();
    return this.guardedRegistry(() => this.registry.deploy(definition, bundle, keepIfSame));
  }

  /** Removes a function once its rows are finished on every node (waiting rows are cut at once). */
  async remove(name: string): Promise<void> {
    await this.registry.start();
    await this.guardedRegistry(() => this.registry.remove(name));
  }

  /** Registry calls: the project's own errors pass; a store failure is a 503 like any other. */
  private async guardedRegistry<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (err instanceof ServerError) throw err;
      this.storeHealth.failed(err, 'registry');
      throw new StoreUnavailableError(err instanceof Error ? err.message : String(err));
    }
  }

  /** The active entry of `name`; on a shared registry one deployed elsewhere is looked up at once. */
  private async entry(name: string): Promise<Entry> {
    await this.registry.start();
    let entry = this.registry.get(name);
    if (!entry && this.registry.shared) {
      await this.registry.sync(name);
      entry = this.registry.get(name);
    }
    if (!entry) throw new UnknownFunctionError(name, this.functionNames());
    return entry;
  }

  private wake(ids: string[]): void {
    if (ids.length > 0) this.sweeper.arm();
    this.waiters.wake(ids);
  }

  /**
   * Validates and enqueues one batch of rows; answers at once with the call id. `ticket`: the one a
   * 429 gave this caller, which keeps its place in line (admission-line.ts).
   */
  async submit(name: string, table: CallInput, ticket?: string): Promise<{ callId: string; rows: number }> {
    for (let attempt = 1; ; attempt++) {
      if (this.closing) throw new ServerShuttingDownError();
      const entry = await this.entry(name);
      try {
        return await this.submitTo(entry, name, table, ticket);
      } catch (err) {
        // The version was replaced or removed on another node and this one has not caught up:
        // re-read the registry and submit to the current version (or answer UnknownFunctionError).
        if (!(err instanceof StreamRetiredError) || attempt >= MAX_RETIRED_RETRIES) throw err;
        await this.registry.sync(name);
      }
    }
  }

  private async submitTo(entry: Entry, name: string, table: CallInput, ticket: string | undefined): Promise<{ callId: string; rows: number }> {
    // The row limit first: extracting a call's values walks every row it claims.
    const rows = inputRows(table);
    const limit = this.maxRowsPerCall;
    if (rows > limit) {
      throw new BadRequestError(`The call has ${rows} rows but the server's maxQueuedRows is ${limit}: send it in chunks of at most ${limit} rows.`);
    }
    const columns = extractColumns(entry.spec, table);
    const callId = this.store.newCallId?.(entry.stream) ?? randomUUID();
    checkResultBudget(await this.guard.run('heldResultBytes', () => this.store.heldResultBytes()), this.opts.maxHeldResultBytes ?? DEFAULT_MAX_HELD_RESULT_BYTES);
    await this.gate.admit(rows, () => this.guard.run('depth', () => this.store.depth()), ticket, async () => {
      const now = this.timers.now();
      const batch: RowBatch = { callId, enqueuedAt: now, columns };
      await this.guard.run('addCall', () => this.store.addCall({ id: callId, functionName: name, version: entry.version, rows, createdAt: now }, entry.stream, batch));
    });
    const m = this.metrics.fn(name);
    m.calls++;
    m.rows += rows;
    entry.batcher?.notify();
    return { callId, rows };
  }

  /**
   * Waits up to `timeoutMs` for a call to finish; its result IPC when done, else its progress.
   * `consume`: a read that returns the result frees it (the HTTP routes' reads), so held results
   * are only the unread ones; reading it again is then an UnknownCallError (404).
   */
  async poll(callId: string, timeoutMs: number, consume = false): Promise<CallView> {
    // Subscribed to other servers' "finished" news before reading, so none is missed in between.
    await this.watch.ready;
    let call = await this.guard.run('getCall', () => this.store.getCall(callId));
    if (!call) throw await this.guard.run('callLost', () => missingCallError(this.store, callId));
    if (call.finishedAt === undefined && timeoutMs > 0) {
      await this.waiters.wait(callId, timeoutMs);
      call = await this.guard.run('getCall', () => this.store.getCall(callId));
      if (!call) throw await this.guard.run('callLost', () => missingCallError(this.store, callId));
    }
    if (call.finishedAt === undefined) return { done: false, call };
    const view: CallView = { done: true, call, ipc: resultIpcParts(call.results, this.outputOf(call)), handlerMs: this.handlerMsByCall.get(callId) ?? 0 };
    if (consume) {
      await this.guard.run('deleteCall', () => this.store.deleteCall(callId));
      this.handlerMsByCall.delete(callId);
    }
    return view;
  }

  private outputOf(call: CallRecord): FunctionSpec['output'] {
    return (this.registry.version(call.functionName, call.version) ?? this.registry.get(call.functionName))?.spec.output;
  }

  /** Drops the call's rows not yet handed to a worker; a finished call is deleted instead. */
  async cancel(callId: string): Promise<void> {
    const call = await this.guard.run('getCall', () => this.store.getCall(callId));
    if (!call) throw await this.guard.run('callLost', () => missingCallError(this.store, callId));
    if (call.finishedAt !== undefined) {
      await this.guard.run('deleteCall', () => this.store.deleteCall(callId));
      this.handlerMsByCall.delete(callId);
      this.wake([callId]);
      return;
    }
    if (await this.guard.run('cancelCall', () => this.store.cancelCall(callId, CANCELLED_STATUS))) this.wake([callId]);
    const batcher = this.registry.version(call.functionName, call.version)?.batcher;
    // A running batch whose calls are now all cancelled stops (its worker is replaced).
    batcher?.cancelled(callId);
    // Its rows left the buffer: let the batcher re-arm its timer and notice a finished drain.
    batcher?.notify();
  }

  async list(): Promise<FunctionInfo[]> {
    await this.registry.start();
    return functionInfos(this.registry.activeEntries(), this.metrics, (stream) => this.guard.run('depth', () => this.store.depth(stream)));
  }

  renderMetrics(): Promise<string> {
    return renderMetrics(this.registry.entries(), this.metrics, this.pool, this.device, this.storeHealth, (stream) => this.guard.run('depth', () => this.store.depth(stream)));
  }

  /**
   * Graceful stop: refuse new work, stop the batchers (finish or hand back what runs, depending on
   * whether the store is shared: node-pool.ts stopBatchers), wake every long-poll, stop the workers.
   */
  async close(graceMs = 10_000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.sweeper.close();
    this.gate.close();
    this.watch.close();
    await this.recovery.stop();
    const batchers = this.registry.close().flatMap((e) => (e.batcher ? [e.batcher] : []));
    await stopBatchers(batchers, this.store.shared, graceMs, this.timers);
    // Anyone still waiting (e.g. on a call of a removed function) gets woken to read the final state.
    this.waiters.wakeAll();
    await this.pool.close();
    // Uploaded bundles live as long as the server: a restart starts with no functions deployed.
    this.bundles.removeAll();
  }
}
