// The queue's storage, behind an interface passed in by factory (BullMQ's idea). The in-memory
// store is the embedded default; the shape is that of a log with consumer groups so a Redis
// Streams (XADD / XREADGROUP / XACK / XCLAIM) or NATS JetStream (publish / pull fetch / ack / nak)
// store can implement it later: rows are appended per function, claimed in arrival order, put back
// at the head when a worker is lost, and acknowledged by recording their outcome exactly once.
// Every method is async for that reason; the in-memory store resolves at once.

import type { CallResults, RowError } from './call-results';

/**
 * The rows of one call as submitted, columnar: one array per declared argument (declaration order),
 * each `call.rows` long. Stores keep them per call like this, never as an object per row.
 */
export interface RowBatch {
  callId: string;
  /** ms timestamp (TimerApi.now) when the call was accepted: drives maxBufferDuration. */
  enqueuedAt: number;
  columns: ReadonlyArray<ReadonlyArray<unknown>>;
}

/**
 * One row handed to a batch by claim(): the call it belongs to, its index there, and its
 * arguments. Built per claimed batch only (the store holds waiting rows as RowBatch columns).
 */
export interface QueuedRow {
  callId: string;
  /** Row index inside the call: results go back to this position. */
  index: number;
  /** ms timestamp (TimerApi.now) when the row was accepted: drives maxBufferDuration. */
  enqueuedAt: number;
  /** One value per declared argument, in declaration order. */
  values: unknown[];
}

/** The outcome of one row. `error` null/undefined means ok; the stores keep it opaque. */
export interface RowOutcome {
  callId: string;
  index: number;
  value: unknown;
  error?: RowError | null;
}

export type CallState = 'pending' | 'done' | 'cancelled';

export interface NewCall {
  id: string;
  /** Function name as called. */
  functionName: string;
  /** The function version the call runs on (redeploys never move a call). */
  version: number;
  rows: number;
  createdAt: number;
}

export interface CallRecord extends NewCall {
  state: CallState;
  /** Rows with an outcome (ok, failed or cancelled). */
  doneRows: number;
  failedRows: number;
  /** Per-row values and statuses, columnar (call-results.ts). */
  results: CallResults;
  finishedAt?: number;
}

export interface PendingInfo {
  rows: number;
  /** enqueuedAt of the oldest waiting row, or null when none wait. */
  oldestAt: number | null;
}

/** The key of a function version's row stream. */
export function streamKey(functionName: string, version: number): string {
  return `${functionName}@${version}`;
}

/** Cross-process news from every server sharing a store (this one included); see QueueStore.watch. */
export interface QueueEvents {
  /** Rows became claimable in `stream` (appended, handed back, or reclaimed from a lost process). */
  appended?(stream: string): void;
  /** These calls just got their last outcome (or were cancelled complete). */
  finished?(callIds: string[]): void;
}

export interface QueueStore {
  /**
   * True when other server processes use the same store (their calls' rows live in the same
   * streams, e.g. Redis). Shutdown then releases only this process's in-flight rows and leaves
   * waiting rows to the survivors; with a private store (false: in-memory) nothing survives the
   * process, so shutdown answers every unfinished row with the shutting-down status instead.
   */
  readonly shared: boolean;
  /**
   * Shared stores: how long a row may stay in flight on a process that stopped heartbeating before
   * reclaim() hands it to another one (ms). The recovery timer ticks at a fraction of it.
   */
  readonly reclaimIdleMs?: number;
  /**
   * Optional (shared stores): hands rows in flight on lost processes (no heartbeat for
   * reclaimIdleMs) back to the head of their streams, in order, and announces them (an `appended`
   * event). Every server's recovery timer calls it, so recovery needs no traffic. Returns how many
   * rows came back.
   */
  reclaim?(streams: string[]): Promise<number>;
  /**
   * Optional: a new call id that tells, once the call is gone, whether the store lost it (see
   * callLost). `stream`: the stream the call goes to (a Redis Cluster puts the call in its slot).
   * Default: a random UUID.
   */
  newCallId?(stream?: string): string;
  /**
   * Optional: for an id getCall no longer finds, true when the store lost it (restarted empty since
   * the call was accepted) rather than deleting it (read, expired, never existed). Polls then
   * answer CallLostError (410) and the client submits the rows again.
   */
  callLost?(id: string): Promise<boolean>;
  /**
   * Optional: `stream`'s function version was replaced or removed. Closes the stream to new rows
   * (a later addCall to it throws StreamRetiredError, so a node that has not seen the change yet
   * re-routes its call instead of leaving rows no worker serves) and deletes the stream and its keys
   * once no row waits or runs there (and, for stores that index results per stream, none is left
   * unread). Rows already there finish normally. Idempotent; every node that retires it calls it.
   */
  retireStream?(stream: string): Promise<void>;
  /** Records a call and appends its rows to the stream `stream`, atomically (StreamRetiredError: see retireStream). */
  addCall(call: NewCall, stream: string, rows: RowBatch): Promise<void>;
  /** How many rows wait (unclaimed) in a stream, and when the oldest arrived. */
  pending(stream: string): Promise<PendingInfo>;
  /** Claims up to `max` oldest waiting rows of a stream; they become in flight. */
  claim(stream: string, max: number): Promise<QueuedRow[]>;
  /** Puts claimed rows back at the head of their stream, keeping their order (worker lost, shutdown). */
  release(stream: string, rows: QueuedRow[]): Promise<void>;
  /**
   * Records row outcomes. A row's first outcome wins (a late duplicate is ignored), so no row is
   * ever counted twice. Returns the ids of calls that became complete.
   */
  complete(stream: string, outcomes: RowOutcome[]): Promise<string[]>;
  getCall(id: string): Promise<CallRecord | undefined>;
  /**
   * Drops a call's waiting rows (marking them `status`), so they never start; rows already in a
   * batch finish normally. Returns true if the call became complete.
   */
  cancelCall(id: string, status: RowError): Promise<boolean>;
  /** Forgets a call and its result. */
  deleteCall(id: string): Promise<void>;
  /** Ids of complete calls that finished before `before` (for result expiry). */
  finishedBefore(before: number): Promise<string[]>;
  /**
   * Bytes of results held (finished calls not yet read or expired, and the outcomes of unfinished
   * ones), across every process sharing the store: the result byte budget refuses submits above it.
   */
  heldResultBytes(): Promise<number>;
  /** Rows accepted and not yet finished (waiting + in flight), for one stream or all. */
  depth(stream?: string): Promise<number>;
  /**
   * Optional: subscribes to appends and completions made by any process sharing the store, so a
   * server wakes its long-polls for calls another server finished and its batchers for rows another
   * server appended. Resolves once subscribed, with the unsubscribe function. At-most-once: a
   * missed event only delays a reader until its own timer or poll timeout.
   */
  watch?(events: QueueEvents): Promise<() => void>;
}
