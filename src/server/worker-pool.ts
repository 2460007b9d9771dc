// A pool of worker threads that run handler batches. Sized to the machine (or one worker per GPU).
// A worker that crashes (throws at top level, process.exit, OOM) or hangs past the batch deadline is
// terminated and replaced, and its batches re-run on a fresh worker — so the server thread never
// loses a batch. Batches wait in one FIFO until an eligible worker has room.
// Each worker also holds `prefetch` batches (default 1) behind the one it runs and starts the next
// the moment it posts a result, as a direct loop would: otherwise the worker idles for a round trip
// through the server thread between batches (about 7% of its time on 2 busy cores; docs/server.md).
import { Worker } from 'node:worker_threads';
import type { TimerApi } from '../core/types';
import { HandlerError, WorkerLostError } from './errors';
import type { FnRef, FromWorker, PackedVectors, ToWorker, WorkerDevice, WorkerInit } from './worker/protocol';

const BOOT_URL = new URL('./worker/boot.mjs', import.meta.url);
const MAX_BOOT_FAILURES = 5;
/** Deadline for loading a handler in a worker (bundle import, model load) before its batch starts. */
export const LOAD_GRACE_MS = 120_000;

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
}

export interface RunResult {
  values: unknown[];
  errors?: (string | null)[];
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
  private broken: string | undefined;
  private readonly depth: number;
  restarts = 0;

  constructor(private readonly opts: PoolOptions) {
    this.depth = 1 + Math.max(0, opts.prefetch ?? 1);
    const gpus = opts.gpus ?? [];
    const n = gpus.length || Math.max(1, opts.size);
    for (let i = 0; i < n; i++) {
      const init: WorkerInit = gpus.length
        ? { index: i, device: opts.gpuDevice ?? 'cuda', gpu: gpus[i], threads: opts.threadsPerWorker }
        : { index: i, device: 'cpu', threads: opts.threadsPerWorker };
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
  get queued(): number {
    return this.queue.length;
  }

  private spawn(init: WorkerInit): Slot {
    const worker = new Worker(this.opts.bootUrl ?? BOOT_URL, { workerData: init });
    const slot: Slot = { index: init.index, init, worker, ready: false, retired: false, tasks: [], sent: new Set(), loaded: new Set() };
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('error', (err) => this.lose(slot, `worker threw: ${err.message}`));
    worker.on('exit', (code) => this.lose(slot, `worker exited with code ${code}`));
    return slot;
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (m.type === 'ready') {
      slot.ready = true;
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
    task.resolve(m);
    this.pump();
  }

  /** The worker died or hung: replace it and re-run its batch (or fail it after maxCrashReruns). */
  private lose(slot: Slot, reason: string): void {
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
    this.queue.unshift(...waiting);
    if (task) {
      if (task.reruns < this.opts.maxCrashReruns) {
        task.reruns++;
        this.queue.unshift(task); // first in line: its rows are the oldest
      } else {
        task.reject(new WorkerLostError(`${reason}; the batch was re-run ${task.reruns} time(s) and lost its worker each time`));
      }
    }
    this.pump();
  }

  private eligible(slot: Slot, task: Task): boolean {
    if (!slot.ready || slot.retired || slot.tasks.length >= this.depth) return false;
    // Only batches queue behind batches (the worker runs those one after another); a deploy-time
    // inspect waits for an idle worker, and nothing queues behind it.
    if (slot.tasks.length > 0 && (task.msg.type !== 'run' || slot.tasks.some((t) => t.msg.type !== 'run'))) return false;
    if (!task.gpu) return true;
    const kinds = this.gpuKinds;
    // No worker has the GPU (CPU fallback was allowed at deploy): any worker will do.
    if (!kinds.some((k) => task.gpu === 'any' || k === task.gpu)) return true;
    return slot.init.gpu !== undefined && (task.gpu === 'any' || slot.init.gpu === task.gpu);
  }

  private pump(): void {
    for (let q = 0; q < this.queue.length; q++) {
      const task = this.queue[q];
      // The least loaded eligible worker: an idle one before one that would hold it behind a batch.
      let slot: Slot | undefined;
      for (const s of this.slots) if (this.eligible(s, task) && (!slot || s.tasks.length < slot.tasks.length)) slot = s;
      if (!slot) continue;
      this.queue.splice(q--, 1);
      slot.tasks.push(task);
      if (slot.tasks.length === 1) this.armStart(slot, task);
      slot.worker.postMessage(this.wire(slot, task.msg));
    }
  }

  /** The message as this worker gets it: a run names a function version it already has by key. */
  private wire(slot: Slot, msg: TaskMessage): ToWorker {
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
    this.arm(slot, task, task.timeoutMs, `batch deadline of ${task.timeoutMs} ms passed (hung handler)`);
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
      if (slot.tasks[0] === task) this.lose(slot, reason);
    }, ms);
  }

  private submit(msg: TaskMessage, gpu: string | undefined, timeoutMs: number): Promise<FromWorker> {
    if (this.closed) return Promise.reject(new WorkerLostError('the worker pool is closed'));
    if (this.broken) return Promise.reject(new WorkerLostError(this.broken));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: msg.id, msg, gpu, timeoutMs, reruns: 0, resolve, reject });
      this.pump();
    });
  }

  /** Runs one batch of `rows` rows (columns in argument order) on a free eligible worker. */
  async run(fn: FnRef, columns: unknown[][], rows: number, attempt: number, opts: { gpu?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    const id = this.nextId++;
    const m = await this.submit({ type: 'run', id, fn, columns, rows, attempt }, opts.gpu, opts.timeoutMs ?? this.opts.batchTimeoutMs);
    if (m.type === 'error') throw new HandlerError(m.error.name, m.error.message);
    if (m.type !== 'result') throw new HandlerError('ProtocolError', `unexpected worker answer ${m.type}`);
    const values = m.packed ? unpack(m.packed, rows) : (m.values ?? []);
    return { values, errors: m.errors, handlerMs: m.handlerMs, workerIndex: -1 };
  }

  /** Loads a function in a worker (deploy-time check that the bundle has a handler). */
  async inspect(fn: FnRef, timeoutMs = 60_000): Promise<{ arity: number }> {
    const id = this.nextId++;
    const m = await this.submit({ type: 'inspect', id, fn }, undefined, timeoutMs);
    if (m.type === 'error') throw new HandlerError(m.error.name, m.error.message);
    if (m.type !== 'inspected') throw new HandlerError('ProtocolError', `unexpected worker answer ${m.type}`);
    return { arity: m.arity };
  }

  /** Tells every worker to drop a function version's handler. */
  unload(key: string): void {
    for (const s of this.slots) {
      s.sent.delete(key);
      s.loaded.delete(key);
      if (s.ready && !s.retired) s.worker.postMessage({ type: 'unload', key } satisfies ToWorker);
    }
  }

  /** Resolves when every worker has started (tests and benchmarks measure warm workers). */
  async ready(): Promise<void> {
    while (!this.slots.every((s) => s.ready)) await new Promise((r) => setTimeout(r, 10));
  }

  async close(): Promise<void> {
    this.closed = true;
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
