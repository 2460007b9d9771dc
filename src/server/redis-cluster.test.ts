// The Redis queue store and registry on a REAL Redis Cluster (three masters started here, see
// test-fixtures/redis-cluster.ts): every script gets its keys as KEYS and the keys of one stream and
// its calls share a hash tag, so each script runs on the node of its slot. Runs the store contract
// (streams on several nodes: depth, held bytes and finished calls are summed across them), the
// registry contract, and an embed run through `embedbook serve --store redis-cluster://…` with the
// built-in model. Needs redis-server and redis-cli (Debian: redis-server, redis-tools); without them
// this file FAILS, unless EMBEDBOOK_SKIP_REDIS=1 says to skip it.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Cluster } from 'ioredis';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { CallIdSlotError, RedisStreamsQueueStore } from './redis-store';
import { RedisRegistryStore } from './registry/redis-registry-store';
import { callTag, streamTag } from './redis/keys';
import { queueStoreContract } from './store-contract';
import { registryStoreContract } from './registry/registry-store-contract';
import { startRedisCluster, type RedisClusterForTests } from './test-fixtures/redis-cluster';
import type { CallRecord, QueueEvents, QueueStore, QueuedRow, RowBatch, RowOutcome, NewCall } from './store';
import type { RowError } from './call-results';
import { main, type CliIO } from '../cli/main';
import { Remote } from '../client/remote';

const SKIP = process.env.EMBEDBOOK_SKIP_REDIS === '1';
let cluster: RedisClusterForTests;
const opened: Array<{ close(): Promise<void> }> = [];
let prefixes = 0;
const newPrefix = () => `embedbook-cluster-test:${++prefixes}:`;

async function openStore(prefix: string, reclaimIdleMs = 400): Promise<RedisStreamsQueueStore> {
  const s = await RedisStreamsQueueStore.connect(`${cluster.url}?prefix=${prefix}`, { reclaimIdleMs });
  opened.push(s);
  return s;
}

/**
 * The contract names its calls 'a', 'b'…; on a Cluster a call id must carry its stream's hash tag
 * (what newCallId(stream) makes). This passes every call to the real store under the tagged id
 * `x.<tag>.<name>` and gives the contract its names back — nothing else is changed or faked.
 */
class ContractIds implements QueueStore {
  readonly shared = true;
  constructor(readonly inner: RedisStreamsQueueStore, private readonly ids: Map<string, string>) {}
  get reclaimIdleMs(): number {
    return this.inner.reclaimIdleMs;
  }
  private to(id: string): string {
    return this.ids.get(id) ?? id;
  }
  private from(id: string): string {
    return /^x\.t[0-9a-f]{10}\.(.*)$/.exec(id)?.[1] ?? id;
  }
  private rows<T extends { callId: string }>(rows: T[], map: (id: string) => string): T[] {
    return rows.map((r) => ({ ...r, callId: map(r.callId) }));
  }
  reclaim(streams: string[]): Promise<number> {
    return this.inner.reclaim(streams);
  }
  retireStream(stream: string): Promise<void> {
    return this.inner.retireStream(stream);
  }
  async addCall(call: NewCall, stream: string, rows: RowBatch): Promise<void> {
    const id = `x.${streamTag(stream)}.${call.id}`;
    this.ids.set(call.id, id);
    await this.inner.addCall({ ...call, id }, stream, { ...rows, callId: id });
  }
  pending(stream: string) {
    return this.inner.pending(stream);
  }
  async claim(stream: string, max: number): Promise<QueuedRow[]> {
    return this.rows(await this.inner.claim(stream, max), (id) => this.from(id));
  }
  release(stream: string, rows: QueuedRow[]): Promise<void> {
    return this.inner.release(stream, this.rows(rows, (id) => this.to(id)));
  }
  async complete(stream: string, outcomes: RowOutcome[]): Promise<string[]> {
    return (await this.inner.complete(stream, this.rows(outcomes, (id) => this.to(id)))).map((id) => this.from(id));
  }
  async getCall(id: string): Promise<CallRecord | undefined> {
    const call = await this.inner.getCall(this.to(id));
    return call && { ...call, id: this.from(call.id) };
  }
  cancelCall(id: string, status: RowError): Promise<boolean> {
    return this.inner.cancelCall(this.to(id), status);
  }
  deleteCall(id: string): Promise<void> {
    return this.inner.deleteCall(this.to(id));
  }
  async finishedBefore(before: number): Promise<string[]> {
    return (await this.inner.finishedBefore(before)).map((id) => this.from(id));
  }
  heldResultBytes(): Promise<number> {
    return this.inner.heldResultBytes();
  }
  depth(stream?: string): Promise<number> {
    return this.inner.depth(stream);
  }
  watch(events: QueueEvents): Promise<() => void> {
    return this.inner.watch({ ...events, finished: (ids) => events.finished?.(ids.map((id) => this.from(id))) });
  }
}

describe.skipIf(SKIP)('a real Redis Cluster (3 masters)', () => {
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    for (const s of opened.splice(0).reverse()) await s.close();
    await cluster?.stop();
  });

  const ids = new Map<string, string>();
  queueStoreContract('RedisStreamsQueueStore on a Redis Cluster', async () => new ContractIds(await openStore(newPrefix()), ids), {
    peer: async (s) => {
      const mine = (s as ContractIds).inner;
      const peer = new RedisStreamsQueueStore(mine.redis.duplicate(), { prefix: mine.prefix, reclaimIdleMs: 0 }, true);
      opened.push(peer);
      return { store: new ContractIds(peer, ids), lose: async () => undefined };
    },
  });

  registryStoreContract('RedisRegistryStore on a Redis Cluster', async () => {
    const s = await openStore(newPrefix());
    const registry = new RedisRegistryStore(s.redis, s.prefix);
    opened.push(registry);
    return registry;
  });

  test('the streams used here live on different nodes, and each script ran on its own slot\'s node', async () => {
    const s = await openStore(newPrefix());
    const client = s.redis as Cluster;
    // Five streams over three nodes' slots: they land on more than one node (checked, not assumed).
    const streams = ['f@1', 'f@2', 'g@1', 'h@1', 'k@1'];
    const slotOwner = async (key: string) => {
      const slot = Number(await client.cluster('KEYSLOT', key));
      const owner = (await client.cluster('SLOTS')).find(([from, to]) => slot >= from && slot <= to);
      return owner?.[2]?.[1] ?? -1;
    };
    const owners = new Set(await Promise.all(streams.map((st) => slotOwner(s.keys.stream(st).sk))));
    expect(owners.size).toBeGreaterThan(1);
    for (const [i, st] of streams.entries()) {
      const id = s.newCallId(st);
      expect(callTag(id)).toBe(streamTag(st));
      await s.addCall({ id, functionName: st.split('@')[0], version: 1, rows: i + 1, createdAt: 1 }, st, { callId: id, enqueuedAt: 1, columns: [Array.from({ length: i + 1 }, (_, j) => j)] });
      // The call's keys share its stream's slot.
      expect(await client.cluster('KEYSLOT', s.keys.call(id).c)).toBe(await client.cluster('KEYSLOT', s.keys.stream(st).sk));
    }
    expect(await s.depth()).toBe(1 + 2 + 3 + 4 + 5);
    for (const st of streams) {
      const batch = await s.claim(st, 10);
      expect(await s.complete(st, batch.map((r) => ({ callId: r.callId, index: r.index, value: r.index * 2 })))).toHaveLength(1);
    }
    expect(await s.depth()).toBe(0);
    expect(await s.heldResultBytes()).toBeGreaterThan(0);
    const finished = await s.finishedBefore(Number.MAX_SAFE_INTEGER);
    expect(finished).toHaveLength(streams.length);
    for (const id of finished) await s.deleteCall(id);
    expect(await s.heldResultBytes()).toBe(0);
  });

  test('retired streams on different nodes are deleted with their tag keys once drained and read; the list ends empty', async () => {
    const s = await openStore(newPrefix());
    const streams = ['r@1', 'r@2', 'q@1', 'z@1', 'w@1'];
    for (const st of streams) {
      const id = s.newCallId(st);
      await s.addCall({ id, functionName: st.split('@')[0], version: 1, rows: 2, createdAt: 1 }, st, { callId: id, enqueuedAt: 1, columns: [['x', 'y']] });
      await s.retireStream(st); // rows waiting: closed, not deleted yet
      const late = s.newCallId(st);
      await expect(s.addCall({ id: late, functionName: 'r', version: 1, rows: 1, createdAt: 1 }, st, { callId: late, enqueuedAt: 1, columns: [['z']] })).rejects.toThrow(/was replaced or removed/);
    }
    expect((await s.redis.smembers(s.keys.retired)).sort()).toEqual([...streams].sort());
    for (const st of streams) await s.complete(st, (await s.claim(st, 10)).map((r) => ({ callId: r.callId, index: r.index, value: 1 })));
    for (const id of await s.finishedBefore(Number.MAX_SAFE_INTEGER)) await s.deleteCall(id);
    await s.reclaim([]);
    expect(await s.redis.smembers(s.keys.streams)).toEqual([]);
    expect(await s.redis.smembers(s.keys.retired)).toEqual([]);
    for (const st of streams) {
      const tag = s.keys.tag(streamTag(st));
      expect(await s.redis.exists(s.keys.stream(st).sk, s.keys.stream(st).nk, s.keys.stream(st).ld, tag.fin, tag.rb)).toBe(0);
      expect(await s.redis.pttl(s.keys.tombstone(st))).toBeGreaterThan(0);
    }
  });

  test('a call id without its stream\'s tag is refused with CallIdSlotError before anything is written', async () => {
    const s = await openStore(newPrefix());
    const add = s.addCall({ id: 'plain', functionName: 'f', version: 1, rows: 1, createdAt: 1 }, 'f@1', { callId: 'plain', enqueuedAt: 1, columns: [['x']] });
    await expect(add).rejects.toThrow(CallIdSlotError);
    await expect(add).rejects.toThrow(/make its id with store.newCallId\(stream\)/);
    expect(await s.depth()).toBe(0);
  });

  test('a malformed or unreachable redis-cluster:// URL names the problem', async () => {
    await expect(RedisStreamsQueueStore.connect('redis-cluster://127.0.0.1')).rejects.toThrow(/redis-cluster:\/\/127\.0\.0\.1: "127\.0\.0\.1" is not host:port/);
    await expect(RedisStreamsQueueStore.connect('redis-cluster://:pw@127.0.0.1:1', {}, { connectTimeout: 500 })).rejects.toThrow(/Cannot use the Redis queue store at redis-cluster:\/\/:\*\*\*@127\.0\.0\.1:1: /);
  });

  test('embedbook serve --store redis-cluster://… embeds through the Remote client with the built-in model', async () => {
    const stop = new AbortController();
    let out = '';
    let err = '';
    const io: CliIO = { isTTY: false, signal: stop.signal, stdout: (t) => void (out += t), stderr: (t) => void (err += t) };
    const served = main(['serve', '--port', '0', '--workers', '1', '--store', `${cluster.url}?prefix=${newPrefix()}`], io);
    try {
      await expect.poll(() => /http:\/\/127\.0\.0\.1:\d+/.exec(out + err)?.[0], { timeout: 120_000, interval: 50 }).toBeTruthy();
      expect(err + out).toMatch(/store: redis streams at redis-cluster:\/\/127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+ \(key prefix "embedbook-cluster-test:/);
      const url = /http:\/\/127\.0\.0\.1:\d+[^\s]*/.exec(out + err)?.[0] as string;
      const texts = ['a cat sat on the mat', 'stock markets fell sharply', 'a kitten sat on a rug', ...Array.from({ length: 37 }, (_, i) => `sentence number ${i}`)];
      const res = await new Remote({ url }).function('embed').chunkedCall(new Table({ text: vectorFromArray(texts, new Utf8()) }), { chunkSize: 16, concurrentChunks: 2 });
      expect(res.failedRows).toBe(0);
      const vecs = texts.map((_, i) => Array.from((res.table.getChild('result')?.get(i) as { toArray(): Float32Array }).toArray()));
      for (const v of vecs) {
        expect(v).toHaveLength(512);
        expect(Math.hypot(...v)).toBeCloseTo(1, 4); // the model's L2-normalised output
      }
      const dot = (a: number[], b: number[]) => a.reduce((sum, x, k) => sum + x * b[k], 0);
      expect(dot(vecs[0], vecs[2])).toBeGreaterThan(dot(vecs[0], vecs[1])); // a real model, in row order
    } finally {
      stop.abort();
      expect(await served).toBe(0);
    }
  }, 180_000);
});
