// A real, private Redis Cluster for the tests: three `redis-server --cluster-enabled yes` masters on
// free loopback ports (their cluster-bus ports too), joined by `redis-cli --cluster create` with no
// replicas, non-persistent, in a temporary folder. Debian: redis-server and redis-tools (redis-cli).
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { vi } from 'vitest';
import { freePort, startRedis, stopRedis } from './private-redis';

export interface RedisClusterForTests {
  /** redis-cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3 */
  url: string;
  ports: number[];
  stop(): Promise<void>;
}

const NODES = 3;

export async function startRedisCluster(): Promise<RedisClusterForTests> {
  const dir = mkdtempSync(join(tmpdir(), 'embedbook-redis-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async () => {
    for (const c of children.splice(0)) await stopRedis(c);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < NODES; i++) {
      const [port, busPort] = [await freePort(), await freePort()];
      ports.push(port);
      children.push(
        await startRedis(port, [
          '--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-config-file', join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout', '5000', '--dir', dir,
        ]),
      );
    }
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 }).catch((err: Error) => {
      throw new Error(`redis-cli --cluster create failed (redis-cli comes with Debian's redis-tools): ${err.message}`);
    });
    await waitForClusterOk(ports);
    return { url: `redis-cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`, ports, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Every node reports cluster_state:ok (slots assigned and agreed), polled for up to 20 s. */
async function waitForClusterOk(ports: number[]): Promise<void> {
  const clients = ports.map((p) => new Redis(p, '127.0.0.1', { maxRetriesPerRequest: 1 }));
  const allOk = async () => (await Promise.all(clients.map((c) => c.cluster('INFO') as Promise<string>))).every((info) => /cluster_state:ok/.test(info));
  try {
    await vi.waitFor(
      async () => {
        if (!(await allOk())) throw new Error(`the test Redis Cluster on ports ${ports.join(', ')} did not reach cluster_state:ok within 20 s`);
      },
      { timeout: 20_000, interval: 100 },
    );
  } finally {
    for (const c of clients) c.disconnect();
  }
}
