// A QueueStore on Redis Streams, so several server processes (machines) share one queue: each
// function version is a stream, every server process is a consumer of one consumer group, rows are
// claimed with XREADGROUP and acknowledged (XACK) with their outcome; call records live in hashes.
// Every multi-step update is one Lua script (redis/scripts.ts), atomic across processes. A process
// that dies with rows in flight stops heartbeating them; after `reclaimIdleMs` the recovery timer of
// any live process (recovery-timer.ts) moves them (XAUTOCLAIM) back to the head of the stream. See docs/distributed-queue.md.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { decodeRowError, decodeValue, encodeRowError, encodeValue } from './redis/value-codec';
import { SCRIPTS, type ScriptName } from './redis/scripts';
import { RedisSubscription } from './redis/subscription';
import { CallResults, type RowError } from './call-results';
import type { CallRecord, CallState, NewCall, PendingInfo, QueueEvents, QueueStore, QueuedRow, RowBatch, RowOutcome } from './store';
import { EmbedbookError } from '../core/errors';

export const DEFAULT_REDIS_PREFIX = 'embedbook:';
/** How long rows in flight on a silent process wait before another one takes them (RedisStoreOptions.reclaimIdleMs). */
export const DEFAULT_RECLAIM_IDLE_MS = 30_000;
const GROUP = 'embedbook-workers';

/** Redis could not be reached or refused us: names the URL (without a password) and how to fix it. */
export class RedisUnavailableError extends EmbedbookError {
  override readonly name = 'RedisUnavailableError';
  constructor(url: string, cause: string) {
    super(`Cannot use the Redis queue store at ${url}: ${cause}. Start Redis (e.g. \`redis-server --port 6379\`) or fix the URL (redis://host:port[/db][?prefix=name:]).`);
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
}

export type { QueueEvents } from './store';

type ScriptFn = (args: Array<string | Buffer | number>) => Promise<unknown>;

const rowKey = (callId: string, index: number) => `${callId}#${index}`;

/** Strips a password from a URL before it goes into a message. */
function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return JSON.stringify(url);
  }
}

export class RedisStreamsQueueStore implements QueueStore {
  /** Every server process on the same Redis and prefix shares the streams. */
  readonly shared = true;
  readonly prefix: string;
  readonly consumer: string;
  /** Rows in flight this long without a heartbeat are handed back by reclaim() (see RedisStoreOptions). */
  readonly reclaimIdleMs: number;
  private readonly finishedTtlMs: number;
  private readonly now: () => number;
  /** Rows this process claimed and has not finished or released: heartbeated so they are not reclaimed. */
  private readonly mine = new Map<string, Map<string, string>>();
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private readonly events: RedisSubscription<QueueEvents>;
  private closed = false;
  /**
   * The store's incarnation (`<prefix>epoch`, made once by whichever process comes first): a Redis
   * that restarts empty has none, and the next process to look makes a new one. Call ids carry the
   * epoch they were made in, so a call missing under a different epoch was lost, not deleted.
   */
  private epoch: string | undefined;

  /** Wraps a connected ioredis client; `ownsClient` lets close() quit it. */
  constructor(readonly redis: Redis, opts: RedisStoreOptions = {}, private readonly ownsClient = false) {
    this.prefix = opts.prefix ?? DEFAULT_REDIS_PREFIX;
    this.consumer = opts.consumer ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.reclaimIdleMs = opts.reclaimIdleMs ?? DEFAULT_RECLAIM_IDLE_MS;
    this.finishedTtlMs = opts.finishedTtlMs ?? 3_600_000;
    this.now = opts.now ?? (() => Date.now());
    this.events = new RedisSubscription<QueueEvents>(redis, `${this.prefix}events`, (w, message) => {
      const body = message.slice(2);
      if (message.startsWith('a ')) w.appended?.(body);
      else if (message.startsWith('f ')) w.finished?.(body.split(' '));
    });
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 0, lua });
    }
    // Every (re)connect re-reads the epoch: a Redis restarted empty gets a new one at once.
    redis.on('ready', () => void this.refreshEpoch().catch(() => undefined));
    if (redis.status === 'ready') void this.refreshEpoch().catch(() => undefined);
  }

  /** Reads the store's epoch, making one if there is none (first use, or Redis restarted empty). */
  private async refreshEpoch(): Promise<string> {
    const made = randomUUID().slice(0, 8);
    // SET NX GET: the existing epoch, or null when ours was just set (one round trip).
    const existing = await this.redis.set(`${this.prefix}epoch`, made, 'NX', 'GET');
    return (this.epoch = existing ?? made);
  }

  newCallId(): string {
    return `${this.epoch ?? 'none'}.${randomUUID()}`;
  }

  async callLost(id: string): Promise<boolean> {
    const dot = id.indexOf('.');
    if (dot <= 0) return false; // not an id this store made: unknown, not lost
    const current = await this.redis.get(`${this.prefix}epoch`);
    const epoch = current ?? (await this.refreshEpoch());
    this.epoch = epoch;
    return id.slice(0, dot) !== epoch;
  }

  /**
   * Connects to `url` (redis:// or rediss://; `?prefix=` sets the key prefix) and checks Redis is
   * new enough (7.0+: XAUTOCLAIM's deleted-entry handling, LPOS). Fails with RedisUnavailableError.
   */
  static async connect(url: string, opts: RedisStoreOptions = {}, clientOptions: RedisOptions = {}): Promise<RedisStreamsQueueStore> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new RedisUnavailableError(shownUrl(url), 'not a URL');
    }
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new RedisUnavailableError(shownUrl(url), `the scheme must be redis:// or rediss://, got ${parsed.protocol}//`);
    const prefix = parsed.searchParams.get('prefix') ?? opts.prefix;
    parsed.searchParams.delete('prefix');
    const redis = new Redis(parsed.toString(), { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 5000, ...clientOptions });
    // Reconnects are ioredis's job and failed commands reject on their own; the last socket error
    // is kept only to name the real cause (ECONNREFUSED…) if the first connect fails.
    let lastError: Error | undefined;
    redis.on('error', (err: Error) => (lastError = err));
    try {
      await redis.connect();
      const info = await redis.info('server');
      const major = Number(/redis_version:(\d+)/.exec(info)?.[1] ?? 0);
      if (major < 7) throw new Error(`Redis ${/redis_version:([\d.]+)/.exec(info)?.[1] ?? '?'} is too old: the queue needs 7.0 or newer`);
    } catch (err) {
      redis.disconnect();
      const why = lastError?.message ?? (err instanceof Error ? err.message : String(err));
      throw new RedisUnavailableError(shownUrl(url), why.replace(/\.+$/, ''));
    }
    const store = new RedisStreamsQueueStore(redis, { ...opts, ...(prefix !== undefined ? { prefix } : {}) }, true);
    await store.refreshEpoch().catch(() => undefined);
    return store;
  }

  // The argument list goes as ONE array (ioredis flattens it): spreading a 100,000-row call's
  // 300,000 arguments would overflow the JS stack.
  private run(name: ScriptName, args: Array<string | Buffer | number>): Promise<unknown> {
    return (this.redis as unknown as Record<string, ScriptFn>)[name]([this.prefix, GROUP, ...args]);
  }
  private runBuffer(name: ScriptName, args: Array<string | Buffer | number>): Promise<unknown> {
    return (this.redis as unknown as Record<string, ScriptFn>)[`${name}Buffer`]([this.prefix, GROUP, ...args]);
  }

  async addCall(call: NewCall, stream: string, rows: RowBatch): Promise<void> {
    if (rows.callId !== call.id) throw new Error(`addCall: the rows belong to call ${rows.callId}, not ${call.id}`);
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
    await this.run('ebAddCall', args);
  }

  async pending(stream: string): Promise<PendingInfo> {
    const [rows, oldest] = (await this.run('ebPending', [stream])) as [number, string | null];
    return { rows: Number(rows), oldestAt: oldest === null || oldest === undefined ? null : Number(oldest) };
  }

  /**
   * Hands rows of lost processes (in flight past reclaimIdleMs with no heartbeat) back to the head
   * of their streams, in order, and wakes every server (an 'appended' event); also drops consumers
   * long gone from the group and trims dead entries. Run by each server's recovery timer, so a
   * killed server's rows come back with no other traffic. Returns how many rows came back.
   */
  async reclaim(streams: string[]): Promise<number> {
    let back = 0;
    for (const stream of streams) back += Number(await this.run('ebReclaim', [stream, this.consumer, this.reclaimIdleMs]));
    return back;
  }

  async claim(stream: string, max: number): Promise<QueuedRow[]> {
    if (max <= 0) return [];
    const entries = (await this.runBuffer('ebClaim', [stream, this.consumer, max])) as Array<[Buffer, Buffer[]]>;
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
    await this.run('ebRelease', [stream, ...rows.flatMap((r) => [r.callId, r.index])]);
  }

  async complete(stream: string, outcomes: RowOutcome[]): Promise<string[]> {
    if (!outcomes.length) return [];
    this.forget(stream, outcomes);
    const args: Array<string | Buffer | number> = [stream, this.now()];
    for (const o of outcomes) {
      if (o.error) args.push(o.callId, o.index, 'e', encodeRowError(o.error));
      else args.push(o.callId, o.index, 'v', encodeValue(o.value));
    }
    return (await this.run('ebComplete', args)) as string[];
  }

  async getCall(id: string): Promise<CallRecord | undefined> {
    const p = this.prefix;
    const res = await this.redis.multi().hgetall(`${p}c:${id}`).hgetallBuffer(`${p}v:${id}`).hgetall(`${p}st:${id}`).exec();
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

  async cancelCall(id: string, status: RowError): Promise<boolean> {
    return Number(await this.run('ebCancel', [id, encodeRowError(status), this.now()])) === 1;
  }

  async deleteCall(id: string): Promise<void> {
    await this.run('ebDeleteCall', [id]);
  }

  /** The byte count ebComplete adds per stored value and ebDeleteCall takes back (`<prefix>rbytes`). */
  async heldResultBytes(): Promise<number> {
    return Number((await this.redis.get(`${this.prefix}rbytes`)) ?? 0);
  }

  async finishedBefore(before: number): Promise<string[]> {
    return this.redis.zrangebyscore(`${this.prefix}fin`, '-inf', `(${before}`);
  }

  async depth(stream?: string): Promise<number> {
    return Number(await this.run('ebDepth', stream === undefined ? ['all', ''] : ['one', stream]));
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

  /** Re-touches (XCLAIM to ourselves, idle reset) the rows this process is running. */
  private startHeartbeat(): void {
    if (this.heartbeat || this.closed || this.reclaimIdleMs <= 0) return;
    this.heartbeat = setInterval(() => void this.touch().catch(() => undefined), Math.max(10, Math.floor(this.reclaimIdleMs / 3)));
    this.heartbeat.unref();
  }

  /** Exposed for tests and for a host that wants to heartbeat on its own schedule. */
  async touch(): Promise<void> {
    const pipe = this.redis.pipeline();
    let n = 0;
    for (const [stream, rows] of this.mine) {
      if (!rows.size) continue;
      pipe.xclaim(`${this.prefix}s:${stream}`, GROUP, this.consumer, 0, ...rows.values(), 'JUSTID');
      n++;
    }
    if (n) await pipe.exec();
  }

  /**
   * Stops the heartbeat and, when this store opened the connection, closes it. Rows still in
   * flight here are NOT handed back: another process reclaims them after reclaimIdleMs.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    await this.events.close();
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
