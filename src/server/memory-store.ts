// The embedded default QueueStore: plain maps and arrays in this process. Calls survive worker
// crashes (the server thread holds them) but not a server restart.
import type { CallRecord, NewCall, PendingInfo, QueueStore, QueuedRow, RowOutcome } from './store';

/** A FIFO with O(1) amortised shift and an unshift for handing rows back. */
class RowQueue {
  private items: QueuedRow[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }
  peek(): QueuedRow | undefined {
    return this.items[this.head];
  }
  push(rows: QueuedRow[]): void {
    for (const r of rows) this.items.push(r);
  }
  take(max: number): QueuedRow[] {
    const n = Math.min(max, this.length);
    const out = this.items.slice(this.head, this.head + n);
    this.head += n;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }
  unshift(rows: QueuedRow[]): void {
    this.items = [...rows, ...this.items.slice(this.head)];
    this.head = 0;
  }
  removeWhere(pred: (r: QueuedRow) => boolean): QueuedRow[] {
    const kept: QueuedRow[] = [];
    const removed: QueuedRow[] = [];
    for (let i = this.head; i < this.items.length; i++) (pred(this.items[i]) ? removed : kept).push(this.items[i]);
    this.items = kept;
    this.head = 0;
    return removed;
  }
}

const rowId = (callId: string, index: number) => `${callId}#${index}`;

export class MemoryQueueStore implements QueueStore {
  /** Private to this process: nothing survives it, so shutdown answers waiting rows itself. */
  readonly shared = false;
  /** `now` stamps finishedAt (result expiry); pass the server's TimerApi.now in tests. */
  constructor(private readonly now: () => number = () => Date.now()) {}

  private readonly calls = new Map<string, CallRecord>();
  private readonly streams = new Map<string, RowQueue>();
  private readonly inFlight = new Map<string, Set<string>>();
  /** Which stream a call's rows live in (for cancel). */
  private readonly callStream = new Map<string, string>();

  private stream(key: string): RowQueue {
    let q = this.streams.get(key);
    if (!q) this.streams.set(key, (q = new RowQueue()));
    return q;
  }
  private flying(key: string): Set<string> {
    let s = this.inFlight.get(key);
    if (!s) this.inFlight.set(key, (s = new Set()));
    return s;
  }

  async addCall(call: NewCall, stream: string, rows: QueuedRow[]): Promise<void> {
    if (this.calls.has(call.id)) throw new Error(`call id ${call.id} already exists`);
    this.calls.set(call.id, {
      ...call,
      state: call.rows === 0 ? 'done' : 'pending',
      doneRows: 0,
      failedRows: 0,
      values: new Array<unknown>(call.rows).fill(null),
      statuses: new Array<string | null>(call.rows).fill(null),
      ...(call.rows === 0 ? { finishedAt: call.createdAt } : {}),
    });
    this.callStream.set(call.id, stream);
    this.stream(stream).push(rows);
  }

  async pending(stream: string): Promise<PendingInfo> {
    const q = this.streams.get(stream);
    const first = q?.peek();
    return { rows: q?.length ?? 0, oldestAt: first ? first.enqueuedAt : null };
  }

  async claim(stream: string, max: number): Promise<QueuedRow[]> {
    const q = this.streams.get(stream);
    if (!q) return [];
    const rows = q.take(max);
    const f = this.flying(stream);
    for (const r of rows) f.add(rowId(r.callId, r.index));
    return rows;
  }

  async release(stream: string, rows: QueuedRow[]): Promise<void> {
    const f = this.flying(stream);
    const back = rows.filter((r) => f.delete(rowId(r.callId, r.index)) && this.calls.get(r.callId)?.state === 'pending');
    if (back.length) this.stream(stream).unshift(back);
  }

  async complete(stream: string, outcomes: RowOutcome[]): Promise<string[]> {
    const f = this.flying(stream);
    const finished: string[] = [];
    for (const o of outcomes) {
      f.delete(rowId(o.callId, o.index));
      const call = this.calls.get(o.callId);
      if (!call || call.statuses[o.index] !== null) continue; // deleted call, or a duplicate outcome
      if (o.error) {
        call.statuses[o.index] = o.error;
        call.failedRows++;
      } else {
        call.statuses[o.index] = 'ok';
        call.values[o.index] = o.value;
      }
      call.doneRows++;
      if (call.doneRows === call.rows && call.state === 'pending') {
        call.state = 'done';
        call.finishedAt = this.now();
        finished.push(call.id);
      } else if (call.doneRows === call.rows && call.state === 'cancelled' && call.finishedAt === undefined) {
        call.finishedAt = this.now();
        finished.push(call.id);
      }
    }
    return finished;
  }

  async getCall(id: string): Promise<CallRecord | undefined> {
    return this.calls.get(id);
  }

  async cancelCall(id: string, status: string): Promise<boolean> {
    const call = this.calls.get(id);
    if (!call || call.finishedAt !== undefined) return false;
    call.state = 'cancelled';
    const stream = this.callStream.get(id);
    const dropped = stream ? (this.streams.get(stream)?.removeWhere((r) => r.callId === id) ?? []) : [];
    for (const r of dropped) {
      if (call.statuses[r.index] !== null) continue;
      call.statuses[r.index] = status;
      call.failedRows++;
      call.doneRows++;
    }
    if (call.doneRows === call.rows) {
      call.finishedAt = this.now();
      return true;
    }
    return false;
  }

  async deleteCall(id: string): Promise<void> {
    const stream = this.callStream.get(id);
    if (stream) this.streams.get(stream)?.removeWhere((r) => r.callId === id);
    this.calls.delete(id);
    this.callStream.delete(id);
  }

  async finishedBefore(before: number): Promise<string[]> {
    const out: string[] = [];
    for (const c of this.calls.values()) if (c.finishedAt !== undefined && c.finishedAt < before) out.push(c.id);
    return out;
  }

  async depth(stream?: string): Promise<number> {
    if (stream !== undefined) return (this.streams.get(stream)?.length ?? 0) + (this.inFlight.get(stream)?.size ?? 0);
    let n = 0;
    for (const q of this.streams.values()) n += q.length;
    for (const s of this.inFlight.values()) n += s.size;
    return n;
  }
}
