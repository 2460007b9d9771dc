// Two API nodes (`serve --workers 0`) and two worker nodes (`embedbook worker`), each its own
// process, on one real redis-server; a 5,000-row run through the public client, behind a
// round-robin balancer (the client's fetch: it sends each request to the next live API node and
// moves on from a dead one). One API node and one worker node are killed with SIGKILL mid-run —
// the worker while it holds rows in flight. The API nodes are stateless (a call submitted through
// one is read through the other) and the survivors' recovery timers take the dead worker's rows
// after reclaimIdleMs: the run completes with every row once, in order. Without REDIS_URL this
// file FAILS, unless EMBEDBOOK_SKIP_REDIS=1 says to skip it.
import { afterAll, describe, expect, test } from 'vitest';
import { Float64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { Redis } from 'ioredis';
import { Remote } from '../client/remote-node';
import { RedisTestKeys, redisUrlForTests } from './test-fixtures/redis-test-keys';
import { deploy } from './test-fixtures/http';
import { sleepyBundle } from './test-fixtures/handlers';
import { spawnServe, spawnWorker, type ServeProcess } from './test-fixtures/serve-process';
import { RedisKeys } from './redis/keys';

const REDIS_URL = redisUrlForTests('the cluster kill test');
const keys = new RedisTestKeys(REDIS_URL);
const children: ServeProcess[] = [];

afterAll(async () => {
  for (const c of children.splice(0)) await c.kill();
  await keys.cleanUp();
});

/**
 * A client-side load balancer over `nodes`: round-robin; a request that cannot connect (the node
 * is dead) goes to the next node, and the dead one is skipped from then on.
 */
function balancer(nodes: ServeProcess[]): { fetch: (input: string, init?: RequestInit) => Promise<Response>; failovers: () => number } {
  const dead = new Set<number>();
  let next = 0;
  let failovers = 0;
  return {
    failovers: () => failovers,
    async fetch(input, init) {
      for (;;) {
        const live = nodes.map((_, i) => i).filter((i) => !dead.has(i));
        if (!live.length) throw new Error('every API node is down');
        const i = live[next++ % live.length];
        const url = new URL(input);
        const target = new URL(nodes[i].url);
        url.protocol = target.protocol;
        url.host = target.host;
        try {
          return await fetch(url, init);
        } catch (err) {
          if (init?.signal?.aborted) throw err;
          dead.add(i);
          failovers++;
        }
      }
    },
  };
}

describe.skipIf(!REDIS_URL)('two API nodes + two worker nodes, one of each killed', () => {
  test('a 5,000-row run completes with every row once, in order', async () => {
    const prefix = keys.newPrefix();
    const reclaimIdleMs = 1_500;
    const storeUrl = new URL(REDIS_URL as string);
    storeUrl.searchParams.set('prefix', prefix);
    const store = ['--store', storeUrl.toString(), '--reclaim-idle-ms', String(reclaimIdleMs)];
    const [apiA, apiB, w1, w2] = await Promise.all([
      spawnServe(['--no-default-function', '--workers', '0', ...store]),
      spawnServe(['--no-default-function', '--workers', '0', ...store]),
      spawnWorker(['--workers', '1', '--threads-per-worker', '1', ...store]),
      spawnWorker(['--workers', '1', '--threads-per-worker', '1', ...store]),
    ]);
    children.push(apiA, apiB, w1, w2);
    for (const w of [w1, w2]) expect(await (await fetch(`${w.url}/health`)).json()).toMatchObject({ ok: true, role: 'worker', workers: 1 });

    // Deployed once, through A only: B and the workers learn it from the store.
    const fn = { name: 'sleepy', maxBatchingSize: 50, maxBufferDuration: 20, output: 'float64' };
    expect((await deploy(apiA.url, fn, sleepyBundle(40))).status).toBe(201);

    const rows = 5_000;
    const lb = balancer([apiA, apiB]);
    let doneChunks = 0;
    const input = new Table({ text: vectorFromArray(Array.from({ length: rows }, (_, i) => `r:${i}`), new Utf8()) });
    const call = new Remote({ url: 'http://api.cluster.test', fetch: lb.fetch })
      .function('sleepy', { outputType: new Float64(), pollSeconds: 1 })
      .chunkedCall(input, { chunkSize: 250, concurrentChunks: 6, onProgress: (e) => void (e.status === 'done' && doneChunks++) });

    const probe = new Redis(REDIS_URL as string);
    try {
      // W1's consumer name is in its banner; kill it while it holds rows in flight.
      const consumer = /consumer (\S+)\)/.exec(w1.log())?.[1];
      expect(consumer).toBeDefined();
      const heldBy = async (name: string) => {
        const summary = (await probe.xpending(new RedisKeys(prefix).stream('sleepy@1').sk, 'embedbook-workers').catch(() => [0])) as [number, string, string, Array<[string, string]> | null];
        return (summary[3] ?? []).filter(([n]) => n === name).reduce((n, [, c]) => n + Number(c), 0);
      };
      await expect.poll(() => doneChunks, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(2);
      await expect.poll(() => heldBy(consumer as string), { timeout: 30_000, interval: 5 }).toBeGreaterThan(0);
      await Promise.all([w1.kill(), apiA.kill()]);
      const killedAt = Date.now();
      const doneAtKill = doneChunks;

      const out = await call;
      expect(Array.from(out.table.getChild('result')?.toArray() ?? [])).toEqual(Array.from({ length: rows }, (_, i) => i * 3));
      expect(out.failedRows).toBe(0);
      expect(doneAtKill).toBeLessThan(rows / 250); // the kills really were mid-run
      expect(lb.failovers()).toBeGreaterThan(0); // requests meant for A went to B
      // Nothing left anywhere: every row got exactly one outcome and no row is still in flight.
      expect(Number((await probe.xpending(new RedisKeys(prefix).stream('sleepy@1').sk, 'embedbook-workers'))[0])).toBe(0);
      expect(await heldBy(consumer as string)).toBe(0);
      console.log(`cluster kill: ${rows} rows, done ${Date.now() - killedAt} ms after the kills (${doneAtKill} of ${rows / 250} chunks done before)`);
    } finally {
      probe.disconnect();
    }
  }, 180_000);
});
