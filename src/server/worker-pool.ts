// A pool of worker threads that run handler batches. Sized to the machine (or one worker per GPU).
// Isolation (docs/server.md, "Handler isolation"):
// - every worker has a JavaScript heap limit (worker_threads resourceLimits) from the
//   resources.memory of the functions it runs; a handler that exhausts it ends only its worker,
//   and the batch fails with WorkerOutOfMemoryError (never re-run: it would only fill up again);
// - a worker past its batch deadline is terminated and replaced; the batch fails with
//   BatchTimeoutError (the batcher then runs its rows one by one);
// - a worker that crashes otherwise (process.exit, an uncaught error) is replaced and its batch
//   re-run on a fresh worker, up to maxCrashReruns;
// - a batch whose calls were all cancelled is stopped: taken off the queue, skipped in the worker,
//   or, when it runs, its worker is terminated and replaced;
// - while two or more functions are deployed, one function holds at most `maxWorkersPerFunction`
//   workers (default: all but one), and a free worker goes to the function holding the fewest
//   workers, oldest batch first (FIFO per function), so a hung or slow function cannot starve
//   another (a function deployed alone uses every worker: there is nobody to starve);
// - a worker that imported a bundle version that was since unloaded (redeploy, removal) is replaced
//   once idle: an ES module cannot be unloaded from a thread, only the thread can go.
// Each worker also holds `prefetch` batches (default 1) of the same function behind the one it runs
// and starts the next the moment it posts a result, as a direct loop would: otherwise the worker
// idles for a round trip through the server thread between batches (about 7% of its time on 2 busy
// cores; docs/server.md). Only the same function's: another's batch would wait behind a hung one.
import { Worker } from 'node:worker_threads';
import type { TimerApi } from '../core/types';
import { deserializeError } from '../core/errors';
import type { RowError } from '../core/types';
import { DEFAULT_MEMORY_MB } from '../protocol/define-function';
import { envWithoutKeys } from './keys';
import { BatchCancelledError, BatchTimeoutError, HandlerError, WorkerLostError, WorkerOutOfMemoryError } from './errors';
import type { FnRef, FromWorker, PackedVectors, ToWorker, WorkerDevice, WorkerInit } from './worker/protocol';

const BOOT_URL = new URL('./worker/boot.mjs', import.meta.url);
const MAX_BOOT_FAILURES = 5;
/** Deadline for loading a handler in a worker (bundle import, model load) before its batch starts. */
const LOAD_GRACE_MS = 120_000;

export interface PoolOptions {
  size: number;
  /** One worker per listed GPU kind (e.g. ['nvidia-l4', 'nvidia-l4']); overrides `size`. */
  gpus?: string[];
  /** The device GPU workers run their models on (default 'cuda'; see worker-device.ts). */
  gpuDevice?: WorkerDevice;
  /** Intra-op threads per worker for model handlers (default: cores / workers, at least 1). */
  threadsPerWorker: number;
  timers: TimerApi;
  /** Deadline for one batch when the function sets none (ms). */
  batchTimeoutMs: number;
  /** How many times a batch is re-run after losing its worker before it counts as a failure. */
  maxCrashReruns: number;
  events?: { workerLost?(reason: string): void };
  /** The worker entry (tests point it at a broken one). */
  bootUrl?: URL;
  /** Batches handed to a worker behind the one it runs (default 1; 0 = one batch at a time). */
  prefetch?: number;
  /** JavaScript heap limit (MiB) of workers started before any function asks for another (default 1024). */
  memoryMb?: number;
  /** Workers one function may hold at once (default: all but one when there are ≥ 2, else 1). */
  maxWorkersPerFunction?: number;
  /**
   * Replace a worker once idle after a bundle it imported is unloaded (default true). False keeps
   * it, and with it every unloaded bundle's module: only the redeploy benchmark's baseline does that.
   */
  recycleUnloaded?: boolean;
}

/** How a worker was lost: decides whether its batch is re-run or fails. */
type Loss = 'crash' | 'oom' | 'timeout';

export interface RunOptions {
  gpu?: string;
  timeoutMs?: number;
  /** The function's resources.memory in MiB: the batch runs on a worker with that heap limit. */
  memoryMb?: number;
  /** Aborting it stops the batch (BatchCancelledError), terminating its worker if it runs. */
  signal?: AbortSignal;
}

export interface RunResult {
  values: unknown[];
  errors?: (RowError | null)[];
  handlerMs: number;
  workerIndex: number;
}

/** A run or inspect message as the pool keeps it: always with the whole FnRef (see `wire`). */
type TaskMessage = (ToWorker & { type: 'inspect' }) | (ToWorker & { type: 'run'; fn: FnRef });

interface Task {
  id: number;
  msg: TaskMessage;
  gpu?: string;
  timeoutMs: number;
  reruns: number;
  memoryMb: number;
  /** The function a run belongs to (every version): what the per-function worker cap counts. */
  fnName?: string;
  /** Cancelled while held in a worker behind another batch: never re-queued. */
  cancelled?: boolean;
  resolve(v: FromWorker): void;
  reject(e: unknown): void;
}

interface Slot {
  index: number;
  init: WorkerInit;
  worker: Worker;
  ready: boolean;
  /** Batches handed to this worker, in order: tasks[0] runs (or loads), the rest wait in the worker. */
  tasks: Task[];
  deadline?: unknown;
  /** Set when we terminate it on purpose, so its exit is not counted as a crash twice. */
  retired: boolean;
  /** Function versions whose FnRef this worker has: their batches carry only the key. */
  sent: Set<string>;
  /** Function versions whose handler this worker has loaded: their batches start at once. */
  loaded: Set<string>;
  /** Function versions whose bundle this worker may have imported (sent a run or an inspect). */
  imported: Set<string>;
  /** It imported a bundle that was unloaded since: replaced as soon as it is idle. */
  recycle: boolean;
}

function unpack(p: PackedVectors, rows: number): unknown[] {
  const out = new Array<unknown>(rows);
  for (let i = 0; i < rows; i++) out[i] = p.data.subarray(i * p.dim, (i + 1) * p.dim);
  for (const i of p.nulls) out[i] = null;
  return out;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  private bootFailures = 0;
  /** ready() callers, woken when every slot has started. */
  private readyWaiters: Array<() => void> = [];
  private broken: string | undefined;
  private readonly depth: number;
  private readonly memoryMb: number;
  /** Workers one function may hold at once while several functions are deployed. */
  readonly maxWorkersPerFunction: number;
  /** Functions deployed (set by the queue): the per-function cap applies from two on. */
  private functions = 0;
  /** Workers replaced because they had crashed, run out of memory or hung (not recycled ones). */
  restarts = 0;
  /** Workers replaced on purpose: after an unload (their old bundles) or a cancelled batch. */
  recycled = 0;

  constructor(private readonly opts: PoolOptions) {
    this.depth = 1 + Math.max(0, opts.prefetch ?? 1);
    this.memoryMb = opts.memoryMb ?? DEFAULT_MEMORY_MB;
    const gpus = opts.gpus ?? [];
    // 0 workers: an API node's pool, which runs nothing (its deploy checks use a pool of their own).
    const n = gpus.length || Math.max(0, opts.size);
    this.maxWorkersPerFunction = Math.min(n, Math.max(1, opts.maxWorkersPerFunction ?? (n >= 2 ? n - 1 : 1)));
    for (let i = 0; i < n; i++) {
      const init: WorkerInit = gpus.length
        ? { index: i, device: opts.gpuDevice ?? 'cuda', gpu: gpus[i], threads: opts.threadsPerWorker, memoryMb: this.memoryMb }
        : { index: i, device: 'cpu', threads: opts.threadsPerWorker, memoryMb: this.memoryMb };
      this.slots.push(this.spawn(init));
    }
  }

  get size(): number {
    return this.slots.length;
  }
  get gpuKinds(): string[] {
    return this.slots.flatMap((s) => (s.init.gpu ? [s.init.gpu] : []));
  }
  get busy(): number {
    return this.slots.filter((s) => s.tasks.length > 0).length;
  }
  /** Batches the pool can hold in its workers at once (running and prefetched). */
  get capacity(): number {
    return this.slots.length * this.depth;
  }
  /** Workers one function may hold now: the cap while ≥ 2 functions are deployed, else all. */
  get workerCap(): number {
    return this.functions >= 2 ? this.maxWorkersPerFunction : this.slots.length;
  }
  /** Batches one function can have in workers at once (its worker cap × the batches each holds). */
  get capacityPerFunction(): number {
    return this.workerCap * this.depth;
  }
  /** The queue tells the pool how many functions are deployed (draining ones included). */
  setFunctionCount(n: number): void {
    this.functions = n;
    this.pump();
  }
  get queued(): number {
    return this.queue.length;
  }

  private spawn(init: WorkerInit): Slot {
    // Handlers get a copy of the environment without the server's keys (by default a worker would
    // see process.env itself).
    const worker = new Worker(this.opts.bootUrl ?? BOOT_URL, { workerData: init, env: envWithoutKeys(), resourceLimits: { maxOldGenerationSizeMb: init.memoryMb } });
    const slot: Slot = { index: init.index, init, worker, ready: false, retired: false, tasks: [], sent: new Set(), loaded: new Set(), imported: new Set(), recycle: false };
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('error', (err) => {
      const oom = (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.lose(slot, `worker threw: ${err.message}`, oom ? 'oom' : 'crash');
    });
    worker.on('exit', (code) => this.lose(slot, `worker exited with code ${code}`, 'crash'));
    return slot;
  }

  /** Terminates a slot's worker on purpose and puts a fresh one (with `init`) in its place. */
  private respawn(slot: Slot, init: WorkerInit = slot.init): void {
    slot.retired = true;
    if (slot.deadline !== undefined) this.opts.timers.clearTimeout(slot.deadline);
    slot.deadline = undefined;
    void slot.worker.terminate().catch(() => undefined);
    const i = this.slots.indexOf(slot);
    if (i >= 0 && !this.closed) this.slots[i] = this.spawn(init);
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (m.type === 'ready') {
      slot.ready = true;
      this.wakeReadyWaiters();
      this.bootFailures = 0;
      this.pump();
      return;
    }
    const task = slot.tasks[0];
    if (!task || task.id !== m.id) return; // a late answer from a batch we already re-ran elsewhere
    if (m.type === 'started') {
      slot.loaded.add(task.msg.fn.key);
      this.armBatch(slot, task);
      return;
    }
    if (m.type === 'result' && task.msg.type === 'run') slot.loaded.add(task.msg.fn.key);
    slot.tasks.shift();
    if (slot.deadline !== undefined) this.opts.timers.clearTimeout(slot.deadline);
    slot.deadline = undefined;
    // The worker starts its next batch on its own: its deadline counts from now.
    if (slot.tasks.length) this.armStart(slot, slot.tasks[0]);
    else if (slot.recycle) this.recycleSlot(slot);
    task.resolve(m);
    this.pump();
  }

  private recycleSlot(slot: Slot): void {
    this.recycled++;
    this.respawn(slot);
  }

  /**
   * The worker died, ran out of memory or hung: replace it. A crashed worker's batch is re-run (or
   * fails after maxCrashReruns); out of memory and past the deadline fail it at once.
   */
  private lose(slot: Slot, reason: string, loss: Loss): void {
    if (slot.retired) return;
    slot.retired = true;
    if (slot.deadline !== undefined) this.opts.timers.clearTimeout(slot.deadline);
    void slot.worker.terminate().catch(() => undefined);
    // Only the first batch was running; the ones behind it never started and are simply re-queued.
    const [task, ...waiting] = slot.tasks;
    slot.tasks = [];
    const i = this.slots.indexOf(slot);
    if (this.closed) {
      for (const t of [...(task ? [task] : []), ...waiting]) t.reject(new WorkerLostError(`${reason} (pool closed)`));
      return;
    }
    this.restarts++;
    this.opts.events?.workerLost?.(reason);
    // Workers that die before they ever start (broken install, missing loader) would respawn
    // forever: after a few in a row, fail the work with the reason instead.
    if (!slot.ready && ++this.bootFailures >= MAX_BOOT_FAILURES) {
      this.broken = `worker threads fail to start (${this.bootFailures} in a row): ${reason}`;
      for (const t of [...this.queue.splice(0), ...(task ? [task] : []), ...waiting]) t.reject(new WorkerLostError(this.broken));
      return;
    }
    if (i >= 0) this.slots[i] = this.spawn(slot.init);
    this.queue.unshift(...waiting.filter((t) => !t.cancelled));
    if (task) {
      if (loss === 'oom') task.reject(new WorkerOutOfMemoryError(slot.init.memoryMb));
      else if (loss === 'timeout') task.reject(new BatchTimeoutError(`${reason}; the worker was terminated and replaced`));
      else if (task.reruns < this.opts.maxCrashReruns) {
        task.reruns++;
        this.queue.unshift(task); // first in line: its rows are the oldest
      } else {
        task.reject(new WorkerLostError(`${reason}; the batch was re-run ${task.reruns} time(s) and lost its worker each time`));
      }
    }
    this.pump();
  }

  /** Workers holding (running or prefetched) a batch of this function. */
  private held(fnName: string | undefined): number {
    if (fnName === undefined) return 0;
    let n = 0;
    for (const s of this.slots) if (!s.retired && s.tasks.some((t) => t.fnName === fnName)) n++;
    return n;
  }

  private fitsGpu(slot: Slot, task: Task): boolean {
    if (!task.gpu) return true;
    const kinds = this.gpuKinds;
    // No worker has the GPU (CPU fallback was allowed at deploy): any worker will do.
    if (!kinds.some((k) => task.gpu === 'any' || k === task.gpu)) return true;
    return slot.init.gpu !== undefined && (task.gpu === 'any' || slot.init.gpu === task.gpu);
  }

  private eligible(slot: Slot, task: Task): boolean {
    if (!slot.ready || slot.retired || slot.recycle || slot.tasks.length >= this.depth) return false;
    if (slot.init.memoryMb !== task.memoryMb) return false;
    if (slot.tasks.length > 0) {
      // Only batches of the same function queue behind batches (the worker runs those one after
      // another; another function's would wait behind a hung one); a deploy-time inspect waits for
      // an idle worker, and nothing queues behind it.
      if (task.msg.type !== 'run' || slot.tasks.some((t) => t.msg.type !== 'run' || t.fnName !== task.fnName)) return false;
    } else if (task.fnName !== undefined && this.held(task.fnName) >= this.workerCap) {
      return false;
    }
    return this.fitsGpu(slot, task);
  }

  /** The least loaded eligible worker: an idle one before one that would hold it behind a batch. */
  private pick(task: Task): Slot | undefined {
    let slot: Slot | undefined;
    for (const s of this.slots) if (this.eligible(s, task) && (!slot || s.tasks.length < slot.tasks.length)) slot = s;
    return slot;
  }

  /**
   * Hands queued batches to workers. Fair: each function's batches go in FIFO order (only its
   * oldest is considered), and among functions the one holding the fewest workers goes first.
   */
  private pump(): void {
    for (;;) {
      let best: { q: number; slot: Slot; held: number } | undefined;
      const considered = new Set<string>();
      for (let q = 0; q < this.queue.length; q++) {
        const task = this.queue[q];
        const owner = task.fnName ?? `#${task.id}`;
        if (considered.has(owner)) continue;
        considered.add(owner);
        const slot = this.pick(task);
        if (!slot) {
          this.resizeFor(task);
          continue;
        }
        const held = this.held(task.fnName);
        if (!best || held < best.held) best = { q, slot, held };
      }
      if (!best) return;
      const [task] = this.queue.splice(best.q, 1);
      const slot = best.slot;
      slot.tasks.push(task);
      if (slot.tasks.length === 1) this.armStart(slot, task);
      slot.worker.postMessage(this.wire(slot, task.msg));
    }
  }

  /**
   * A batch whose memory limit no worker has: an idle worker with another limit is replaced by one
   * with this limit, up to the per-function worker cap per limit, one start at a time.
   */
  private resizeFor(task: Task): void {
    if (task.fnName !== undefined && this.held(task.fnName) >= this.workerCap) return;
    const live = this.slots.filter((s) => !s.retired);
    const same = live.filter((s) => s.init.memoryMb === task.memoryMb);
    if (same.length >= this.workerCap || same.some((s) => !s.ready)) return;
    const idle = live.find((s) => s.ready && !s.tasks.length && s.init.memoryMb !== task.memoryMb && this.fitsGpu(s, task));
    if (idle) this.respawn(idle, { ...idle.init, memoryMb: task.memoryMb });
  }

  /** The message as this worker gets it: a run names a function version it already has by key. */
  private wire(slot: Slot, msg: TaskMessage): ToWorker {
    if (msg.fn.bundleUrl) slot.imported.add(msg.fn.key);
    if (msg.type !== 'run') return msg;
    if (slot.sent.has(msg.fn.key)) return { ...msg, fn: msg.fn.key };
    slot.sent.add(msg.fn.key);
    return msg;
  }

  /** The deadline of a batch becoming the worker's current one: the batch's own once its handler is loaded there. */
  private armStart(slot: Slot, task: Task): void {
    if (task.msg.type === 'run' && slot.loaded.has(task.msg.fn.key)) this.armBatch(slot, task);
    else this.armLoading(slot, task);
  }

  private armBatch(slot: Slot, task: Task): void {
    this.arm(slot, task, task.timeoutMs, `the batch ran past its deadline of ${task.timeoutMs} ms (hung or too slow handler)`);
  }

  /**
   * The deadline of a batch that is about to start and may first load its handler (import the
   * bundle, load a model), which may take longer than a batch may: until the worker says 'started'
   * the deadline is LOAD_GRACE_MS.
   */
  private armLoading(slot: Slot, task: Task): void {
    const ms = task.msg.type === 'run' ? Math.max(task.timeoutMs, LOAD_GRACE_MS) : task.timeoutMs;
    this.arm(slot, task, ms, `no answer within ${ms} ms (hung while loading the handler, or hung handler)`);
  }

  private arm(slot: Slot, task: Task, ms: number, reason: string): void {
    if (slot.deadline !== undefined) this.opts.timers.clearTimeout(slot.deadline);
    slot.deadline = this.opts.timers.setTimeout(() => {
      if (slot.tasks[0] === task) this.lose(slot, reason, 'timeout');
    }, ms);
  }

  private submit(msg: TaskMessage, opts: RunOptions & { timeoutMs: number; fnName?: string }): Promise<FromWorker> {
    if (this.closed) return Promise.reject(new WorkerLostError('the worker pool is closed'));
    if (this.broken) return Promise.reject(new WorkerLostError(this.broken));
    const { signal } = opts;
    if (signal?.aborted) return Promise.reject(new BatchCancelledError());
    return new Promise((resolve, reject) => {
      const onAbort = () => this.cancel(task);
      const settle = () => signal?.removeEventListener('abort', onAbort);
      const task: Task = {
        id: msg.id, msg, gpu: opts.gpu, timeoutMs: opts.timeoutMs, reruns: 0, memoryMb: opts.memoryMb ?? this.memoryMb, fnName: opts.fnName,
        resolve: (v) => (settle(), resolve(v)),
        reject: (e) => (settle(), reject(e)),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(task);
      this.pump();
    });
  }

  /** Stops a batch whose calls were all cancelled, wherever it is. */
  private cancel(task: Task): void {
    const q = this.queue.indexOf(task);
    if (q >= 0) this.queue.splice(q, 1);
    for (const slot of this.slots) {
      const i = slot.tasks.indexOf(task);
      if (i < 0) continue;
      if (i > 0) {
        // Handed over behind the running batch: the worker skips it and answers at once. It stays in
        // the slot's list until then, so the list keeps matching the worker's order even if the
        // worker had already started it (its answer is then dropped).
        task.cancelled = true;
        slot.worker.postMessage({ type: 'skip', id: task.id } satisfies ToWorker);
      } else {
        // Running: only terminating the thread stops a handler. The batches behind it go back to
        // the head of the queue, in order.
        const waiting = slot.tasks.slice(1).filter((t) => !t.cancelled);
        slot.tasks = [];
        this.recycled++;
        this.respawn(slot);
        this.queue.unshift(...waiting);
      }
    }
    task.reject(new BatchCancelledError());
    this.pump();
  }

  /** Runs one batch of `rows` rows (columns in argument order) on a free eligible worker. */
  async run(fn: FnRef, columns: unknown[][], rows: number, attempt: number, opts: RunOptions = {}): Promise<RunResult> {
    const id = this.nextId++;
    const m = await this.submit({ type: 'run', id, fn, columns, rows, attempt }, { ...opts, timeoutMs: opts.timeoutMs ?? this.opts.batchTimeoutMs, fnName: fn.name });
    if (m.type === 'error') throw deserializeError(m.error);
    if (m.type !== 'result') throw new HandlerError('ProtocolError', `unexpected worker answer ${m.type}`);
    const values = m.packed ? unpack(m.packed, rows) : (m.values ?? []);
    return { values, errors: m.errors, handlerMs: m.handlerMs, workerIndex: -1 };
  }

  /** Loads a function in a worker with its memory limit (deploy-time check that the bundle has a handler). */
  async inspect(fn: FnRef, opts: { timeoutMs?: number; memoryMb?: number } = {}): Promise<{ arity: number }> {
    const id = this.nextId++;
    const m = await this.submit({ type: 'inspect', id, fn }, { timeoutMs: opts.timeoutMs ?? 60_000, memoryMb: opts.memoryMb });
    if (m.type === 'error') throw deserializeError(m.error);
    if (m.type !== 'inspected') throw new HandlerError('ProtocolError', `unexpected worker answer ${m.type}`);
    return { arity: m.arity };
  }

  /**
   * Tells every worker to drop a function version's handler. A worker that imported its bundle is
   * replaced once idle: the module (its code, its top-level state) stays in the thread otherwise.
   */
  unload(key: string): void {
    for (const s of [...this.slots]) {
      s.sent.delete(key);
      s.loaded.delete(key);
      if (s.retired) continue;
      if (s.imported.delete(key) && this.opts.recycleUnloaded !== false) {
        s.recycle = true;
        if (!s.tasks.length) this.recycleSlot(s);
      } else if (s.ready) {
        s.worker.postMessage({ type: 'unload', key } satisfies ToWorker);
      }
    }
    this.pump();
  }

  /** Resolves when every worker has started (tests and benchmarks measure warm workers). */
  async ready(): Promise<void> {
    if (this.closed || this.slots.every((s) => s.ready)) return;
    await new Promise<void>((resolve) => this.readyWaiters.push(resolve));
  }

  /** Wakes ready() callers once every slot has started (or the pool closed): no polling. */
  private wakeReadyWaiters(): void {
    if (!this.readyWaiters.length || !(this.closed || this.slots.every((s) => s.ready))) return;
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeReadyWaiters();
    for (const t of this.queue.splice(0)) t.reject(new WorkerLostError('the worker pool is closed'));
    await Promise.all(
      this.slots.map(async (s) => {
        s.retired = true;
        if (s.deadline !== undefined) this.opts.timers.clearTimeout(s.deadline);
        for (const t of s.tasks.splice(0)) t.reject(new WorkerLostError('the worker pool is closed'));
        await s.worker.terminate().catch(() => undefined);
      }),
    );
  }
}
