// Shared set-up for the tests that run on a real redis-server: the URL (started by the Vitest
// global setup, or given as REDIS_URL), a fresh key prefix per test, and clean-up of every store
// and key a test file made.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisStreamsQueueStore, type RedisStoreOptions } from '../redis-store';
import { RedisRegistryStore } from '../registry/redis-registry-store';

/** The redis-server URL, or undefined when EMBEDBOOK_SKIP_REDIS=1 asked to skip these tests. */
export function redisUrlForTests(what: string): string | undefined {
  const url = process.env.REDIS_URL;
  if (url || process.env.EMBEDBOOK_SKIP_REDIS === '1') return url;
  throw new Error(
    `REDIS_URL is not set: ${what} need a redis-server (7+). \`npm test\` starts one when redis-server is on PATH ` +
      "(apt-get install -y redis-server); or start one, e.g. `redis-server --port 6390 --save '' --appendonly no --daemonize yes`, " +
      'and run with REDIS_URL=redis://127.0.0.1:6390; or set EMBEDBOOK_SKIP_REDIS=1 to skip them explicitly.',
  );
}

export class RedisTestKeys {
  private readonly stores: RedisStreamsQueueStore[] = [];
  private readonly prefixes: string[] = [];
  private readonly registries: RedisRegistryStore[] = [];

  constructor(private readonly url: string | undefined) {}

  /** A fresh key prefix: tests never see each other's keys. */
  newPrefix(): string {
    const p = `embedbook-test:${randomUUID().slice(0, 8)}:`;
    this.prefixes.push(p);
    return p;
  }

  async openStore(prefix: string, opts: RedisStoreOptions = {}, url = this.url as string): Promise<RedisStreamsQueueStore> {
    return this.track(await RedisStreamsQueueStore.connect(url, { prefix, ...opts }));
  }

  /** The registry on `store`'s Redis and prefix (closed in cleanUp). */
  registryOf(store: RedisStreamsQueueStore): RedisRegistryStore {
    const registry = new RedisRegistryStore(store.redis, store.prefix);
    this.registries.push(registry);
    return registry;
  }

  /** Closes `store` in cleanUp, with the rest. */
  track(store: RedisStreamsQueueStore): RedisStreamsQueueStore {
    this.stores.push(store);
    return store;
  }

  /** Closes every store opened here and deletes the test keys. */
  async cleanUp(): Promise<void> {
    for (const r of this.registries.splice(0)) await r.close();
    for (const s of this.stores.splice(0)) await s.close();
    if (!this.url) return;
    const r = new Redis(this.url);
    try {
      for (const p of this.prefixes.splice(0)) {
        const keys = await r.keys(`${p}*`);
        if (keys.length) await r.del(...keys);
      }
    } finally {
      r.disconnect();
    }
  }
}
