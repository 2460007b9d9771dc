// A QueueStore on Redis Streams, so several server processes (machines) share one queue: each
// function version is a stream, every server process is a consumer of one consumer group, rows are
// claimed with XREADGROUP and acknowledged (XACK) with their outcome; call records live in hashes.
// Every multi-step update is one Lua script (redis/scripts.ts), atomic across processes, and gets
// its keys as KEYS: the keys of one stream and its calls share a hash tag (redis/keys.ts), so the
// store also runs on a Redis Cluster (redis-cluster:// URLs), one slot per stream. A process
// that dies with rows in flight stops heartbeating them; after `reclaimIdleMs` the recovery timer of
// any live process (recovery-timer.ts) moves them (XAUTOCLAIM) back to the head of the stream. See docs/distributed-queue.md.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Cluster, type RedisOptions } from 'ioredis';
import { decodeRowError, decodeValue, encodeRowError, encodeValue } from './redis/value-codec';
import { SCRIPTS, type ScriptName } from './redis/scripts';
import { RedisSubscription } from './redis/subscription';
import { RedisKeys, UNTAGGED, callTag, streamAndCallKeys, streamTag, type CallKeys } from './redis/keys';
import { openRedisClient, type RedisClient } from './redis/connection';
import { CallResults, type RowError } from './call-results';
import type { CallRecord, CallState, NewCall, PendingInfo, QueueEvents, QueueStore, QueuedRow, RowBatch, RowOutcome } from './store';
import type { TimerApi } from '../core/types';
import { defaultTimers, unrefTimer } from '../core/timers';
import { EmbedbookError } from '../core/errors';
import { StreamRetiredError } from './errors';

export { RedisUnavailableError } from './redis/connection';
export const DEFAULT_REDIS_PREFIX = 'embedbook:';
/** How long rows in flight on a silent process wait before another one takes them (RedisStoreOptions.reclaimIdleMs). */
const DEFAULT_RECLAIM_IDLE_MS = 30_000;
const GROUP = 'embedbook-workers';
/** Retired streams finished per recovery tick (each one script): the rest wait for the next tick. */
const PRUNE_PER_TICK = 64;

/** On a Redis Cluster every key of a call must share its stream's slot: the call id has to say which. */
export class CallIdSlotError extends EmbedbookError {
  override readonly name = 'CallIdSlotError';
  constructor(readonly callId: string, readonly stream: string) {
    super(`Call id ${JSON.stringify(callId)} does not carry the hash tag of stream "${stream}": on a Redis Cluster a call's keys live in its stream's slot, so make its id with store.newCallId(stream).`);
  }
}

export interface RedisStoreOptions {
  /** Every key starts with this (default 'embedbook:'); servers sharing a queue use the same one. */
  prefix?: string;
  /** This process's consumer name in the group (default host:pid:random). */
  consumer?: string;
  /**
   * Rows in flight this long without a heartbeat belong to a lost process and are handed back
   * (default 30 s). Live processes re-touch their rows every reclaimIdleMs / 3.
   */
  reclaimIdleMs?: number;
  /**
   * A finished call's keys expire in Redis this long after it finished (default 1 h), read or not:
   * a backstop under the servers' own expiry (a read frees a result at once; unread ones go after
   * the server's resultTtlMs), so finished calls never pile up even with no server left to sweep.
   * Keep it at least the servers' resultTtlMs. 0 turns it off.
   */
  finishedTtlMs?: number;
  /** Stamps finishedAt (result expiry), like MemoryQueueStore's. */
  now?: () => number;
  /** Drives the heartbeat (default: the real clock). */
  timers?: TimerApi;
}

export type { QueueEvents } from './store';

type ScriptFn = (args: Array<string | Buffer | number>) => Promise<unknown>;

const rowKey = (callId: string, index: number) => `${callId}#${index}`;

export class RedisStreamsQueueStore implements QueueStore {
  /** Every server process on the same Redis and prefix shares the streams. */
  readonly shared = true;
  readonly prefix: string;
  readonly consumer: string;
  /** Rows in flight this long without a heartbeat are handed back by reclaim() (see RedisStoreOptions). */
  readonly reclaimIdleMs: number;
  /** Every key name (and its hash tag) this store uses. */
  readonly keys: RedisKeys;
  /** On a Redis Cluster: scripts run per slot, and call ids must carry their stream's tag. */
  private readonly cluster: boolean;
  private readonly finishedTtlMs: number;
  private readonly now: () => number;
  private readonly timers: TimerApi;
  /** Rows this process claimed and has not finished or released: heartbeated so they are not reclaimed. */
  private readonly mine = new Map<string, Map<string, string>>();
  private heartbeat: unknown;
  /** Streams this process has put in `<prefix>streams` since it (re)connected: listed once, not per call. */
  private readonly listed = new Set<string>();
  private readonly events: RedisSubscription<QueueEvents>;
  private closed = false;
  /**
   * The store's incarnation (`<prefix>epoch`, made once by whichever process comes first): a Redis
   * that restarts empty has none, and the next process to look makes a new one. Call ids carry the
   * epoch they were made in, so a call missing under a different epoch was lost, not deleted.
   */
  private epoch: string | undefined;

  /** Wraps a connected ioredis client (one Redis or a Cluster); `ownsClient` lets close() quit it. */
  constructor(readonly redis: RedisClient, opts: RedisStoreOptions = {}, private readonly ownsClient = false) {
    this.prefix = opts.prefix ?? DEFAULT_REDIS_PREFIX;
    this.keys = new RedisKeys(this.prefix);
    this.cluster = redis instanceof Cluster;
    this.consumer = opts.consumer ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.reclaimIdleMs = opts.reclaimIdleMs ?? DEFAULT_RECLAIM_IDLE_MS;
    this.finishedTtlMs = opts.finishedTtlMs ?? 3_600_000;
    this.now = opts.now ?? (() => Date.now());
    this.timers = opts.timers ?? defaultTimers;
    this.events = new RedisSubscription<QueueEvents>(redis, this.keys.events, (w, message) => {
      const body = message.slice(2);
      if (message.startsWith('a ')) w.appended?.(body);
      else if (message.startsWith('f ')) w.finished?.(body.split(' '));
    });
    // No numberOfKeys: each call passes its key count first (the scripts take a variable number).
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      if (!(name in redis)) redis.defineCommand(name, { lua });
    }
    // Every (re)connect re-reads the epoch: a Redis restarted empty gets a new one at once.
    // A reconnect may meet a Redis restarted empty: list the streams again.
    redis.on('ready', () => {
      this.listed.clear();
      void this.refreshEpoch().catch(() => undefined);
    });
    if (redis.status === 'ready') void this.refreshEpoch().catch(() => undefined);
  }

  /** Reads the store's epoch, making one if there is none (first use, or Redis restarted empty). */
  private async refreshEpoch(): Promise<string> {
    const made = randomUUID().slice(0, 8);
    // SET NX GET: the existing epoch, or null when ours was just set (one round trip).
    const existing = await this.redis.set(this.keys.epoch, made, 'NX', 'GET');
    return (this.epoch = existing ?? made);
  }

  /**
   * `<epoch>.<uuid>`, or `<epoch>.<tag>.<uuid>` for a call on `stream`: the tag puts the call's keys
   * in its stream's slot (required on a Redis Cluster, see CallIdSlotError).
   */
  newCallId(stream?: string): string {
    return `${this.epoch ?? 'none'}.${stream === undefined ? '' : `${streamTag(stream)}.`}${randomUUID()}`;
  }

  async callLost(id: string): Promise<boolean> {
    const dot = id.indexOf('.');
    if (dot <= 0) return false; // not an id this store made: unknown, not lost
    const current = await this.redis.get(this.keys.epoch);
    const epoch = current ?? (await this.refreshEpoch());
    this.epoch = epoch;
    return id.slice(0, dot) !== epoch;
  }

  /**
   * Connects to `url` (redis://, rediss://, or redis-cluster://host:port[,host:port…]; `?prefix=`
   * sets the key prefix) and checks Redis is new enough (7.0+). Fails with RedisUnavailableError.
   */
  static async connect(url: string, opts: RedisStoreOptions = {}, clientOptions: RedisOptions = {}): Promise<RedisStreamsQueueStore> {
    const { client, prefix } = await openRedisClient(url, clientOptions);
    const store = new RedisStreamsQueueStore(client, { ...opts, ...(prefix !== undefined ? { prefix } : {}) }, true);
    await store.refreshEpoch().catch(() => undefined);
    return store;
  }

  // The argument list goes as ONE array (ioredis flattens it): spreading a 100,000-row call's
  // 300,000 arguments would overflow the JS stack. Key count, KEYS, then channel, group, ARGV.
  private script(name: ScriptName, keys: string[], args: Array<string | Buffer | number>, buffer = false): Promise<unknown> {
    const all: Array<string | Buffer | number> = [keys.length, ...keys, this.keys.events, GROUP];
    for (const a of args) all.push(a);
    return (this.redis as unknown as Record<string, ScriptFn>)[buffer ? `${name}Buffer` : name](all);
  }

  private streamKeys(stream: string): string[] {
    return streamAndCallKeys(this.keys.stream(stream), []);
  }

  /** The call blocks of the calls `rows` touch (each once), and each row's block number (1-based). */
  private callBlocks(rows: ReadonlyArray<{ callId: string }>): { calls: CallKeys[]; block: (callId: string) => number } {
    const blocks = new Map<string, number>();
    const calls: CallKeys[] = [];
    for (const r of rows) {
      if (blocks.has(r.callId)) continue;
      calls.push(this.keys.call(r.callId));
      blocks.set(r.callId, calls.length);
    }
    return { calls, block: (id) => blocks.get(id) as number };
  }

  /** Every tag that may hold results or finished calls: those of the known streams, and untagged ids'. */
  private async tags(): Promise<string[]> {
    const streams = await this.redis.smembers(this.keys.streams);
    return [...new Set([UNTAGGED, ...streams.map(streamTag)])];
  }

  async addCall(call: NewCall, stream: string, rows: RowBatch): Promise<void> {
    if (rows.callId !== call.id) throw new Error(`addCall: the rows belong to call ${rows.callId}, not ${call.id}`);
    if (this.cluster && callTag(call.id) !== streamTag(stream)) throw new CallIdSlotError(call.id, stream);
    const { columns, enqueuedAt } = rows;
    for (const c of columns) if (c.length !== call.rows) throw new Error(`addCall: a column has ${c.length} values for a call of ${call.rows} rows`);
    // Redis Streams hold one entry per row (claims, acks and reclaims are per row); each entry's
    // arguments are one binary value.
    const args: Array<string | Buffer | number> = [stream, call.id, call.functionName, call.version, call.rows, call.createdAt, this.finishedTtlMs];
    const values = new Array<unknown>(columns.length);
    for (let i = 0; i < call.rows; i++) {
      for (let j = 0; j < columns.length; j++) values[j] = columns[j][i];
      args.push(i, enqueuedAt, encodeValue(values));
    }
    try {
      await this.script('ebAddCall', [...streamAndCallKeys(this.keys.stream(stream), [this.keys.call(call.id)]), this.keys.tombstone(stream)], args);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('EBRETIRED')) throw new StreamRetiredError(stream);
      throw err;
    }
    // The stream set lives outside any stream's slot: recorded after the script, so a refused call
    // (retired stream) never puts a deleted stream back (idempotent; a stream listed with no rows
    // counts nothing). Once per stream and connection: it leaves the set only when retired.
    if (this.listed.has(stream)) return;
    await this.redis.sadd(this.keys.streams, stream);
    this.listed.add(stream);
  }

  /**
   * Closes the stream to new rows (its tombstone) and deletes it once drained; its tag's keys and
   * its place in `<prefix>streams` go once its results are read or expired. Until then it stays in
   * `<prefix>retired`, which every node's recovery timer (reclaim) works through.
   */
  async retireStream(stream: string): Promise<void> {
    await this.redis.sadd(this.keys.retired, stream);
    await this.pruneStream(stream);
  }

  /** One ebRetire step for `stream`; when all its keys are gone it leaves both stream sets. */
  private async pruneStream(stream: string): Promise<void> {
    const tag = this.keys.tag(streamTag(stream));
    const ttl = this.finishedTtlMs > 0 ? this.finishedTtlMs : 3_600_000;
    const step = Number(await this.script('ebRetire', [...this.streamKeys(stream), this.keys.tombstone(stream), tag.fin, tag.rb], [ttl]));
    if (step === 2) {
      this.listed.delete(stream);
      await Promise.all([this.redis.srem(this.keys.streams, stream), this.redis.srem(this.keys.retired, stream)]);
    }
  }

  async pending(stream: string): Promise<PendingInfo> {
    const [rows, oldest] = (await this.script('ebPending', this.streamKeys(stream), [])) as [number, string | null];
    return { rows: Number(rows), oldestAt: oldest === null || oldest === undefined ? null : Number(oldest) };
  }

  /**
   * Hands rows of lost processes (in flight past reclaimIdleMs with no heartbeat) back to the head
   * of their streams, in order, and wakes every server (an 'appended' event); also drops consumers
   * long gone from the group and trims dead entries, and deletes retired streams that have drained
   * (retireStream). Run by each server's recovery timer, so a
   * killed server's rows come back with no other traffic. Returns how many rows came back.
   */
  async reclaim(streams: string[]): Promise<number> {
    let back = 0;
    for (const stream of streams) back += Number(await this.script('ebReclaim', this.streamKeys(stream), [stream, this.consumer, this.reclaimIdleMs]));
    // Retired streams whose rows or results were still there when retired: deleted once drained.
    for (const stream of (await this.redis.smembers(this.keys.retired)).slice(0, PRUNE_PER_TICK)) await this.pruneStream(stream);
    return back;
  }

  async claim(stream: string, max: number): Promise<QueuedRow[]> {
    if (max <= 0) return [];
    const entries = (await this.script('ebClaim', this.streamKeys(stream), [stream, this.consumer, max], true)) as Array<[Buffer, Buffer[]]>;
    const out: QueuedRow[] = [];
    let mine = this.mine.get(stream);
    if (!mine) this.mine.set(stream, (mine = new Map()));
    for (const [id, fields] of entries) {
      const f = new Map<string, Buffer>();
      for (let i = 0; i < fields.length; i += 2) f.set(fields[i].toString(), fields[i + 1]);
      const callId = String(f.get('c'));
      const index = Number(String(f.get('i')));
      const values = decodeValue(f.get('v') ?? Buffer.alloc(0));
      out.push({ callId, index, enqueuedAt: Number(String(f.get('t'))), values: Array.isArray(values) ? values : [values] });
      mine.set(rowKey(callId, index), id.toString());
    }
    if (out.length) this.startHeartbeat();
    return out;
  }

  private forget(stream: string, rows: ReadonlyArray<{ callId: string; index: number }>): void {
    const mine = this.mine.get(stream);
    if (!mine) return;
    for (const r of rows) mine.delete(rowKey(r.callId, r.index));
  }

  async release(stream: string, rows: QueuedRow[]): Promise<void> {
    if (!rows.length) return;
    this.forget(stream, rows);
    const { calls, block } = this.callBlocks(rows);
    await this.script('ebRelease', streamAndCallKeys(this.keys.stream(stream), calls), [stream, ...rows.flatMap((r) => [block(r.callId), r.index])]);
  }

  async complete(stream: string, outcomes: RowOutcome[]): Promise<string[]> {
    if (!outcomes.length) return [];
    this.forget(stream, outcomes);
    const { calls, block } = this.callBlocks(outcomes);
    const args: Array<string | Buffer | number> = [stream, this.now()];
    for (const o of outcomes) {
      if (o.error) args.push(block(o.callId), o.callId, o.index, 'e', encodeRowError(o.error));
      else args.push(block(o.callId), o.callId, o.index, 'v', encodeValue(o.value));
    }
    return (await this.script('ebComplete', streamAndCallKeys(this.keys.stream(stream), calls), args)) as string[];
  }

  async getCall(id: string): Promise<CallRecord | undefined> {
    const k = this.keys.call(id);
    const res = await this.redis.multi().hgetall(k.c).hgetallBuffer(k.v).hgetall(k.st).exec();
    if (!res) return undefined;
    for (const [err] of res) if (err) throw err;
    const meta = res[0][1] as Record<string, string>;
    if (!meta.rows) return undefined;
    const rows = Number(meta.rows);
    // Read straight into the columnar form: vectors land in one packed buffer.
    const results = new CallResults(rows);
    const statuses = res[2][1] as Record<string, string>;
    const values = res[1][1] as Record<string, Buffer>;
    for (const [k, status] of Object.entries(statuses)) {
      const i = Number(k);
      if (!(i >= 0 && i < rows)) continue;
      if (status === 'ok') results.setOk(i, values[k] === undefined ? null : decodeValue(values[k]));
      else results.setFailed(i, decodeRowError(status));
    }
    return {
      id,
      functionName: meta.fn,
      version: Number(meta.ver),
      rows,
      createdAt: Number(meta.created),
      state: meta.state as CallState,
      doneRows: Number(meta.done),
      failedRows: Number(meta.failed),
      results,
      ...(meta.fin !== undefined ? { finishedAt: Number(meta.fin) } : {}),
    };
  }

  /** The stream a call's rows are on (its script needs the stream's keys), or null when the call is gone. */
  private streamOf(k: CallKeys): Promise<string | null> {
    return this.redis.hget(k.c, 'stream');
  }

  async cancelCall(id: string, status: RowError): Promise<boolean> {
    const k = this.keys.call(id);
    const stream = await this.streamOf(k);
    if (stream === null) return false;
    return Number(await this.script('ebCancel', streamAndCallKeys(this.keys.stream(stream), [k]), [id, encodeRowError(status), this.now(), stream])) === 1;
  }

  async deleteCall(id: string): Promise<void> {
    const k = this.keys.call(id);
    const stream = await this.streamOf(k);
    // No record (expired by its TTL, or never made): its leftovers and held bytes, all in the call's slot.
    if (stream === null) await this.script('ebForgetCall', [k.c, k.v, k.st, k.e, k.fin, k.rb], [id]);
    else await this.script('ebDeleteCall', streamAndCallKeys(this.keys.stream(stream), [k]), [id, stream]);
  }

  /**
   * The byte counts ebComplete adds per stored value and ebDeleteCall / ebForgetCall take back,
   * summed over the tags (field '#' of `<prefix>{tag}held`, one per stream): the result byte budget
   * is still one budget for the whole store, read as a sum instead of kept in one key that every
   * stream's script would touch.
   */
  async heldResultBytes(): Promise<number> {
    const keys = (await this.tags()).map((t) => this.keys.tag(t).rb);
    // One pipeline on one Redis; on a Cluster, one HGET per key (keys in many slots).
    const counts = this.cluster
      ? await Promise.all(keys.map((k) => this.redis.hget(k, '#')))
      : ((await keys.reduce((p, k) => p.hget(k, '#'), this.redis.pipeline()).exec()) ?? []).map(([err, v]) => {
          if (err) throw err;
          return v as string | null;
        });
    return counts.reduce((sum, c) => sum + Number(c ?? 0), 0);
  }

  async finishedBefore(before: number): Promise<string[]> {
    const lists = await Promise.all((await this.tags()).map((t) => this.redis.zrangebyscore(this.keys.tag(t).fin, '-inf', `(${before}`)));
    return lists.flat();
  }

  async depth(stream?: string): Promise<number> {
    const streams = stream === undefined ? await this.redis.smembers(this.keys.streams) : [stream];
    const pairs = streams.map((s) => {
      const k = this.keys.stream(s);
      return [k.sk, k.nk];
    });
    if (!pairs.length) return 0;
    // One script for every stream on one Redis; one per stream (its own slot) on a Cluster.
    if (!this.cluster) return Number(await this.script('ebDepth', pairs.flat(), []));
    const each = await Promise.all(pairs.map((p) => this.script('ebDepth', p, [])));
    return each.reduce((sum: number, n) => sum + Number(n), 0);
  }

  /**
   * Subscribes to the queue's events from every process (Redis pub/sub on `<prefix>events`), so a
   * server can wake its long-polls for calls another machine finished and let its batcher look at
   * rows another machine appended. Resolves once subscribed; returns the unsubscribe function.
   * Pub/sub is at-most-once: a missed event only delays the reader until its own timer or poll.
   */
  watch(events: QueueEvents): Promise<() => void> {
    return this.events.add(events);
  }

  /**
   * Re-touches the rows this process runs every reclaimIdleMs / 3 while it has any (a timer of the
   * store's TimerApi, re-armed after each touch; it stops when nothing is in flight here).
   */
  private startHeartbeat(): void {
    if (this.heartbeat !== undefined || this.closed || this.reclaimIdleMs <= 0) return;
    this.heartbeat = this.timers.setTimeout(() => {
      void this.touch()
        .catch(() => undefined)
        .finally(() => {
          this.heartbeat = undefined;
          if ([...this.mine.values()].some((rows) => rows.size > 0)) this.startHeartbeat();
        });
    }, Math.max(10, Math.floor(this.reclaimIdleMs / 3)));
    unrefTimer(this.heartbeat);
  }

  /** Re-touches (XCLAIM to ourselves, idle reset) the rows this process is running. Exposed for tests and hosts with their own schedule. */
  async touch(): Promise<void> {
    const touches: Array<Promise<unknown>> = [];
    for (const [stream, rows] of this.mine) {
      if (rows.size) touches.push(this.redis.xclaim(this.keys.stream(stream).sk, GROUP, this.consumer, 0, ...rows.values(), 'JUSTID'));
    }
    await Promise.all(touches);
  }

  /**
   * Stops the heartbeat and, when this store opened the connection, closes it. Rows still in
   * flight here are NOT handed back: another process reclaims them after reclaimIdleMs.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.heartbeat !== undefined) this.timers.clearTimeout(this.heartbeat);
    this.heartbeat = undefined;
    await this.events.close();
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
