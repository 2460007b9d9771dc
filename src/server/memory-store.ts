// The embedded default QueueStore: plain maps and arrays in this process. Calls survive worker
// crashes (the server thread holds them) but not a server restart.
import { CallResults, type RowError } from './call-results';
import { StreamRetiredError } from './errors';
import type { CallRecord, NewCall, PendingInfo, QueueStore, QueuedRow, RowBatch, RowOutcome } from './store';

/**
 * How long a retired stream's name is remembered after it drained (its tombstone): a submit that
 * picked the old version just before the switch is refused (StreamRetiredError, re-routed) instead
 * of re-creating a stream nothing serves. That race lasts milliseconds; the names stay bounded.
 */
const RETIRED_KEPT_MS = 3_600_000;

/** A run of consecutive waiting rows [start, end) of one call: rows are held as their call's columns. */
interface Segment {
  batch: RowBatch;
  start: number;
  end: number;
}

/**
 * A FIFO of row segments (a call's rows are one segment until claimed in parts), with an unshift
 * for handing rows back. Rows become QueuedRow objects only when a batch claims them.
 */
class RowQueue {
  private items: Segment[] = [];
  private head = 0;
  private rows = 0;

  get length(): number {
    return this.rows;
  }
  oldestAt(): number | null {
    return this.items[this.head]?.batch.enqueuedAt ?? null;
  }
  push(seg: Segment): void {
    if (seg.end <= seg.start) return;
    this.items.push(seg);
    this.rows += seg.end - seg.start;
  }
  take(max: number): QueuedRow[] {
    const out: QueuedRow[] = [];
    while (out.length < max && this.head < this.items.length) {
      const seg = this.items[this.head];
      const { callId, enqueuedAt, columns } = seg.batch;
      const end = Math.min(seg.end, seg.start + (max - out.length));
      for (let i = seg.start; i < end; i++) {
        const values = new Array<unknown>(columns.length);
        for (let j = 0; j < columns.length; j++) values[j] = columns[j][i];
        out.push({ callId, index: i, enqueuedAt, values });
      }
      this.rows -= end - seg.start;
      if (end === seg.end) this.head++;
      else seg.start = end;
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }
  /** Puts segments back at the head, in the given order. */
  unshift(segs: Segment[]): void {
    this.items = [...segs, ...this.items.slice(this.head)];
    this.head = 0;
    for (const s of segs) this.rows += s.end - s.start;
  }
  /** Removes a call's waiting rows; returns their indices. */
  removeCall(callId: string): number[] {
    const kept: Segment[] = [];
    const removed: number[] = [];
    for (let k = this.head; k < this.items.length; k++) {
      const seg = this.items[k];
      if (seg.batch.callId !== callId) kept.push(seg);
      else for (let i = seg.start; i < seg.end; i++) removed.push(i);
    }
    this.items = kept;
    this.head = 0;
    this.rows -= removed.length;
    return removed;
  }
}

/** Float vectors a worker's batch answers with: views of its one transferred buffer. */
type FloatVector = Float32Array | Float64Array;

const isFloatVector = (v: unknown): v is FloatVector =>
  (v instanceof Float32Array && v.constructor === Float32Array) || (v instanceof Float64Array && v.constructor === Float64Array);

/**
 * The outcomes from `k` on that are ok vectors of one length for consecutive rows of one call,
 * back to back in one buffer (a worker's packed answer), as one view over their floats; undefined
 * when fewer than two rows qualify.
 */
function vectorRun(outcomes: RowOutcome[], k: number): { count: number; floats: FloatVector; dim: number } | undefined {
  const head = outcomes[k];
  const first = head.value;
  if (head.error || !isFloatVector(first) || first.length === 0) return undefined;
  const dim = first.length;
  let end = first.byteOffset + first.byteLength;
  let j = k + 1;
  for (; j < outcomes.length; j++) {
    const o = outcomes[j];
    const v = o.value;
    if (o.error || o.callId !== head.callId || o.index !== head.index + (j - k) || !isFloatVector(v)) break;
    if (v.buffer !== first.buffer || v.byteOffset !== end || v.length !== dim || v.constructor !== first.constructor) break;
    end += v.byteLength;
  }
  const count = j - k;
  if (count < 2) return undefined;
  const Ctor = first.constructor as typeof Float32Array | typeof Float64Array;
  return { count, floats: new Ctor(first.buffer as ArrayBuffer, first.byteOffset, count * dim), dim };
}

/** Consecutive rows of one call (in the given order) as segments of its columns. */
function segmentsOf(rows: QueuedRow[], batchOf: (callId: string) => RowBatch | undefined): Segment[] {
  const out: Segment[] = [];
  for (const r of rows) {
    const last = out[out.length - 1];
    if (last && last.batch.callId === r.callId && last.end === r.index) {
      last.end++;
      continue;
    }
    const batch = batchOf(r.callId);
    if (batch) out.push({ batch, start: r.index, end: r.index + 1 });
  }
  return out;
}

export class MemoryQueueStore implements QueueStore {
  /** Private to this process: nothing survives it, so shutdown answers waiting rows itself. */
  readonly shared = false;
  /** `now` stamps finishedAt (result expiry); pass the server's TimerApi.now in tests. */
  constructor(private readonly now: () => number = () => Date.now()) {}

  private readonly calls = new Map<string, CallRecord>();
  private readonly streams = new Map<string, RowQueue>();
  /** Claimed rows per stream: call id → row indices. */
  private readonly inFlight = new Map<string, Map<string, Set<number>>>();
  /** Which stream a call's rows live in (for cancel). */
  private readonly callStream = new Map<string, string>();
  /** A call's submitted columns, until its last row has an outcome. */
  private readonly inputs = new Map<string, RowBatch>();
  private heldBytes = 0;
  /** Streams of replaced or removed versions (closed to new rows), by when they were retired. */
  private readonly retired = new Map<string, number>();

  private stream(key: string): RowQueue {
    let q = this.streams.get(key);
    if (!q) this.streams.set(key, (q = new RowQueue()));
    return q;
  }
  private flying(key: string): Map<string, Set<number>> {
    let s = this.inFlight.get(key);
    if (!s) this.inFlight.set(key, (s = new Map()));
    return s;
  }
  /** Un-marks a row in flight; true if it was. */
  private land(stream: string, callId: string, index: number): boolean {
    const calls = this.inFlight.get(stream);
    const rows = calls?.get(callId);
    if (!rows?.delete(index)) return false;
    if (rows.size === 0) calls?.delete(callId);
    return true;
  }

  async addCall(call: NewCall, stream: string, rows: RowBatch): Promise<void> {
    if (this.calls.has(call.id)) throw new Error(`call id ${call.id} already exists`);
    if (rows.callId !== call.id) throw new Error(`addCall: the rows belong to call ${rows.callId}, not ${call.id}`);
    for (const c of rows.columns) if (c.length !== call.rows) throw new Error(`addCall: a column has ${c.length} values for a call of ${call.rows} rows`);
    if (this.retired.has(stream)) throw new StreamRetiredError(stream);
    const results = new CallResults(call.rows);
    this.calls.set(call.id, {
      ...call,
      state: call.rows === 0 ? 'done' : 'pending',
      doneRows: 0,
      failedRows: 0,
      results,
      ...(call.rows === 0 ? { finishedAt: call.createdAt } : {}),
    });
    this.heldBytes += results.byteLength;
    this.callStream.set(call.id, stream);
    if (call.rows > 0) this.inputs.set(call.id, rows);
    this.stream(stream).push({ batch: rows, start: 0, end: call.rows });
  }

  async pending(stream: string): Promise<PendingInfo> {
    const q = this.streams.get(stream);
    return { rows: q?.length ?? 0, oldestAt: q?.oldestAt() ?? null };
  }

  async claim(stream: string, max: number): Promise<QueuedRow[]> {
    const q = this.streams.get(stream);
    if (!q) return [];
    const rows = q.take(max);
    const f = this.flying(stream);
    for (const r of rows) {
      let set = f.get(r.callId);
      if (!set) f.set(r.callId, (set = new Set()));
      set.add(r.index);
    }
    return rows;
  }

  async release(stream: string, rows: QueuedRow[]): Promise<void> {
    const back = rows.filter((r) => this.land(stream, r.callId, r.index) && this.calls.get(r.callId)?.state === 'pending');
    if (back.length) this.stream(stream).unshift(segmentsOf(back, (id) => this.inputs.get(id)));
  }

  async complete(stream: string, outcomes: RowOutcome[]): Promise<string[]> {
    const finished: string[] = [];
    // Rows to take one by one (up to `single`): those of a run that could not be stored whole.
    let single = 0;
    for (let k = 0; k < outcomes.length; k++) {
      const o = outcomes[k];
      const call = this.calls.get(o.callId);
      const run = call && k >= single ? vectorRun(outcomes, k) : undefined;
      const before = call?.results.byteLength ?? 0;
      let landed = 1;
      if (call && run && call.results.setOkRun(o.index, run.count, run.floats, run.dim)) {
        // A batch's vectors of consecutive rows of one call: one copy (or none), not one per row.
        for (let j = 0; j < run.count; j++) this.land(stream, o.callId, o.index + j);
        k += run.count - 1;
        landed = run.count;
      } else {
        if (run) single = k + run.count;
        this.land(stream, o.callId, o.index);
        if (!call || call.results.has(o.index)) continue; // deleted call, or a duplicate outcome
        if (o.error) {
          call.results.setFailed(o.index, o.error);
          call.failedRows++;
        } else {
          call.results.setOk(o.index, o.value);
        }
      }
      this.heldBytes += call.results.byteLength - before;
      call.doneRows += landed;
      if (call.doneRows === call.rows && call.state === 'pending') {
        call.state = 'done';
        this.finish(call);
        finished.push(call.id);
      } else if (call.doneRows === call.rows && call.state === 'cancelled' && call.finishedAt === undefined) {
        this.finish(call);
        finished.push(call.id);
      }
    }
    this.dropIfDrained(stream);
    return finished;
  }

  async retireStream(stream: string): Promise<void> {
    const now = this.now();
    for (const [s, at] of this.retired) if (now - at > RETIRED_KEPT_MS && !this.streams.has(s)) this.retired.delete(s);
    if (!this.retired.has(stream)) this.retired.set(stream, now);
    this.dropIfDrained(stream);
  }

  /** A retired stream with no row waiting or in flight is deleted (its calls and results stay). */
  private dropIfDrained(stream: string): void {
    if (!this.retired.has(stream) || (this.streams.get(stream)?.length ?? 0) > 0 || (this.inFlight.get(stream)?.size ?? 0) > 0) return;
    this.streams.delete(stream);
    this.inFlight.delete(stream);
  }

  /** Streams held (waiting or in-flight rows, or drained and not retired): for the bounded-growth tests. */
  streamCount(): number {
    return new Set([...this.streams.keys(), ...this.inFlight.keys()]).size;
  }

  /** The call's last row has its outcome: its input columns are no longer needed. */
  private finish(call: CallRecord): void {
    call.finishedAt = this.now();
    this.inputs.delete(call.id);
  }

  async getCall(id: string): Promise<CallRecord | undefined> {
    return this.calls.get(id);
  }

  async cancelCall(id: string, status: RowError): Promise<boolean> {
    const call = this.calls.get(id);
    if (!call || call.finishedAt !== undefined) return false;
    call.state = 'cancelled';
    const stream = this.callStream.get(id);
    const dropped = stream ? (this.streams.get(stream)?.removeCall(id) ?? []) : [];
    const before = call.results.byteLength;
    for (const i of dropped) {
      if (call.results.has(i)) continue;
      call.results.setFailed(i, status);
      call.failedRows++;
      call.doneRows++;
    }
    this.heldBytes += call.results.byteLength - before;
    if (stream) this.dropIfDrained(stream);
    if (call.doneRows === call.rows) {
      this.finish(call);
      return true;
    }
    return false;
  }

  async deleteCall(id: string): Promise<void> {
    const stream = this.callStream.get(id);
    if (stream) {
      this.streams.get(stream)?.removeCall(id);
      this.dropIfDrained(stream);
    }
    const call = this.calls.get(id);
    if (call) this.heldBytes -= call.results.byteLength;
    this.calls.delete(id);
    this.callStream.delete(id);
    this.inputs.delete(id);
  }

  async heldResultBytes(): Promise<number> {
    return this.heldBytes;
  }

  async finishedBefore(before: number): Promise<string[]> {
    const out: string[] = [];
    for (const c of this.calls.values()) if (c.finishedAt !== undefined && c.finishedAt < before) out.push(c.id);
    return out;
  }

  async depth(stream?: string): Promise<number> {
    const flying = (calls: Map<string, Set<number>> | undefined) => {
      let n = 0;
      for (const rows of calls?.values() ?? []) n += rows.size;
      return n;
    };
    if (stream !== undefined) return (this.streams.get(stream)?.length ?? 0) + flying(this.inFlight.get(stream));
    let n = 0;
    for (const q of this.streams.values()) n += q.length;
    for (const calls of this.inFlight.values()) n += flying(calls);
    return n;
  }
}
